import { readFileSync } from 'node:fs';
import path from 'node:path';

import { FIXTURES, OpenAiTestServer } from '../support/openai-server';
import { runWorkflow, type BinaryMode, type TestNode } from '../support/engine';

const API_KEY = 'sk-test-transcribe-0123456789';
const fixture = (name: string) => path.join(FIXTURES, name);

function transcriptionNode(
	parameters: Record<string, unknown>,
	extra: Partial<TestNode> = {},
): TestNode {
	return {
		name: 'Transcribe',
		type: 'audioTranscription',
		parameters: {
			binaryPropertyName: 'data',
			model: { __rl: true, mode: 'id', value: 'whisper-1' },
			...parameters,
		},
		...extra,
	};
}

describe.each<BinaryMode>(['default', 'filesystem'])(
	'Audio Transcription in binary mode %s',
	(binaryMode) => {
		const server = new OpenAiTestServer();
		beforeAll(async () => {
			await server.start();
			server.apiKey = API_KEY;
		});
		afterAll(async () => await server.stop());
		afterEach(() => expect(server.contractViolations()).toEqual([]));
		beforeEach(() => server.requests.splice(0));
		const credentials = () => ({ audioApi: { baseUrl: server.baseUrl, apiKey: API_KEY } });

		it('uploads the exact file bytes with every chosen field, spec-valid, and returns verbose_json whole', async () => {
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [
					{
						binary: {
							data: { path: fixture('hello.mp3'), fileName: 'memo.mp3', mimeType: 'audio/mpeg' },
						},
					},
				],
				nodes: [
					transcriptionNode({
						responseFormat: 'verbose_json',
						timestampGranularities: ['word', 'segment'],
						options: { language: 'en', prompt: 'A greeting.', temperature: 0.2 },
					}),
				],
			});
			expect(result.failure).toBeUndefined();
			expect(server.requests).toHaveLength(1);
			const request = server.requests[0];
			expect(request.contractErrors).toEqual([]);
			expect(request.apiPath).toBe('/audio/transcriptions');
			expect(request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
			expect(Number(request.headers['content-length'])).toBeGreaterThan(5553);
			expect(request.fields).toEqual({
				model: 'whisper-1',
				response_format: 'verbose_json',
				language: 'en',
				prompt: 'A greeting.',
				temperature: '0.2',
				timestamp_granularities: ['word', 'segment'],
			});
			expect(request.files).toHaveLength(1);
			expect(request.files![0]).toMatchObject({
				field: 'file',
				fileName: 'memo.mp3',
				contentType: 'audio/mpeg',
			});
			expect(request.files![0].bytes.equals(readFileSync(fixture('hello.mp3')))).toBe(true);

			const [item] = result.output('Transcribe');
			expect(item.pairedItem).toEqual({ item: 0 });
			expect(item.json).toMatchObject({
				text: 'hello world',
				task: 'transcribe',
				language: 'english',
				duration: 1.23,
				model: 'whisper-1',
				response_format: 'verbose_json',
				request_id: 'req_1',
			});
			expect(item.json.segments).toHaveLength(1);
			expect(item.json.words).toEqual([
				{ word: 'hello', start: 0.1, end: 0.5 },
				{ word: 'world', start: 0.55, end: 1.0 },
			]);
		});

		it('returns srt as text, parsed cues and, when chosen, a .srt binary', async () => {
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [
					{
						binary: {
							data: {
								path: fixture('hello.wav'),
								fileName: 'interview.wav',
								mimeType: 'audio/wav',
							},
						},
					},
				],
				nodes: [transcriptionNode({ responseFormat: 'srt', options: { subtitlesAsFile: true } })],
			});
			expect(result.failure).toBeUndefined();
			expect(server.requests[0].contractErrors).toEqual([]);
			expect(server.requests[0].fields).toEqual({ model: 'whisper-1', response_format: 'srt' });
			const [item] = result.output('Transcribe');
			expect(item.json.text).toBe('hello world');
			expect(item.json.subtitles).toBe('1\n00:00:00,000 --> 00:00:01,100\nhello world\n\n');
			expect(item.json.cues).toEqual([{ index: 1, start: 0, end: 1.1, text: 'hello world' }]);
			expect(item.binary?.subtitles).toMatchObject({
				fileName: 'interview.srt',
				mimeType: 'application/x-subrip',
			});
			expect((await result.binaryBytes(item, 'subtitles')).toString('utf8')).toBe(
				item.json.subtitles,
			);
		});

		it('sends include[], chunking_strategy and known speakers as the API names them', async () => {
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [
					{
						binary: {
							data: { path: fixture('hello.m4a'), fileName: 'call.m4a', mimeType: 'audio/mp4' },
							agentSample: {
								path: fixture('hello.wav'),
								fileName: 'agent.wav',
								mimeType: 'audio/wav',
							},
						},
					},
				],
				nodes: [
					transcriptionNode({
						model: { __rl: true, mode: 'id', value: 'gpt-4o-transcribe-diarize' },
						responseFormat: 'diarized_json',
						options: {
							chunkingStrategy: 'auto',
							includeLogprobs: true,
							knownSpeakers: {
								speaker: [
									{ name: 'agent', reference: 'agentSample' },
									{ name: 'customer', reference: 'data:audio/wav;base64,UklGRg==' },
								],
							},
						},
					}),
				],
			});
			expect(result.failure).toBeUndefined();
			const request = server.requests[0];
			expect(request.contractErrors).toEqual([]);
			expect(request.fields).toMatchObject({
				response_format: 'diarized_json',
				chunking_strategy: 'auto',
				include: ['logprobs'],
				known_speaker_names: ['agent', 'customer'],
			});
			const references = request.fields!.known_speaker_references as string[];
			expect(references[0]).toBe(
				`data:audio/wav;base64,${readFileSync(fixture('hello.wav')).toString('base64')}`,
			);
			expect(references[1]).toBe('data:audio/wav;base64,UklGRg==');
			expect(result.output('Transcribe')[0].json.segments).toEqual([
				{
					type: 'transcript.text.segment',
					id: 'seg_0',
					start: 0,
					end: 1.1,
					text: 'hello world',
					speaker: 'A',
				},
			]);
		});

		it.each([
			['hello.mp3', 'mp3', 'audio/mpeg'],
			['hello-bare.mp3', 'mp3', 'audio/mpeg'],
			['hello.wav', 'wav', 'audio/wav'],
			['hello.ogg', 'ogg', 'audio/ogg'],
			['hello-vorbis.ogg', 'ogg', 'audio/ogg'],
			['hello.flac', 'flac', 'audio/flac'],
			['hello.m4a', 'm4a', 'audio/mp4'],
			['hello.mp4', 'mp4', 'audio/mp4'],
			['hello.webm', 'webm', 'audio/webm'],
			['hello.aac', 'aac', 'audio/aac'],
		])(
			'names an upload of %s with no file name or MIME type from its bytes',
			async (file, extension, mimeType) => {
				const result = await runWorkflow({
					binaryMode,
					credentials: credentials(),
					items: [
						{
							binary: {
								data: { path: fixture(file), fileName: '', mimeType: 'application/octet-stream' },
							},
						},
					],
					nodes: [transcriptionNode({ responseFormat: 'text' })],
				});
				expect(result.failure).toBeUndefined();
				expect(server.requests[0].files![0]).toMatchObject({
					fileName: `audio.${extension}`,
					contentType: mimeType,
				});
				expect(server.requests[0].files![0].bytes.equals(readFileSync(fixture(file)))).toBe(true);
				expect(result.output('Transcribe')[0].json.text).toBe('hello world');
			},
		);

		it('refuses a file that is not audio before sending anything, naming the item, and keeps the other items', async () => {
			const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [
					{ binary: { data: { path: fixture('hello.wav'), fileName: 'a.wav' } } },
					{
						binary: { data: { bytes: pdf, fileName: 'invoice.pdf', mimeType: 'application/pdf' } },
					},
				],
				nodes: [transcriptionNode({ responseFormat: 'json' }, { continueOnFail: true })],
			});
			expect(result.failure).toBeUndefined();
			expect(server.requests).toHaveLength(1);
			const items = result.output('Transcribe');
			expect(items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
			expect(items[0].json.text).toBe('hello world');
			expect(items[1].json.error).toBe(
				'The file in the binary field "data" is not audio ("invoice.pdf", application/pdf)',
			);
			expect(items[1].json.description).toMatch(/Send an audio file.* — Item 1 \("invoice.pdf"\)$/);
			expect(items[1].json).toMatchObject({ item: 1, fileName: 'invoice.pdf' });
		});

		it('stops with an error naming the item when Continue On Fail is off', async () => {
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [{ json: {} }],
				nodes: [transcriptionNode({ responseFormat: 'json' })],
			});
			expect(result.failure?.message).toMatch(/has no binary field 'data'|binary/i);
			expect(server.requests).toHaveLength(0);
		});
	},
);

describe('Audio Translation', () => {
	const server = new OpenAiTestServer();
	beforeAll(async () => await server.start());
	afterAll(async () => await server.stop());
	afterEach(() => expect(server.contractViolations()).toEqual([]));

	it.each<BinaryMode>(['default', 'filesystem'])(
		'posts a spec-valid multipart translation in binary mode %s and shapes vtt like transcription',
		async (binaryMode) => {
			server.requests.splice(0);
			const result = await runWorkflow({
				binaryMode,
				credentials: { audioApi: { baseUrl: server.baseUrl, apiKey: 'k' } },
				items: [
					{
						binary: {
							data: { path: fixture('hello.ogg'), fileName: 'hallo.ogg', mimeType: 'audio/ogg' },
						},
					},
				],
				nodes: [
					{
						name: 'Translate',
						type: 'audioTranslation',
						parameters: {
							binaryPropertyName: 'data',
							model: { __rl: true, mode: 'id', value: 'whisper-1' },
							responseFormat: 'vtt',
							options: {
								prompt: 'Greetings.',
								temperature: 0,
								subtitlesAsFile: true,
								subtitlesBinaryPropertyName: 'captions',
							},
						},
					},
				],
			});
			expect(result.failure).toBeUndefined();
			const request = server.requests[0];
			expect(request.apiPath).toBe('/audio/translations');
			expect(request.contractErrors).toEqual([]);
			expect(request.fields).toEqual({
				model: 'whisper-1',
				response_format: 'vtt',
				prompt: 'Greetings.',
				temperature: '0',
			});
			expect(request.files![0].bytes.equals(readFileSync(fixture('hello.ogg')))).toBe(true);
			const [item] = result.output('Translate');
			expect(item.json).toMatchObject({
				text: 'hello world',
				response_format: 'vtt',
				model: 'whisper-1',
			});
			expect(item.binary?.captions).toMatchObject({ fileName: 'hallo.vtt', mimeType: 'text/vtt' });
		},
	);
});

describe('Audio Models', () => {
	const server = new OpenAiTestServer();
	beforeAll(async () => await server.start());
	afterAll(async () => await server.stop());
	afterEach(() => expect(server.contractViolations()).toEqual([]));

	it('lists one item per audio model with its kind, spec-valid', async () => {
		const result = await runWorkflow({
			credentials: { audioApi: { baseUrl: server.baseUrl, apiKey: 'k' } },
			items: [{ json: {} }],
			nodes: [{ name: 'Models', type: 'audioModels', parameters: { audioOnly: true } }],
		});
		expect(result.failure).toBeUndefined();
		expect(server.requests[0]).toMatchObject({
			method: 'GET',
			apiPath: '/models',
			contractErrors: [],
		});
		const items = result.output('Models');
		expect(items.map((i) => i.json)).toEqual([
			{
				id: 'gpt-4o-mini-tts',
				owned_by: 'system',
				created: 1742403959,
				kind: 'tts',
				request_id: 'req_1',
			},
			{
				id: 'gpt-4o-transcribe',
				owned_by: 'system',
				created: 1742068463,
				kind: 'stt',
				request_id: 'req_1',
			},
			{
				id: 'tts-1',
				owned_by: 'openai-internal',
				created: 1681940951,
				kind: 'tts',
				request_id: 'req_1',
			},
			{
				id: 'whisper-1',
				owned_by: 'openai-internal',
				created: 1677532384,
				kind: 'stt',
				request_id: 'req_1',
			},
		]);
		expect(items.every((i) => JSON.stringify(i.pairedItem) === '{"item":0}')).toBe(true);
	});

	it('keeps every model when Audio Models Only is off', async () => {
		const result = await runWorkflow({
			credentials: { audioApi: { baseUrl: server.baseUrl, apiKey: 'k' } },
			items: [{ json: {} }],
			nodes: [{ name: 'Models', type: 'audioModels', parameters: { audioOnly: false } }],
		});
		expect(result.output('Models').map((i) => [i.json.id, i.json.kind])).toContainEqual([
			'gpt-4o-mini',
			'other',
		]);
		expect(result.output('Models')).toHaveLength(5);
	});
});
