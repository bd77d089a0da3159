import { OpenAiTestServer } from '../support/openai-server';
import { listSearch, loadOptions, testCredential } from '../support/engine';
import { BUILT_IN_VOICES } from '../../package/lib/providers/openai';
import { BUILT_IN_MODELS } from '../../package/nodes/shared/models';

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
		const result = await testCredential('audioApi', {
			baseUrl: `${server.baseUrl}//`,
			apiKey: 'sk-cred-test-1234',
			organizationId: 'org-42',
			customHeaderName: 'X-Gateway-Key',
			customHeaderSecret: 'gw-secret',
		});
		expect(result).toEqual({ status: 'OK', message: 'Connection successful' });
		expect(server.requests).toHaveLength(1);
		const [request] = server.requests;
		expect(request).toMatchObject({ method: 'GET', apiPath: '/models', contractErrors: [] });
		expect(request.headers.authorization).toBe('Bearer sk-cred-test-1234');
		expect(request.headers['openai-organization']).toBe('org-42');
		expect(request.headers['x-gateway-key']).toBe('gw-secret');
	});

	it("fails the test for a wrong key with the provider's own message, the key redacted", async () => {
		const result = await testCredential('audioApi', {
			baseUrl: server.baseUrl,
			apiKey: 'sk-wrong-key-5678',
		});
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^401: Incorrect API key provided/);
		expect(result.message).toMatch(/Check the API Key/);
		expect(result.message).not.toContain('sk-wrong-key-5678');
		expect(server.requests[0].headers.authorization).toBe('Bearer sk-wrong-key-5678');
	});

	it('refuses a Base URL that is not http(s) without sending anything', async () => {
		const result = await testCredential('audioApi', {
			baseUrl: 'ftp://example.com/v1',
			apiKey: 'k',
		});
		expect(result).toMatchObject({ status: 'Error' });
		expect(result.message).toMatch(/not an http or https URL/);
		expect(server.requests).toHaveLength(0);
	});

	it('sends the key in the header the credential names', async () => {
		await testCredential('audioApi', {
			baseUrl: server.baseUrl,
			apiKey: 'sk-cred-test-1234',
			authHeader: 'custom',
			authHeaderName: 'X-Api-Key',
		});
		expect(server.requests[0].headers['x-api-key']).toBe('sk-cred-test-1234');
		expect(server.requests[0].headers.authorization).toBeUndefined();
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

	it('lists speech models in Audio Speech, then models of unknown kind, marked; others are left out', async () => {
		const { results } = await listSearch('audioSpeech', 'searchSpeechModels', credentials());
		expect(results).toEqual([
			{ name: 'gpt-4o-mini-tts', value: 'gpt-4o-mini-tts' },
			{ name: 'tts-1', value: 'tts-1' },
			{ name: 'gpt-4o-mini (kind unknown)', value: 'gpt-4o-mini' },
		]);
	});

	it('falls back to the built-in lists without a credential or when /models fails', async () => {
		const none = await listSearch('audioSpeech', 'searchSpeechModels', {});
		expect(none.results.map((r) => r.value)).toEqual(BUILT_IN_MODELS.tts);
		const broken = await listSearch('audioTranscription', 'searchTranscriptionModels', {
			// Nothing listens on port 1: the listing fails.
			audioApi: { baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'k' },
		});
		expect(broken.results.map((r) => r.value)).toEqual(BUILT_IN_MODELS.stt);
		const voices = await loadOptions('audioSpeech', 'getVoices', {});
		expect(voices.map((v) => v.value).slice(0, BUILT_IN_VOICES.length)).toEqual([
			...BUILT_IN_VOICES,
		]);
		const chat = await listSearch('audioChat', 'searchChatModels', {});
		expect(chat.results.map((r) => r.value)).toEqual(BUILT_IN_MODELS.chat);
	});

	it('lists transcription models first in Audio Transcription and Translation, and filters', async () => {
		const transcription = await listSearch(
			'audioTranscription',
			'searchTranscriptionModels',
			credentials(),
		);
		expect(transcription.results.map((r) => r.value)).toEqual([
			'gpt-4o-transcribe',
			'whisper-1',
			'gpt-4o-mini',
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
			'',
			'__customVoiceId',
			'__otherVoiceName',
		]);
		expect(voices[0].name).toBe('Alloy');
		expect(server.requests).toHaveLength(before);
	});
});
