import { readFileSync } from 'node:fs';
import path from 'node:path';

import { FIXTURES, OpenAiTestServer } from '../support/openai-server';
import { listSearch, runWorkflow, type BinaryMode } from '../support/engine';

const chat = (parameters: Record<string, unknown>, continueOnFail = false) => ({
	name: 'Ask',
	type: 'audioChat',
	continueOnFail,
	parameters: {
		binaryPropertyName: 'data',
		model: { __rl: true, mode: 'id', value: 'gpt-4o-audio-preview' },
		prompt: 'What is said?',
		options: {},
		...parameters,
	},
});

describe.each<BinaryMode>(['default', 'filesystem'])(
	'Audio Chat (seed 003), binary mode %s',
	(binaryMode) => {
		const server = new OpenAiTestServer();
		beforeAll(async () => await server.start());
		afterAll(async () => await server.stop());
		afterEach(() => expect(server.contractViolations()).toEqual([]));
		beforeEach(() => server.requests.splice(0));
		const credentials = () => ({ audioApi: { baseUrl: server.baseUrl, apiKey: 'sk-payg' } });
		const file = (name: string) => ({ data: { path: path.join(FIXTURES, name), fileName: name } });

		it('sends the audio as an input_audio part with the prompt and system message, and returns the text answer', async () => {
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [{ binary: file('hello.wav') }],
				nodes: [chat({ options: { systemMessage: 'Answer briefly.', temperature: 0.5 } })],
			});
			expect(result.failure).toBeUndefined();
			const [request] = server.requests;
			expect(request.apiPath).toBe('/chat/completions');
			expect(request.json).toEqual({
				model: 'gpt-4o-audio-preview',
				temperature: 0.5,
				messages: [
					{ role: 'system', content: 'Answer briefly.' },
					{
						role: 'user',
						content: [
							{ type: 'text', text: 'What is said?' },
							{
								type: 'input_audio',
								input_audio: {
									data: readFileSync(path.join(FIXTURES, 'hello.wav')).toString('base64'),
									format: 'wav',
								},
							},
						],
					},
				],
			});
			expect(result.output('Ask')[0].json).toMatchObject({
				text: 'The speaker says hello world.',
				finish_reason: 'stop',
				usage: { total_tokens: 38 },
				model: 'gpt-4o-audio-preview',
				request_id: 'req_1',
			});
		});

		it('asks for a spoken answer and returns it as a binary', async () => {
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [{ binary: file('hello.mp3') }],
				nodes: [
					chat({ options: { spokenAnswer: true, answerVoice: 'coral', answerFormat: 'mp3' } }),
				],
			});
			expect(result.failure).toBeUndefined();
			expect(server.requests[0].json).toMatchObject({
				modalities: ['text', 'audio'],
				audio: { voice: 'coral', format: 'mp3' },
			});
			const content = (
				server.requests[0].json!.messages as Array<{
					content: Array<{ input_audio?: { format: string } }>;
				}>
			)[0].content;
			expect(content[1].input_audio?.format).toBe('mp3');
			const [item] = result.output('Ask');
			expect(item.json).toMatchObject({
				text: 'The speaker says hello world.',
				transcript: 'The speaker says hello world.',
			});
			expect(item.binary?.answer).toMatchObject({ fileName: 'answer.mp3', mimeType: 'audio/mpeg' });
			expect(
				(await result.binaryBytes(item, 'answer')).equals(
					readFileSync(path.join(FIXTURES, 'hello.mp3')),
				),
			).toBe(true);
		});

		it('refuses audio that is neither wav nor mp3 before sending, and keeps the other items', async () => {
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [{ binary: file('hello.m4a') }, { binary: file('hello.mp3') }],
				nodes: [chat({}, true)],
			});
			expect(server.requests).toHaveLength(1);
			const items = result.output('Ask');
			expect(items[0].json.error).toBe(
				'Audio Chat takes wav or mp3 audio; the binary field "data" holds m4a ("hello.m4a")',
			);
			expect(items[0].json.description).toMatch(
				/Convert it to mp3 or wav.* — Item 0 \("hello.m4a"\)$/,
			);
			expect(items[1].json.text).toBe('The speaker says hello world.');
		});

		it('tells a subscription key holder to use a pay-as-you-go key on 403 audio_requires_payg', async () => {
			server.script({
				status: 403,
				body: {
					error: {
						message: 'Audio endpoints require a PAYG token',
						type: 'permission_error',
						code: 'audio_requires_payg',
					},
				},
			});
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [{ binary: file('hello.mp3') }],
				nodes: [chat({}, true)],
			});
			expect(result.output('Ask')[0].json).toMatchObject({
				error: 'The provider answered 403: Audio endpoints require a PAYG token',
				httpCode: '403',
			});
			expect(String(result.output('Ask')[0].json.description)).toMatch(
				/^This provider serves audio only to pay-as-you-go keys/,
			);
		});
	},
);

describe('Audio Chat model list', () => {
	const server = new OpenAiTestServer();
	beforeAll(async () => await server.start());
	afterAll(async () => await server.stop());

	it('puts chat models that take audio first', async () => {
		server.script({
			status: 200,
			body: {
				object: 'list',
				data: [{ id: 'whisper-1' }, { id: 'gpt-4o-audio-preview' }, { id: 'gpt-4o' }],
			},
		});
		const { results } = await listSearch('audioChat', 'searchChatModels', {
			audioApi: { baseUrl: server.baseUrl, apiKey: 'k' },
		});
		expect(results[0]).toEqual({ name: 'gpt-4o-audio-preview', value: 'gpt-4o-audio-preview' });
	});
});
