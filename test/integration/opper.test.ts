import { readFileSync } from 'node:fs';
import path from 'node:path';

import { FIXTURES, OpenAiTestServer } from '../support/openai-server';
import { pcm16Format, wavHeader } from '../../package/lib/audio/wav';
import { OPPER_MAX_AUDIO_BYTES } from '../../package/lib/providers/opper';
import {
	listSearch,
	loadOptions,
	runWorkflow,
	testCredential,
	type BinaryMode,
} from '../support/engine';

const model = (value: string) => ({ __rl: true, mode: 'id', value });
/** A Transcription node; Input Binary Field is set only where the editor shows it. */
const transcription = (parameters: Record<string, unknown>, continueOnFail = false) => {
	const source = parameters.audioSource ?? 'binary';
	const fromBinary = source === 'binary' || String(source).startsWith('=');
	return {
		name: 'Transcribe',
		type: 'audioTranscription',
		continueOnFail,
		parameters: {
			audioSource: 'binary',
			...(fromBinary ? { binaryPropertyName: 'data' } : {}),
			model: model('openai/whisper-1'),
			responseFormat: 'json',
			options: {},
			...parameters,
		},
	};
};

describe.each<BinaryMode>(['default', 'filesystem'])(
	'Opper /v3 style (seed 000), binary mode %s',
	(binaryMode) => {
		const server = new OpenAiTestServer('opper');
		beforeAll(async () => {
			await server.start();
			server.apiKey = 'op-key-123456';
		});
		afterAll(async () => await server.stop());
		afterEach(() => expect(server.contractViolations()).toEqual([]));
		beforeEach(() => server.requests.splice(0));
		const credentials = () => ({
			audioApi: {
				apiStyle: 'opper',
				baseUrl: server.baseUrl,
				apiKey: 'op-key-123456',
				authHeader: 'bearer',
			},
		});

		it('speaks with {model, input, voice, format, speed, store, parameters} and turns audio.b64_json into the binary, keeping file_id, url and usage', async () => {
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [{ json: {} }],
				nodes: [
					{
						name: 'Speech',
						type: 'audioSpeech',
						parameters: {
							model: model('openai/tts-1'),
							input: 'Hello Opper.',
							voice: 'nova',
							responseFormat: 'wav',
							options: { speed: 1.5, instructions: 'Warm.' },
						},
					},
				],
			});
			expect(result.failure).toBeUndefined();
			expect(server.requests[0].json).toEqual({
				model: 'openai/tts-1',
				input: 'Hello Opper.',
				voice: 'nova',
				format: 'wav',
				speed: 1.5,
				store: true,
				parameters: { instructions: 'Warm.' },
			});
			const [item] = result.output('Speech');
			expect(item.json).toMatchObject({
				file_id: 'file_speech_1',
				url: 'https://files.opper.example/file_speech_1?sig=abc',
				usage: { cost: 0.00015, characters: 12 },
				mimeType: 'audio/wav',
			});
			expect(
				(await result.binaryBytes(item)).equals(readFileSync(path.join(FIXTURES, 'hello.wav'))),
			).toBe(true);
		});

		it('transcribes a binary as a data-URI with diarize, keeping speaker labels', async () => {
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [
					{ binary: { data: { path: path.join(FIXTURES, 'hello.mp3'), fileName: 'call.mp3' } } },
				],
				nodes: [
					transcription({
						options: { language: 'en', prompt: 'A call.' },
						opperOptions: { diarize: true, parameters: '{"timestamps": true}' },
					}),
				],
			});
			expect(result.failure).toBeUndefined();
			const [request] = server.requests;
			expect(request.json).toMatchObject({
				model: 'openai/whisper-1',
				language: 'en',
				prompt: 'A call.',
				diarize: true,
				parameters: { timestamps: true },
			});
			expect(String(request.json!.audio)).toMatch(/^data:audio\/mpeg;base64,/);
			expect(request.files![0].bytes.equals(readFileSync(path.join(FIXTURES, 'hello.mp3')))).toBe(
				true,
			);
			expect(result.output('Transcribe')[0].json).toMatchObject({
				text: 'hello world',
				segments: [{ speaker: 'speaker_0' }],
			});
		});

		it('transcribes the file_id of a previous Speech node, and an https URL', async () => {
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [{ json: {} }],
				nodes: [
					{
						name: 'Speech',
						type: 'audioSpeech',
						parameters: {
							model: model('openai/tts-1'),
							input: 'Hi',
							voice: 'alloy',
							responseFormat: 'mp3',
							options: {},
						},
					},
					transcription({ audioSource: 'fileId', fileId: '={{ $json.file_id }}' }),
				],
			});
			expect(result.failure).toBeUndefined();
			expect(server.requests[1].json).toEqual({
				model: 'openai/whisper-1',
				audio: 'file_speech_1',
			});

			await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [{ json: {} }],
				nodes: [transcription({ audioSource: 'url', audioUrl: 'https://example.com/episode.mp3' })],
			});
			expect(server.requests[2].json).toEqual({
				model: 'openai/whisper-1',
				audio: 'https://example.com/episode.mp3',
			});
		});

		it('splits data over 25 MB into data-URIs Opper takes, and refuses plain-http URLs and translation', async () => {
			const samples = 25 * 1024 * 1024 + 1_000_000;
			const big = Buffer.concat([wavHeader(pcm16Format(16000), samples), Buffer.alloc(samples)]);
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [{ binary: { data: { bytes: big, fileName: 'big.wav' } } }, { json: {} }],
				nodes: [
					transcription(
						{
							audioSource: '={{ $binary?.data ? "binary" : "url" }}',
							audioUrl: 'http://example.com/a.mp3',
							// Past Opper's own limit: the node keeps each data-URI under 25 MB.
							options: { maxUploadMb: 30 },
						},
						true,
					),
				],
			});
			const items = result.output('Transcribe');
			expect(items[0].json.error).toBeUndefined();
			expect(items[0].json.chunks).toHaveLength(2);
			expect(server.requests).toHaveLength(2);
			for (const request of server.requests) {
				const data = String(request.json!.audio).replace(/^data:audio\/wav;base64,/, '');
				expect(Buffer.byteLength(data, 'base64')).toBeLessThanOrEqual(OPPER_MAX_AUDIO_BYTES);
			}
			expect(items[1].json.error).toBe(
				'Opper reads audio only from https URLs, not "http://example.com/a.mp3"',
			);
			server.requests.splice(0);

			const translated = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [
					{ binary: { data: { path: path.join(FIXTURES, 'hello.mp3'), fileName: 'bonjour.mp3' } } },
				],
				nodes: [
					{
						name: 'Translate',
						type: 'audioTranslation',
						continueOnFail: true,
						parameters: {
							binaryPropertyName: 'data',
							model: model('openai/whisper-1'),
							responseFormat: 'json',
							options: {},
						},
					},
				],
			});
			expect(translated.failure).toBeUndefined();
			expect(translated.output('Translate')[0].json.error).toMatch(
				/^Opper has no translation endpoint/,
			);
			expect(server.requests).toHaveLength(0);
		});

		it('lists models from /audio/models with their voices and formats, feeds the dropdowns, and tests the credential there', async () => {
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [{ json: {} }],
				nodes: [
					{ name: 'Models', type: 'audioModels', parameters: { audioOnly: true, options: {} } },
				],
			});
			expect(result.output('Models').map((i) => i.json)).toEqual([
				{ id: 'elevenlabs/scribe', kind: 'stt', formats: ['mp3'], request_id: 'req_1' },
				{
					id: 'openai/tts-1',
					kind: 'tts',
					voices: ['alloy', 'nova', 'onyx'],
					formats: ['mp3', 'wav', 'opus'],
					request_id: 'req_1',
				},
				{
					id: 'openai/whisper-1',
					kind: 'stt',
					formats: ['mp3', 'wav', 'm4a'],
					request_id: 'req_1',
				},
			]);
			const { results } = await listSearch('audioSpeech', 'searchSpeechModels', credentials());
			expect(results[0]).toEqual({ name: 'openai/tts-1', value: 'openai/tts-1' });
			const voices = await loadOptions('audioSpeech', 'getVoices', credentials(), {
				model: { __rl: true, mode: 'list', value: 'openai/tts-1' },
			});
			expect(voices.map((v) => v.value)).toEqual([
				'alloy',
				'nova',
				'onyx',
				'',
				'__customVoiceId',
				'__otherVoiceName',
			]);
			expect(await testCredential('audioApi', credentials().audioApi)).toMatchObject({
				status: 'OK',
			});
			expect(server.requests.map((r) => r.apiPath)).toEqual([
				'/audio/models',
				'/audio/models',
				'/audio/models',
				'/audio/models',
			]);
		});

		it('refuses a file ID for other API styles', async () => {
			const openai = new OpenAiTestServer();
			await openai.start();
			try {
				const result = await runWorkflow({
					binaryMode,
					credentials: { audioApi: { baseUrl: openai.baseUrl, apiKey: 'k' } },
					items: [{ json: {} }],
					nodes: [transcription({ audioSource: 'fileId', fileId: 'file_1' }, true)],
				});
				expect(result.output('Transcribe')[0].json.error).toBe(
					'Only the Opper API style reads audio from a file ID',
				);
				expect(openai.requests).toHaveLength(0);
			} finally {
				await openai.stop();
			}
		});
	},
);
