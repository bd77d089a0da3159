import { OpenAiTestServer } from '../support/openai-server';
import { listSearch, loadOptions, testCredential } from '../support/engine';
import { BUILT_IN_VOICES } from '../../package/lib/openai/requests';

describe('Audio API credential', () => {
	const server = new OpenAiTestServer();
	beforeAll(async () => {
		await server.start();
		server.apiKey = 'sk-cred-test-1234';
	});
	afterAll(async () => await server.stop());
	afterEach(() => expect(server.contractViolations()).toEqual([]));
	beforeEach(() => server.requests.splice(0));

	it('tests with GET <base>/models, tolerating a trailing slash, and sends every header it is given', async () => {
		await testCredential('audioApi', {
			baseUrl: `${server.baseUrl}//`,
			apiKey: 'sk-cred-test-1234',
			organizationId: 'org-42',
			customHeaderName: 'X-Gateway-Key',
			customHeaderSecret: 'gw-secret',
		});
		expect(server.requests).toHaveLength(1);
		const [request] = server.requests;
		expect(request).toMatchObject({ method: 'GET', apiPath: '/models', contractErrors: [] });
		expect(request.headers.authorization).toBe('Bearer sk-cred-test-1234');
		expect(request.headers['openai-organization']).toBe('org-42');
		expect(request.headers['x-gateway-key']).toBe('gw-secret');
	});

	it('fails the test for a wrong key', async () => {
		await expect(
			testCredential('audioApi', { baseUrl: server.baseUrl, apiKey: 'sk-wrong' }),
		).rejects.toThrow();
		expect(server.requests[0].headers.authorization).toBe('Bearer sk-wrong');
	});

	it('sends no optional headers when they are empty', async () => {
		await testCredential('audioApi', {
			baseUrl: server.baseUrl,
			apiKey: 'sk-cred-test-1234',
			organizationId: '',
			customHeaderName: '',
		});
		expect(server.requests[0].headers['openai-organization']).toBeUndefined();
	});
});

describe('model dropdowns', () => {
	const server = new OpenAiTestServer();
	beforeAll(async () => await server.start());
	afterAll(async () => await server.stop());
	afterEach(() => expect(server.contractViolations()).toEqual([]));
	const credentials = () => ({ audioApi: { baseUrl: server.baseUrl, apiKey: 'k' } });

	it('lists speech models first in Audio Speech, and marks the others', async () => {
		const { results } = await listSearch('audioSpeech', 'searchSpeechModels', credentials());
		expect(results).toEqual([
			{ name: 'gpt-4o-mini-tts', value: 'gpt-4o-mini-tts' },
			{ name: 'tts-1', value: 'tts-1' },
			{ name: 'gpt-4o-mini (not an audio model)', value: 'gpt-4o-mini' },
			{ name: 'gpt-4o-transcribe (stt)', value: 'gpt-4o-transcribe' },
			{ name: 'whisper-1 (stt)', value: 'whisper-1' },
		]);
	});

	it('lists transcription models first in Audio Transcription and Translation, and filters', async () => {
		const transcription = await listSearch(
			'audioTranscription',
			'searchTranscriptionModels',
			credentials(),
		);
		expect(transcription.results.slice(0, 2).map((r) => r.value)).toEqual([
			'gpt-4o-transcribe',
			'whisper-1',
		]);
		const filtered = await listSearch(
			'audioTranslation',
			'searchTranslationModels',
			credentials(),
			'WHISP',
		);
		expect(filtered.results).toEqual([{ name: 'whisper-1', value: 'whisper-1' }]);
	});

	it('offers the built-in voices without asking a non-Opper provider', async () => {
		const before = server.requests.length;
		const voices = await loadOptions('audioSpeech', 'getVoices', credentials(), {
			model: { __rl: true, mode: 'id', value: 'tts-1' },
		});
		expect(voices.map((v) => v.value)).toEqual([
			...BUILT_IN_VOICES,
			'__customVoiceId',
			'__otherVoiceName',
		]);
		expect(voices[0].name).toBe('Alloy');
		expect(server.requests).toHaveLength(before);
	});
});
