import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { wordErrorRate } from '../../e2e/wer';
import { joinAudio } from '../../package/lib/audio/join';
import { readWavLayout } from '../../package/lib/audio/wav';
import { startReferenceServer, type ReferenceServer } from '../../server/reference-server';
import { FIXTURES, OpenAiTestServer } from '../support/openai-server';
import { runWorkflow, type BinaryMode, type StartBinary } from '../support/engine';

const model = (value: string) => ({ __rl: true, mode: 'id', value });

const SCRIPT = [
	'the weather today is sunny and warm',
	'please send the report to the office before noon',
	'we will meet again next week to talk about the plan',
	'the children played in the park until it was dark',
	'she bought fresh bread and milk at the market',
	'the train to the city leaves at seven in the morning',
	'he opened the window and listened to the rain',
	'our team finished the project two days early',
	'the doctor said that i should drink more water',
	'my brother lives in a small house near the river',
	'they planted apple trees along the old road',
	'the music was loud and everyone began to dance',
	'please close the door when you leave the room',
	'the library opens at nine and closes at five',
	'we watched the sun go down over the hills',
	'the new bridge will be finished next summer',
];
const SOURCE = SCRIPT.join(' ');

function transcriptionNode(parameters: Record<string, unknown>, continueOnFail = false) {
	return {
		name: 'Transcribe',
		type: 'audioTranscription',
		continueOnFail,
		parameters: {
			binaryPropertyName: 'data',
			model: model('whisper-1'),
			responseFormat: 'verbose_json',
			...parameters,
		},
	};
}

type Segment = { id: number; start: number; end: number; text: string };

describe('files over Max Upload Size, split and stitched, through real speech engines', () => {
	let server: ReferenceServer;
	const audio: Record<string, Buffer> = {};
	const credentials = () => ({ audioApi: { baseUrl: server.baseUrl, apiKey: 'sk-ref' } });

	beforeAll(async () => {
		server = await startReferenceServer({ apiKey: 'sk-ref' });
		for (const format of ['wav', 'mp3']) {
			// Sentences as paragraphs with pauses between them, about a minute long.
			const reply = await fetch(`${server.baseUrl}/audio/speech`, {
				method: 'POST',
				headers: { authorization: 'Bearer sk-ref', 'content-type': 'application/json' },
				body: JSON.stringify({
					model: 'tts-1',
					voice: 'alloy',
					input: SCRIPT.map((s) => `${s}.`).join('\n\n'),
					response_format: format,
				}),
			});
			audio[format] = Buffer.from(await reply.arrayBuffer());
		}
	}, 120_000);
	afterAll(async () => await server?.stop());

	async function transcribe(
		binary: StartBinary,
		options: Record<string, unknown>,
		binaryMode: BinaryMode,
		responseFormat = 'verbose_json',
	) {
		const result = await runWorkflow({
			binaryMode,
			credentials: credentials(),
			items: [{ binary: { data: binary } }],
			nodes: [transcriptionNode({ responseFormat, options })],
		});
		expect(result.failure).toBeUndefined();
		return result.output('Transcribe')[0].json;
	}

	describe.each<[string, BinaryMode]>([
		['wav', 'filesystem'],
		['wav', 'default'],
		['mp3', 'filesystem'],
	])('%s, binary mode %s', (format, binaryMode) => {
		it('splits, stitches verbose_json and srt, and loses no words against the whole file', async () => {
			const bytes = audio[format];
			const binary = { bytes, fileName: `talk.${format}`, mimeType: `audio/${format}` };
			// A limit that cuts the file into three chunks or more, in the field's one-decimal steps.
			const maxUploadMb = Math.floor(bytes.length / 2.6 / 1e5) / 10;
			expect(maxUploadMb).toBeGreaterThanOrEqual(0.1);

			const whole = await transcribe(binary, {}, binaryMode);
			const split = await transcribe(binary, { maxUploadMb }, binaryMode);
			expect(whole.chunks).toBeUndefined();

			const chunks = split.chunks as Array<{ start: number; end: number; bytes: number }>;
			expect(chunks.length).toBeGreaterThanOrEqual(3);
			expect(chunks.every((c) => c.bytes <= maxUploadMb * 1e6)).toBe(true);
			expect(chunks[0].start).toBe(0);
			// Neighbouring chunks share audio around each cut: the default Chunk Overlap of 10 s,
			// less for chunks this short (at most a quarter of a chunk).
			for (let i = 1; i < chunks.length; i++) {
				expect(chunks[i].start).toBeLessThan(chunks[i - 1].end);
				expect(chunks[i - 1].end - chunks[i].start).toBeLessThanOrEqual(10);
			}

			const duration = Number(whole.duration);
			// An mp3 decoder adds about 50 ms of padding to each file it decodes.
			expect(Math.abs(Number(split.duration) - duration)).toBeLessThan(0.06 * chunks.length);
			const segments = split.segments as Segment[];
			expect(segments.map((s) => s.id)).toEqual(segments.map((_s, i) => i));
			for (let i = 1; i < segments.length; i++) {
				expect(segments[i].start).toBeGreaterThanOrEqual(segments[i - 1].end - 0.01);
				expect(segments[i].start - segments[i - 1].end).toBeLessThan(4);
			}
			expect(segments[segments.length - 1].end).toBeGreaterThan(duration - 4);

			const wholeWer = wordErrorRate(SOURCE, String(whole.text));
			const splitWer = wordErrorRate(SOURCE, String(split.text));
			// Cuts land in pauses, so no word is cut; the engine's accuracy on the shorter chunks
			// varies by a word or two (pocketsphinx adapts to each file's first seconds).
			expect(splitWer).toBeLessThanOrEqual(wholeWer + 0.08);
			expect(splitWer).toBeLessThan(0.25);

			const srt = await transcribe(binary, { maxUploadMb }, binaryMode, 'srt');
			const cues = srt.cues as Array<{ index: number; start: number; end: number }>;
			expect(cues.map((c) => c.index)).toEqual(cues.map((_c, i) => i + 1));
			for (let i = 1; i < cues.length; i++)
				expect(cues[i].start).toBeGreaterThanOrEqual(cues[i - 1].start);
			expect(cues[cues.length - 1].end).toBeGreaterThan(duration - 4);
			expect(String(srt.subtitles)).toMatch(/^1\n00:00:0/);
		}, 180_000);
	});
});

describe('speech over 4,096 characters, through real speech engines', () => {
	let server: ReferenceServer;
	beforeAll(async () => {
		server = await startReferenceServer({ apiKey: 'sk-ref' });
	});
	afterAll(async () => await server?.stop());

	/** Duration in seconds of the audio ffmpeg decodes. */
	function decodedSeconds(audio: Buffer, format: string): number {
		const input = format === 'pcm' ? ['-f', 's16le', '-ar', '24000', '-ac', '1'] : [];
		const pcm = execFileSync(
			'ffmpeg',
			['-v', 'error', ...input, '-i', 'pipe:0', '-f', 's16le', '-ac', '1', '-ar', '16000', '-'],
			{ input: audio, maxBuffer: 1 << 30 },
		);
		return pcm.length / 32000;
	}

	it.each<[string, BinaryMode]>([
		['mp3', 'filesystem'],
		['wav', 'default'],
		['pcm', 'filesystem'],
	])(
		'%s: splits at paragraphs and sentences, speaks the parts and joins them into one file (%s)',
		async (format, binaryMode) => {
			const paragraphs = Array.from({ length: 12 }, (_v, p) =>
				SCRIPT.map((_s, i) => `${SCRIPT[(i + p) % SCRIPT.length]}.`).join(' '),
			);
			const text = paragraphs.join('\n\n');
			expect(text.length).toBeGreaterThan(8192);
			const result = await runWorkflow({
				binaryMode,
				credentials: { audioApi: { baseUrl: server.baseUrl, apiKey: 'sk-ref' } },
				items: [{ json: { text } }],
				nodes: [
					{
						name: 'Speech',
						type: 'audioSpeech',
						parameters: {
							model: model('tts-1'),
							input: '={{ $json.text }}',
							voice: 'alloy',
							responseFormat: format,
							options: { partConcurrency: 2 },
						},
					},
				],
			});
			expect(result.failure).toBeUndefined();
			const [item] = result.output('Speech');
			const parts = item.json.parts as Array<{ characters: number; bytes: number }>;
			expect(parts.length).toBe(3);
			expect(parts.every((p) => p.characters <= 4096)).toBe(true);
			const audio = await result.binaryBytes(item);
			expect(audio.length).toBe(item.json.bytes);
			if (format === 'mp3') expect(audio.subarray(0, 3).toString('latin1')).not.toBe('ID3');
			// The joined file decodes whole: its length is the parts' lengths together.
			const seconds = decodedSeconds(audio, format);
			expect(seconds).toBeGreaterThan(text.length / 20);
			if (format === 'wav') {
				const { format: wav, dataSize } = readWavLayout(audio)!;
				expect(seconds).toBeCloseTo(dataSize! / wav.byteRate, 2);
			}
			if (format === 'pcm') expect(seconds).toBeCloseTo(audio.length / 48000, 2); // 24 kHz 16-bit
		},
		120_000,
	);
});

describe('chunk uploads: failures, context, limits', () => {
	const server = new OpenAiTestServer();
	beforeAll(async () => await server.start());
	afterAll(async () => await server.stop());
	afterEach(() => expect(server.contractViolations()).toEqual([]));
	beforeEach(() => server.requests.splice(0));
	const credentials = () => ({ audioApi: { baseUrl: server.baseUrl, apiKey: 'k' } });
	// hello.wav (about a second, 40 kB) ten times over: 400 kB, which the smallest Max Upload
	// Size a user can set, 0.1 MB, cuts into four or five chunks.
	const wav = joinAudio('wav', Array(10).fill(readFileSync(path.join(FIXTURES, 'hello.wav'))));
	const binary = { bytes: wav, fileName: 'hello.wav', mimeType: 'audio/wav' };
	const small = { maxUploadMb: 0.1, maxRetries: 0 };

	it.each<BinaryMode>(['default', 'filesystem'])(
		'a chunk failing after its retries fails only its item, naming the chunk and its times (%s)',
		async (binaryMode) => {
			server.script(
				{ status: 200, body: { text: 'first' } },
				{ status: 400, body: { error: { message: 'Bad chunk', type: 'invalid_request_error' } } },
			);
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [{ binary: { data: binary } }, { binary: { data: binary } }],
				nodes: [
					transcriptionNode(
						{
							responseFormat: 'json',
							// One item and one chunk at a time, so that the scripted replies meet them in order.
							options: { ...small, chunkConcurrency: 1, itemConcurrency: 1 },
						},
						true,
					),
				],
			});
			const [failed, ok] = result.output('Transcribe');
			expect(failed.json.error).toMatch(
				/^Chunk 2( of \d+)? \(00:00:0\d\.\d{3}–00:00:0\d\.\d{3}\) failed: The provider answered 400: Bad chunk$/,
			);
			expect(String(failed.json.description)).toMatch(/no partial transcript is returned/);
			expect(failed.json.text).toBeUndefined();
			expect(failed.pairedItem).toEqual({ item: 0 });
			expect(ok.json.text).toMatch(/^hello world( hello world)+$/);
			expect(ok.pairedItem).toEqual({ item: 1 });
		},
	);

	it('Keep Context Between Chunks sends each chunk with the text so far as prompt, one by one', async () => {
		const result = await runWorkflow({
			credentials: credentials(),
			items: [{ binary: { data: binary } }],
			nodes: [
				transcriptionNode({
					responseFormat: 'json',
					options: { ...small, keepContext: true, prompt: 'Names: Ada.' },
				}),
			],
		});
		expect(result.failure).toBeUndefined();
		const prompts = server.requests.map((r) => r.fields!.prompt);
		expect(prompts.length).toBeGreaterThan(2);
		expect(prompts[0]).toBe('Names: Ada.');
		expect(prompts[1]).toBe('Names: Ada. hello world');
		expect(prompts[2]).toBe('Names: Ada. hello world hello world');
		const names = server.requests.map((r) => r.files![0].fileName);
		expect(names.slice(0, 2)).toEqual(['hello-001.wav', 'hello-002.wav']);
	});

	it('When Over Max Upload Size = Fail, and containers that cannot be split, fail clearly before sending', async () => {
		// An M4A over 0.1 MB: 30 seconds of tone, encoded by ffmpeg.
		const folder = mkdtempSync(path.join(tmpdir(), 'long-audio-m4a-'));
		const file = path.join(folder, 'tone.m4a');
		execFileSync('ffmpeg', [
			'-v',
			'error',
			'-f',
			'lavfi',
			'-i',
			'sine=frequency=440:duration=30',
			'-c:a',
			'aac',
			'-b:a',
			'128k',
			file,
		]);
		const m4a = readFileSync(file);
		rmSync(folder, { recursive: true, force: true });
		expect(m4a.length).toBeGreaterThan(0.1e6);
		const result = await runWorkflow({
			credentials: credentials(),
			items: [
				{ json: { oversize: 'fail' }, binary: { data: binary } },
				{
					json: { oversize: 'split' },
					binary: { data: { bytes: m4a, fileName: 'a.m4a', mimeType: 'audio/mp4' } },
				},
			],
			nodes: [
				transcriptionNode(
					{ responseFormat: 'json', options: { ...small, oversize: '={{ $json.oversize }}' } },
					true,
				),
			],
		});
		const [fail, m4aItem] = result.output('Transcribe').map((i) => i.json);
		expect(fail.error).toMatch(/^The audio \(0\.\d MB\) is over the Max Upload Size of 0\.1 MB$/);
		expect(fail.description).toMatch(
			/^Set When Over Max Upload Size to Split Into Chunks.* — Item 0 \("hello.wav"\)$/,
		);
		expect(m4aItem.error).toMatch(
			/^The audio .* is over the Max Upload Size of 0\.1 MB, and M4A files cannot be split without re-encoding$/,
		);
		expect(m4aItem.description).toMatch(/^Convert the file to mp3 first .* — Item 1 \("a.m4a"\)$/);
		expect(server.requests).toHaveLength(0);
	});
});

describe('Item Concurrency', () => {
	const server = new OpenAiTestServer();
	beforeAll(async () => await server.start());
	afterAll(async () => await server.stop());
	beforeEach(() => server.requests.splice(0));

	it.each([1, 4])(
		'at %d, keeps output order and paired items, and a failing item keeps its place',
		async (itemConcurrency) => {
			server.script(
				{
					status: 200,
					headers: { 'content-type': 'audio/wav' },
					body: readFileSync(path.join(FIXTURES, 'hello.wav')),
				},
				{ status: 400, body: { error: { message: 'no', type: 'invalid_request_error' } } },
			);
			const texts = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
			const result = await runWorkflow({
				credentials: { audioApi: { baseUrl: server.baseUrl, apiKey: 'k' } },
				items: texts.map((text) => ({ json: { text } })),
				nodes: [
					{
						name: 'Speech',
						type: 'audioSpeech',
						continueOnFail: true,
						parameters: {
							model: model('tts-1'),
							input: '={{ $json.text }}',
							voice: 'alloy',
							responseFormat: 'wav',
							options: { itemConcurrency, maxRetries: 0 },
						},
					},
				],
			});
			const items = result.output('Speech');
			expect(items.map((i) => i.pairedItem)).toEqual(texts.map((_t, item) => ({ item })));
			expect(items.filter((i) => i.json.error)).toHaveLength(1);
			expect(items.filter((i) => i.binary?.data)).toHaveLength(7);
			expect(server.requests.map((r) => r.json!.input).sort()).toEqual(texts);
		},
	);
});
