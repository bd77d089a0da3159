import { readFileSync } from 'node:fs';
import path from 'node:path';

import { FIXTURES, OpenAiTestServer } from '../support/openai-server';
import { runWorkflow, type BinaryMode } from '../support/engine';

const model = (value: string) => ({ __rl: true, mode: 'id', value });

describe.each<BinaryMode>(['default', 'filesystem'])(
	'the /api/client/v1 gateway (seed 002), binary mode %s',
	(binaryMode) => {
		const server = new OpenAiTestServer('gateway');
		beforeAll(async () => {
			await server.start();
			server.apiKey = 'cpeer_your_token';
		});
		afterAll(async () => await server.stop());
		afterEach(() => expect(server.contractViolations()).toEqual([]));
		beforeEach(() => server.requests.splice(0));
		const credentials = () => ({
			audioApi: { baseUrl: server.baseUrl, apiKey: 'cpeer_your_token' },
		});
		const mp3 = path.join(FIXTURES, 'hello.mp3');

		it('takes a transcription as JSON with a base64 audio object, and surfaces the body request_id', async () => {
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [
					{ binary: { data: { path: mp3, fileName: 'speech.mp3', mimeType: 'audio/mpeg' } } },
				],
				nodes: [
					{
						name: 'Transcribe',
						type: 'audioTranscription',
						parameters: {
							binaryPropertyName: 'data',
							model: model('whisper-1'),
							responseFormat: 'verbose_json',
							timestampGranularities: ['segment'],
							options: { uploadAs: 'json', language: 'en', temperature: 0 },
						},
					},
				],
			});
			expect(result.failure).toBeUndefined();
			const [request] = server.requests;
			expect(request.headers['content-type']).toBe('application/json');
			expect(request.json).toMatchObject({
				model: 'whisper-1',
				language: 'en',
				response_format: 'verbose_json',
				temperature: 0,
				timestamp_granularities: ['segment'],
				audio: { fileName: 'speech.mp3', contentType: 'audio/mpeg' },
			});
			expect(request.files![0].bytes.equals(readFileSync(mp3))).toBe(true);
			expect(result.output('Transcribe')[0].json).toMatchObject({
				text: 'hello world',
				request_id: 'req_gw_1',
			});
		});

		it('takes a translation as JSON without the transcription-only fields', async () => {
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [{ binary: { data: { path: mp3, fileName: 'speech_fr.mp3' } } }],
				nodes: [
					{
						name: 'Translate',
						type: 'audioTranslation',
						parameters: {
							binaryPropertyName: 'data',
							model: model('whisper-1'),
							responseFormat: 'json',
							options: { uploadAs: 'json', prompt: 'Bonjour' },
						},
					},
				],
			});
			expect(result.failure).toBeUndefined();
			expect(Object.keys(server.requests[0].json!).sort()).toEqual([
				'audio',
				'model',
				'prompt',
				'response_format',
			]);
			expect(result.output('Translate')[0].json.request_id).toBe('req_gw_1');
		});

		it('still takes multipart uploads, spec-valid, and speech with X-Request-Id', async () => {
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [{ json: {} }],
				nodes: [
					{
						name: 'Speech',
						type: 'audioSpeech',
						parameters: {
							model: model('tts-1'),
							input: 'Hello world',
							voice: 'alloy',
							responseFormat: 'mp3',
							options: { instructions: 'Speak in a calm, measured tone.' },
						},
					},
					{
						name: 'Transcribe',
						type: 'audioTranscription',
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
			expect(result.output('Speech')[0].json.request_id).toBe('req_1');
			expect(server.requests[1].headers['content-type']).toMatch(/^multipart\/form-data/);
			expect(result.output('Transcribe')[0].json.request_id).toBe('req_gw_2');
		});

		it("puts the request ID of a refusal into the error (the seed's 429 budget case)", async () => {
			server.script({
				status: 429,
				body: {
					error: { message: 'Budget exceeded', type: 'rate_limit_error', code: 'budget_exceeded' },
					request_id: 'req_abc123',
				},
				headers: { 'x-request-id': '' },
			});
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [{ json: {} }],
				nodes: [
					{
						name: 'Speech',
						type: 'audioSpeech',
						continueOnFail: true,
						parameters: {
							model: model('tts-1'),
							input: 'Hi',
							voice: 'alloy',
							responseFormat: 'mp3',
							options: { maxRetries: 0 },
						},
					},
				],
			});
			expect(result.output('Speech')[0].json).toMatchObject({
				error: 'The provider answered 429: Budget exceeded',
				httpCode: '429',
			});
			expect(String(result.output('Speech')[0].json.description)).toContain(
				'request ID: req_abc123',
			);
		});
	},
);
