import { readFileSync } from 'node:fs';
import path from 'node:path';

import { FIXTURES, OpenAiTestServer } from '../support/openai-server';
import { runWorkflow } from '../support/engine';

const sse = (...payloads: object[]) =>
	payloads.map((p) => `data: ${JSON.stringify(p)}\n\n`).join('');
const EVENT_STREAM = { 'content-type': 'text/event-stream' };

describe('server-sent events', () => {
	const server = new OpenAiTestServer();
	beforeAll(async () => await server.start());
	afterAll(async () => await server.stop());
	afterEach(() => expect(server.contractViolations()).toEqual([]));
	beforeEach(() => server.requests.splice(0));
	const credentials = () => ({ audioApi: { baseUrl: server.baseUrl, apiKey: 'k' } });
	const wav = readFileSync(path.join(FIXTURES, 'hello.wav'));
	const speechStream = () =>
		sse(
			{ type: 'speech.audio.delta', audio: wav.subarray(0, 20000).toString('base64') },
			{ type: 'speech.audio.delta', audio: wav.subarray(20000).toString('base64') },
			{
				type: 'speech.audio.done',
				usage: { input_tokens: 3, output_tokens: 50, total_tokens: 53 },
			},
		);
	const speech = (options: Record<string, unknown>) => ({
		name: 'Speech',
		type: 'audioSpeech',
		parameters: {
			model: { __rl: true, mode: 'id', value: 'gpt-4o-mini-tts' },
			input: 'Hello.',
			voice: 'alloy',
			responseFormat: 'wav',
			options,
		},
	});

	it.each([
		['asked for with stream_format sse', { streamFormat: 'sse' }, 'sse'],
		['sent unasked', {}, undefined],
	])(
		'speech %s: the deltas become one audio file, never the event stream itself',
		async (_what, options, streamFormat) => {
			server.script({ status: 200, headers: EVENT_STREAM, body: speechStream() });
			const result = await runWorkflow({
				credentials: credentials(),
				items: [{ json: {} }],
				nodes: [speech(options)],
			});
			expect(result.failure).toBeUndefined();
			expect(server.requests[0].json?.stream_format).toBe(streamFormat);
			const [item] = result.output('Speech');
			expect((await result.binaryBytes(item)).equals(wav)).toBe(true);
			expect(item.json).toMatchObject({
				bytes: wav.length,
				usage: { total_tokens: 53 },
				mimeType: 'audio/wav',
			});
		},
	);

	it("speech: an error event fails the item with the provider's message", async () => {
		server.script({
			status: 200,
			headers: EVENT_STREAM,
			body: sse({ type: 'error', error: { message: 'voice unavailable' } }),
		});
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ json: {} }],
			nodes: [speech({ streamFormat: 'sse' })],
		});
		expect(result.failure?.message).toBe(
			"The provider's stream reported an error: voice unavailable",
		);
	});

	it.each([
		['asked for with stream', { stream: true, includeLogprobs: true }, 'true'],
		['sent unasked', {}, undefined],
	])('transcription %s: the final text with logprobs and usage', async (_what, options, stream) => {
		server.script({
			status: 200,
			headers: EVENT_STREAM,
			body: sse(
				{
					type: 'transcript.text.delta',
					delta: 'hello',
					logprobs: [{ token: 'hello', logprob: -0.05, bytes: [104] }],
				},
				{ type: 'transcript.text.delta', delta: ' world' },
				{
					type: 'transcript.text.done',
					text: 'hello world',
					logprobs: [
						{ token: 'hello', logprob: -0.05, bytes: [104] },
						{ token: ' world', logprob: -0.1, bytes: [32] },
					],
					usage: { type: 'tokens', input_tokens: 10, output_tokens: 2, total_tokens: 12 },
				},
			),
		});
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ binary: { data: { path: path.join(FIXTURES, 'hello.mp3'), fileName: 'a.mp3' } } }],
			nodes: [
				{
					name: 'Transcribe',
					type: 'audioTranscription',
					parameters: {
						binaryPropertyName: 'data',
						model: { __rl: true, mode: 'id', value: 'gpt-4o-transcribe' },
						responseFormat: 'json',
						options,
					},
				},
			],
		});
		expect(result.failure).toBeUndefined();
		expect(server.requests[0].fields?.stream).toBe(stream);
		const [item] = result.output('Transcribe');
		expect(item.json).toMatchObject({
			text: 'hello world',
			usage: { total_tokens: 12 },
			response_format: 'json',
		});
		expect(item.json.logprobs).toHaveLength(2);
	});
});
