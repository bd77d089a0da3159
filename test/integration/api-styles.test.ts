import { BUILT_IN_MODELS } from '../../package/nodes/shared/models';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { FIXTURES, OpenAiTestServer } from '../support/openai-server';
import { listSearch, runWorkflow, testCredential } from '../support/engine';

const KEY = 'azure-key-0123456789abcdef';
const deployment = (value: string) => ({ __rl: true, mode: 'id', value });

describe('Azure OpenAI style', () => {
	const server = new OpenAiTestServer('azure');
	beforeAll(async () => {
		await server.start();
		server.apiKey = KEY;
	});
	afterAll(async () => await server.stop());
	afterEach(() => expect(server.contractViolations()).toEqual([]));
	beforeEach(() => server.requests.splice(0));
	const credentials = (apiVersion = '2024-10-21') => ({
		audioApi: {
			apiStyle: 'azure',
			baseUrl: `${server.baseUrl}/`,
			apiKey: KEY,
			apiVersion,
		},
	});

	it('sends speech to the deployment with api-version and the api-key header only', async () => {
		const result = await runWorkflow({
			credentials: credentials('2025-04-01-preview'),
			items: [{ json: {} }],
			nodes: [
				{
					name: 'Speech',
					type: 'audioSpeech',
					parameters: {
						model: deployment('tts-hd-prod'),
						input: 'Hello Azure.',
						voice: 'nova',
						responseFormat: 'wav',
						options: {},
					},
				},
			],
		});
		expect(result.failure).toBeUndefined();
		const [request] = server.requests;
		expect(request).toMatchObject({
			apiPath: '/audio/speech',
			deployment: 'tts-hd-prod',
			apiVersion: '2025-04-01-preview',
		});
		expect(request.headers['api-key']).toBe(KEY);
		expect(request.headers.authorization).toBeUndefined();
		expect(request.json).toEqual({
			model: 'tts-hd-prod',
			input: 'Hello Azure.',
			voice: 'nova',
			response_format: 'wav',
		});
		expect(result.output('Speech')[0].binary?.data?.mimeType).toBe('audio/wav');
	});

	it('sends transcriptions and translations to their deployments as multipart', async () => {
		const audio = { data: { path: path.join(FIXTURES, 'hello.mp3'), fileName: 'note.mp3' } };
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ binary: audio }],
			nodes: [
				{
					name: 'Transcribe',
					type: 'audioTranscription',
					parameters: {
						binaryPropertyName: 'data',
						model: deployment('whisper-eu'),
						responseFormat: 'srt',
						options: {},
					},
				},
			],
		});
		expect(result.failure).toBeUndefined();
		expect(server.requests[0]).toMatchObject({
			apiPath: '/audio/transcriptions',
			deployment: 'whisper-eu',
			apiVersion: '2024-10-21',
		});
		expect(
			server.requests[0].files![0].bytes.equals(readFileSync(path.join(FIXTURES, 'hello.mp3'))),
		).toBe(true);
		expect(result.output('Transcribe')[0].json.text).toBe('hello world');

		const translated = await runWorkflow({
			credentials: credentials(),
			items: [{ binary: audio }],
			nodes: [
				{
					name: 'Translate',
					type: 'audioTranslation',
					parameters: {
						binaryPropertyName: 'data',
						model: deployment('whisper-eu'),
						responseFormat: 'json',
						options: {},
					},
				},
			],
		});
		expect(translated.failure).toBeUndefined();
		expect(server.requests[1]).toMatchObject({
			apiPath: '/audio/translations',
			deployment: 'whisper-eu',
		});
	});

	it('lists models from /openai/models and tests the credential there', async () => {
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: {} }],
			nodes: [
				{ name: 'Models', type: 'audioModels', parameters: { audioOnly: true, options: {} } },
			],
		});
		expect(result.failure).toBeUndefined();
		expect(server.requests[0]).toMatchObject({
			method: 'GET',
			apiPath: '/models',
			apiVersion: '2024-10-21',
		});
		expect(result.output('Models').map((i) => i.json.id)).toContain('whisper-1');

		expect(await testCredential('audioApi', credentials('2024-10-21').audioApi)).toMatchObject({
			status: 'OK',
		});
		expect(server.requests[1]).toMatchObject({
			method: 'GET',
			apiPath: '/models',
			apiVersion: '2024-10-21',
		});
		expect(server.requests[1].headers['api-key']).toBe(KEY);
		expect(
			await testCredential('audioApi', { ...credentials().audioApi, apiKey: 'wrong' }),
		).toMatchObject({ status: 'Error', message: expect.stringMatching(/^401: /) });
	});

	it("offers OpenAI's model names (deployments cannot be listed) and says so when the deployment is missing", async () => {
		const before = server.requests.length;
		expect(
			(await listSearch('audioSpeech', 'searchSpeechModels', credentials())).results.map(
				(r) => r.value,
			),
		).toEqual(BUILT_IN_MODELS.tts);
		expect(server.requests).toHaveLength(before);
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: {} }],
			nodes: [
				{
					name: 'Speech',
					type: 'audioSpeech',
					continueOnFail: true,
					parameters: {
						model: deployment(' '),
						input: 'x',
						voice: 'alloy',
						responseFormat: 'mp3',
						options: {},
					},
				},
			],
		});
		expect(result.output('Speech')[0].json.error).toBe('Model is empty');
		expect(result.output('Speech')[0].json.description).toMatch(/for Azure, the deployment name/);
		expect(server.requests).toHaveLength(0);
	});
});

describe('authentication header', () => {
	const server = new OpenAiTestServer();
	beforeAll(async () => {
		await server.start();
		server.apiKey = KEY;
	});
	afterAll(async () => await server.stop());
	afterEach(() => expect(server.contractViolations()).toEqual([]));
	beforeEach(() => server.requests.splice(0));

	it.each([
		['apiKey', 'api-key', ''],
		['custom', 'x-api-key', 'X-API-Key'],
	])(
		'%s sends the bare key in %s and no Authorization header',
		async (authHeader, header, authHeaderName) => {
			server.keyHeader = header;
			const result = await runWorkflow({
				credentials: {
					audioApi: {
						apiStyle: 'openai',
						baseUrl: server.baseUrl,
						apiKey: KEY,
						authHeader,
						// Header Name is shown only for a custom header.
						...(authHeader === 'custom' ? { authHeaderName } : {}),
					},
				},
				items: [{ json: {} }],
				nodes: [
					{ name: 'Models', type: 'audioModels', parameters: { audioOnly: false, options: {} } },
				],
			});
			expect(result.failure).toBeUndefined();
			expect(server.requests[0].headers[header]).toBe(KEY);
			expect(server.requests[0].headers.authorization).toBeUndefined();
		},
	);
});
