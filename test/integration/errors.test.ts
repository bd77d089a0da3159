import { readFileSync } from 'node:fs';
import path from 'node:path';

import { FIXTURES, OpenAiTestServer } from '../support/openai-server';
import { logLines, runWorkflow, type BinaryMode, type RunResult } from '../support/engine';

const API_KEY = 'sk-live-DO-NOT-LEAK-4242424242';

function speech(options: Record<string, unknown> = {}, continueOnFail = false) {
	return {
		name: 'Speech',
		type: 'audioSpeech',
		continueOnFail,
		parameters: {
			model: { __rl: true, mode: 'id', value: 'tts-1' },
			input: '={{ $json.text ?? "Hello." }}',
			voice: 'alloy',
			responseFormat: 'wav',
			// One item at a time, so that scripted replies meet the items in order.
			options: { itemConcurrency: 1, ...options },
		},
	};
}

/** The whole run as n8n would store it, for checks that the key appears nowhere. */
function everything(result: RunResult): string {
	return JSON.stringify(result.run, (_key, value: unknown) =>
		value instanceof Error ? { ...value, message: value.message, stack: value.stack } : value,
	);
}

describe('provider errors and retries', () => {
	const server = new OpenAiTestServer();
	beforeAll(async () => await server.start());
	afterAll(async () => await server.stop());
	afterEach(() => expect(server.contractViolations()).toEqual([]));
	beforeEach(() => {
		server.requests.splice(0);
		server.apiKey = undefined;
	});
	const credentials = (apiKey = API_KEY) => ({ audioApi: { baseUrl: server.baseUrl, apiKey } });

	it('401: names the status and the fix, and redacts the key the server echoed', async () => {
		server.apiKey = 'sk-the-right-key';
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: {} }],
			nodes: [speech()],
		});
		const error = result.failure!;
		expect(error.message).toBe('The provider answered 401: Incorrect API key provided: ***.');
		expect((error as { description?: string }).description).toMatch(
			/^Check the API Key and Authentication Header in the Audio API credential\. — code: invalid_api_key, type: invalid_request_error, request ID: req_1 — Item 0$/,
		);
		expect((error as { context?: { itemIndex?: number } }).context?.itemIndex).toBe(0);
		expect(server.requests).toHaveLength(1);
		expect(everything(result)).not.toContain(API_KEY);
		expect(logLines.join('\n')).toContain('Incorrect API key provided: ***.');
		expect(logLines.join('\n')).not.toContain(API_KEY);
	});

	it('404 model: keeps the provider message, code and param and says how to pick a model', async () => {
		server.script({
			status: 404,
			body: {
				error: {
					message: 'The model `tts-9` does not exist or you do not have access to it.',
					type: 'invalid_request_error',
					param: 'model',
					code: 'model_not_found',
				},
			},
		});
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: {} }],
			nodes: [speech()],
		});
		expect(result.failure!.message).toBe(
			'The provider answered 404: The model `tts-9` does not exist or you do not have access to it.',
		);
		expect((result.failure as { description?: string }).description).toContain(
			'Check the model name',
		);
		expect((result.failure as { description?: string }).description).toContain(
			'code: model_not_found',
		);
		expect((result.failure as { httpCode?: string }).httpCode).toBe('404');
	});

	it('413 from a proxy: explains the upload limit', async () => {
		server.script({
			status: 413,
			headers: { 'content-type': 'text/html' },
			body: '<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>',
		});
		const result = await runWorkflow({
			credentials: credentials(),
			items: [
				{ binary: { data: { path: path.join(FIXTURES, 'hello.wav'), fileName: 'big.wav' } } },
			],
			nodes: [
				{
					name: 'Transcribe',
					type: 'audioTranscription',
					parameters: {
						binaryPropertyName: 'data',
						model: { __rl: true, mode: 'id', value: 'whisper-1' },
						responseFormat: 'json',
					},
				},
			],
		});
		expect(result.failure!.message).toBe(
			'The provider answered 413: The server answered with an HTML page ("413 Request Entity Too Large"), not an API reply',
		);
		expect((result.failure as { description?: string }).description).toMatch(
			/over the provider's upload limit: lower Max Upload Size/,
		);
	});

	it('429 with Retry-After: waits as asked, retries and succeeds', async () => {
		server.script({
			status: 429,
			headers: { 'retry-after': '1' },
			body: {
				error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
			},
		});
		const started = Date.now();
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: {} }],
			nodes: [speech()],
		});
		expect(result.failure).toBeUndefined();
		expect(server.requests).toHaveLength(2);
		expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
		expect(result.output('Speech')[0].json.bytes).toBe(
			readFileSync(path.join(FIXTURES, 'hello.wav')).length,
		);
	});

	it('429 asking for longer than a minute: fails at once rather than hanging the workflow', async () => {
		server.script({
			status: 429,
			headers: { 'retry-after': '3600' },
			body: {
				error: {
					message: 'You exceeded your current quota',
					type: 'insufficient_quota',
					code: 'insufficient_quota',
				},
			},
		});
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: {} }],
			nodes: [speech()],
		});
		expect(server.requests).toHaveLength(1);
		expect(result.failure!.message).toBe(
			'The provider answered 429: You exceeded your current quota',
		);
		expect((result.failure as { description?: string }).description).toMatch(
			/quota or budget is spent, so retrying does not help/,
		);
	});

	it.each<BinaryMode>(['default', 'filesystem'])(
		'500 then success: the retry re-sends the whole upload (binary mode %s)',
		async (binaryMode) => {
			server.script({
				status: 500,
				body: { error: { message: 'Inference error', type: 'server_error', code: null } },
			});
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [
					{ binary: { data: { path: path.join(FIXTURES, 'hello.flac'), fileName: 'a.flac' } } },
				],
				nodes: [
					{
						name: 'Transcribe',
						type: 'audioTranscription',
						parameters: {
							binaryPropertyName: 'data',
							model: { __rl: true, mode: 'id', value: 'whisper-1' },
							responseFormat: 'text',
						},
					},
				],
			});
			expect(result.failure).toBeUndefined();
			expect(server.requests).toHaveLength(2);
			const original = readFileSync(path.join(FIXTURES, 'hello.flac'));
			for (const request of server.requests)
				expect(request.files![0].bytes.equals(original)).toBe(true);
			expect(result.output('Transcribe')[0].json.text).toBe('hello world');
		},
	);

	it('HTML 502 after the retries run out: says a gateway answered, with the attempts', async () => {
		const page = {
			status: 502,
			headers: { 'content-type': 'text/html' },
			body: '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>',
		};
		server.script(page, page);
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: {} }],
			nodes: [speech({ maxRetries: 1 })],
		});
		expect(server.requests).toHaveLength(2);
		expect(result.failure!.message).toBe(
			'The provider answered 502: The server answered with an HTML page ("502 Bad Gateway"), not an API reply',
		);
		expect((result.failure as { description?: string }).description).toContain('attempts: 2');
	});

	it('connection reset: retried', async () => {
		server.script('reset');
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: {} }],
			nodes: [speech()],
		});
		expect(result.failure).toBeUndefined();
		expect(server.requests).toHaveLength(2);
	});

	it('timeout: abandons the request after the Timeout option and says so', async () => {
		server.script('hang');
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: {} }],
			nodes: [speech({ timeout: 300, maxRetries: 0 })],
		});
		expect(result.failure!.message).toMatch(
			/^127\.0\.0\.1:\d+ did not answer within the timeout of 300 ms$/,
		);
		expect((result.failure as { description?: string }).description).toMatch(
			/Raise the Timeout option/,
		);
	});

	it('stopped server: a clear connection error, and the key appears nowhere', async () => {
		const stopped = new OpenAiTestServer();
		const baseUrl = await stopped.start();
		await stopped.stop();
		const result = await runWorkflow({
			credentials: { audioApi: { baseUrl, apiKey: API_KEY } },
			items: [{ json: {} }],
			nodes: [speech({ maxRetries: 1 })],
		});
		expect(result.failure!.message).toMatch(
			/^Could not connect to 127\.0\.0\.1:\d+: the connection was refused$/,
		);
		expect((result.failure as { description?: string }).description).toContain(
			'ECONNREFUSED, attempts: 2',
		);
		expect(everything(result)).not.toContain(API_KEY);
	});

	it('Continue On Fail: the failed item becomes an error item with its pairedItem and the others still run', async () => {
		server.script(
			{
				status: 200,
				headers: { 'content-type': 'audio/wav' },
				body: readFileSync(path.join(FIXTURES, 'hello.wav')),
			},
			{
				status: 400,
				body: {
					error: {
						message: "'input' is too long",
						type: 'invalid_request_error',
						param: 'input',
						code: 'string_above_max_length',
					},
				},
			},
		);
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: { text: 'one' } }, { json: { text: 'two' } }, { json: { text: 'three' } }],
			nodes: [speech({}, true)],
		});
		expect(result.failure).toBeUndefined();
		const items = result.output('Speech');
		expect(items).toHaveLength(3);
		expect(items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(items[0].binary?.data).toBeDefined();
		expect(items[1].json).toEqual({
			error: "The provider answered 400: 'input' is too long",
			description:
				'code: string_above_max_length, type: invalid_request_error, param: input, request ID: req_2 — Item 1',
			httpCode: '400',
			item: 1,
		});
		expect(items[2].binary?.data).toBeDefined();
		expect(server.requests.map((r) => r.json?.input)).toEqual(['one', 'two', 'three']);
	});

	it('with Split Long Text off, refuses text over 4,096 characters before sending and says how to fix it', async () => {
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: { text: 'a'.repeat(4097) } }],
			nodes: [speech({ splitLongText: false }, true)],
		});
		expect(server.requests).toHaveLength(0);
		expect(result.output('Speech')[0].json).toEqual({
			error: 'The text is 4097 characters; one speech request takes at most 4096',
			description:
				'Turn on Split Long Text (in Options) to speak it in parts joined into one file, or shorten it. — Item 0',
			item: 0,
		});
	});

	it('refuses a reply that is JSON where audio was expected rather than storing it as audio', async () => {
		server.script({ status: 200, body: { detail: 'queued' } });
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: {} }],
			nodes: [speech()],
		});
		expect(result.failure!.message).toBe(
			'The provider answered with application/json instead of audio: {"detail":"queued"}',
		);
	});
});
