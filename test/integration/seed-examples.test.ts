import path from 'node:path';

import { FIXTURES, OpenAiTestServer, type ServerStyle } from '../support/openai-server';
import { runWorkflow } from '../support/engine';

// Each seed's own example requests, replies and error tables, replayed through the real engine.
// The request bodies below are copied from the seeds; the nodes are set up as a user would to
// send them.

const model = (value: string) => ({ __rl: true, mode: 'id', value });
const mp3 = {
	path: path.join(FIXTURES, 'hello.mp3'),
	fileName: 'speech.mp3',
	mimeType: 'audio/mpeg',
};

function speechNode(parameters: Record<string, unknown>, continueOnFail = false) {
	return {
		name: 'Speech',
		type: 'audioSpeech',
		continueOnFail,
		parameters: { responseFormat: 'mp3', options: { maxRetries: 2 }, ...parameters },
	};
}

function serverFor(style: ServerStyle, apiKey: string) {
	const server = new OpenAiTestServer(style);
	beforeAll(async () => {
		await server.start();
		server.apiKey = apiKey;
	});
	afterAll(async () => await server.stop());
	afterEach(() => expect(server.contractViolations()).toEqual([]));
	beforeEach(() => server.requests.splice(0));
	return server;
}

describe('seed 002: the /api/client/v1 gateway', () => {
	const server = serverFor('gateway', 'cpeer_your_token');
	const credentials = () => ({
		audioApi: { baseUrl: server.baseUrl, apiKey: 'cpeer_your_token' },
	});

	it('speech: sends the curl example body as written and keeps X-Request-Id', async () => {
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: {} }],
			nodes: [speechNode({ model: model('tts-1'), input: 'Hello world', voice: 'alloy' })],
		});
		expect(result.failure).toBeUndefined();
		expect(server.requests[0].json).toEqual({
			model: 'tts-1',
			input: 'Hello world',
			voice: 'alloy',
			response_format: 'mp3',
		});
		const [item] = result.output('Speech');
		expect(item.json.request_id).toEqual(expect.stringMatching(/^req_/));
		expect(item.binary!.data.mimeType).toBe('audio/mpeg');
	});

	it('speech: sends the full request example with speed and instructions', async () => {
		await runWorkflow({
			credentials: credentials(),
			items: [{ json: {} }],
			nodes: [
				speechNode({
					model: model('tts-1'),
					input: 'The quick brown fox jumped over the lazy dog.',
					voice: 'alloy',
					options: { speed: 1.0, instructions: 'Speak in a calm, measured tone.' },
				}),
			],
		});
		// speed 1.0 is the documented default, so it is left out; the request means the same.
		expect(server.requests[0].json).toEqual({
			model: 'tts-1',
			input: 'The quick brown fox jumped over the lazy dog.',
			voice: 'alloy',
			response_format: 'mp3',
			instructions: 'Speak in a calm, measured tone.',
		});
	});

	it.each(['transcription', 'translation'] as const)(
		'%s: the documented JSON reply {text, request_id} comes out as written',
		async (kind) => {
			const reply = {
				text: 'The quick brown fox jumped over the lazy dog.',
				request_id: 'req_abc123',
			};
			server.script({ status: 200, body: reply });
			const type = kind === 'transcription' ? 'audioTranscription' : 'audioTranslation';
			const result = await runWorkflow({
				credentials: credentials(),
				items: [{ binary: { data: mp3 } }],
				nodes: [
					{
						name: 'Node',
						type,
						parameters: {
							binaryPropertyName: 'data',
							model: model('whisper-1'),
							responseFormat: 'json',
							options: {},
						},
					},
				],
			});
			expect(result.failure).toBeUndefined();
			// The curl example: -F model="whisper-1" -F file="@speech.mp3" -F response_format="json"
			expect(server.requests[0].fields).toEqual({ model: 'whisper-1', response_format: 'json' });
			expect(server.requests[0].files![0]).toMatchObject({ field: 'file', fileName: 'speech.mp3' });
			expect(result.output('Node')[0].json).toMatchObject(reply);
		},
	);

	it('transcription: sends the JSON body example with its base64 audio object', async () => {
		await runWorkflow({
			credentials: credentials(),
			items: [{ binary: { data: mp3 } }],
			nodes: [
				{
					name: 'Transcribe',
					type: 'audioTranscription',
					parameters: {
						binaryPropertyName: 'data',
						model: model('whisper-1'),
						responseFormat: 'json',
						options: { uploadAs: 'json', language: 'en', temperature: 0 },
					},
				},
			],
		});
		const { audio, ...rest } = server.requests[0].json as Record<string, unknown>;
		// The example pairs timestamp_granularities with json; OpenAI's contract allows them only
		// with verbose_json, and the node offers Timestamp Granularities only there (see
		// gateway.test.ts), so a user cannot send the example's pair.
		expect(rest).toEqual({
			model: 'whisper-1',
			language: 'en',
			response_format: 'json',
			temperature: 0,
		});
		expect(audio).toEqual({
			data: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
			fileName: 'speech.mp3',
			contentType: 'audio/mpeg',
		});
	});

	// The error table: 400, 401, 429, 500 and 503. The retryable ones are retried and then succeed;
	// the others fail the item at once with the gateway's words and request ID.
	it.each([
		[400, 'Missing/invalid required fields (model, input, file/audio.data)', false],
		[401, 'Invalid API token', false],
		[429, 'Rate limit, budget, or per-request quota exceeded', true],
		[500, 'Inference error', true],
		[503, 'Service is shutting down', true],
	])('%d "%s": retried=%s', async (status, message, retried) => {
		server.script({
			status,
			headers: { 'x-request-id': `req_err_${status}`, 'retry-after': '0' },
			body: { error: { message } },
		});
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: {} }],
			nodes: [speechNode({ model: model('tts-1'), input: 'Hello world', voice: 'alloy' }, true)],
		});
		const [item] = result.output('Speech');
		if (retried) {
			expect(server.requests).toHaveLength(2);
			expect(item.json.error).toBeUndefined();
			expect(item.binary!.data).toBeDefined();
		} else {
			expect(server.requests).toHaveLength(1);
			expect(item.json.error).toBe(`The provider answered ${status}: ${message}`);
			expect(String(item.json.description)).toContain(`request ID: req_err_${status}`);
		}
	});

	it('503 "shutting down" on every attempt fails the item naming the attempts', async () => {
		const shuttingDown = {
			status: 503,
			headers: { 'retry-after': '0' },
			body: { error: { message: 'Service is shutting down' } },
		};
		server.script(shuttingDown, shuttingDown, shuttingDown);
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: {} }],
			nodes: [speechNode({ model: model('tts-1'), input: 'Hello world', voice: 'alloy' }, true)],
		});
		expect(server.requests).toHaveLength(3);
		const { json } = result.output('Speech')[0];
		expect(json.error).toBe('The provider answered 503: Service is shutting down');
		expect(String(json.description)).toMatch(/attempts: 3 — Item 0$/);
	});
});

describe('seed 003: Apertis', () => {
	const server = serverFor('openai', 'sk-apertis');
	const credentials = () => ({ audioApi: { baseUrl: server.baseUrl, apiKey: 'sk-apertis' } });

	it('the error response example becomes an error with its message, code and fix', async () => {
		server.script({
			status: 400,
			body: {
				error: {
					message: 'Invalid file format. Supported formats: mp3, mp4, mpeg, mpga, m4a, wav, webm',
					type: 'invalid_request_error',
					code: 'invalid_file_format',
				},
			},
		});
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ binary: { data: mp3 } }],
			nodes: [
				{
					name: 'Transcribe',
					type: 'audioTranscription',
					continueOnFail: true,
					parameters: { binaryPropertyName: 'data', model: model('whisper-1'), options: {} },
				},
			],
		});
		const { json } = result.output('Transcribe')[0];
		expect(json.error).toBe(
			'The provider answered 400: Invalid file format. Supported formats: mp3, mp4, mpeg, mpga, m4a, wav, webm',
		);
		expect(String(json.description)).toContain('code: invalid_file_format');
		expect(String(json.description)).toMatch(/^Convert the audio to mp3 or wav first/);
	});

	it('403 audio_requires_payg on a subscription key names the pay-as-you-go fix', async () => {
		server.script({
			status: 403,
			body: {
				error: {
					message: 'Audio requires a Pay-As-You-Go token',
					type: 'invalid_request_error',
					code: 'audio_requires_payg',
				},
			},
		});
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: {} }],
			nodes: [speechNode({ model: model('tts-1'), input: 'Hello', voice: 'alloy' }, true)],
		});
		expect(String(result.output('Speech')[0].json.description)).toMatch(/pay-as-you-go/i);
	});
});

describe('seeds 001 and 004: OpenAI and the /api/v1 gateway', () => {
	const server = serverFor('openai', 'sk-openai');
	const credentials = () => ({ audioApi: { baseUrl: server.baseUrl, apiKey: 'sk-openai' } });

	it('004: the speech examples, plain and with stream_format sse', async () => {
		const text = 'The quick brown fox jumped over the lazy dog.';
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: { sse: false } }, { json: { sse: true } }],
			nodes: [
				speechNode({
					model: model('gpt-4o-mini-tts'),
					input: text,
					voice: 'alloy',
					options: { streamFormat: '={{ $json.sse ? "sse" : "audio" }}' },
				}),
			],
		});
		expect(result.failure).toBeUndefined();
		const [plain, sse] = server.requests.map((r) => r.json);
		expect(plain).toMatchObject({ model: 'gpt-4o-mini-tts', input: text, voice: 'alloy' });
		expect(sse).toMatchObject({
			model: 'gpt-4o-mini-tts',
			input: text,
			voice: 'alloy',
			stream_format: 'sse',
		});
		const items = result.output('Speech');
		expect(items.map((i) => i.binary?.data?.mimeType)).toEqual(['audio/mpeg', 'audio/mpeg']);
	});

	it('001: the transcription reply example with logprobs and usage comes out whole', async () => {
		const reply = {
			logprobs: [{ bytes: [0], logprob: 0.1, token: 'string' }],
			text: 'string',
			usage: {},
		};
		server.script({ status: 200, body: reply });
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ binary: { data: mp3 } }],
			nodes: [
				{
					name: 'Transcribe',
					type: 'audioTranscription',
					parameters: {
						binaryPropertyName: 'data',
						model: model('gpt-4o-transcribe'),
						responseFormat: 'json',
						options: { includeLogprobs: true },
					},
				},
			],
		});
		expect(server.requests[0].fields).toMatchObject({
			model: 'gpt-4o-transcribe',
			include: ['logprobs'],
		});
		expect(result.output('Transcribe')[0].json).toMatchObject(reply);
	});
});
