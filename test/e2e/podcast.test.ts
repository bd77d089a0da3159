/**
 * End-to-end: a real podcast. The GPL-3 text (about 34 minutes of flite speech) is spoken by the
 * reference server into a WAV (64 MB) and a 128 kbps MP3 (32 MB), both over the 25 MB upload
 * limit, then transcribed by Audio Transcription inside a real n8n (1.x and 2.x, filesystem
 * binary mode): read from disk by n8n's Read/Write Files node, split, uploaded in chunks and
 * stitched, as srt and verbose_json. Also a 20,000-character text is spoken into one mp3 and
 * transcribed back.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { splitAudio } from '../../package/lib/audio/split';
import { joinAudio } from '../../package/lib/audio/join';
import { splitText } from '../../package/lib/text/split-text';
import { mapConcurrent } from '../../package/lib/concurrency';
import { N8N_VERSIONS, N8nInstance, ROOT, nodeOutput, type Execution } from '../../e2e/n8n';
import { wordErrorRate } from '../../e2e/wer';
import { speechNode, transcriptionNode, workflow } from '../../e2e/workflows';
import { startReferenceServer, type ReferenceServer } from '../../server/reference-server';
import { FIXTURES } from '../support/openai-server';

jest.setTimeout(30 * 60_000);

const KEY = 'sk-podcast-e2e-91c2';
const GPL = readFileSync('/usr/share/common-licenses/GPL-3', 'utf8');
/** The first 20,000 characters of GPL-3, ended at a paragraph. */
const NEWSLETTER = GPL.slice(0, GPL.lastIndexOf('\n\n', 20_000)).trim();
const LIMIT = 25_000_000;

const dir = mkdtempSync(path.join(tmpdir(), 'podcast-e2e-'));
let server: ReferenceServer;
/** Word error rate of the same chunks transcribed one by one, straight from the server. */
const chunkByChunkWer: Record<string, number> = {};
/** Those chunks' segments, moved to their place in the whole file by hand. */
const chunkByChunkSegments: Record<string, Array<[number, number, string]>> = {};
/** Where the chunks meet, in seconds. */
const boundaries: Record<string, number[]> = {};
const durations: Record<string, number> = {};
const measured: Array<Record<string, unknown>> = [];

async function speak(text: string, format: 'wav' | 'mp3'): Promise<Buffer> {
	const parts = await mapConcurrent(splitText(text), 2, async (input) => {
		const reply = await fetch(`${server.baseUrl}/audio/speech`, {
			method: 'POST',
			headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
			body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input, response_format: format }),
		});
		if (!reply.ok) throw new Error(`speech failed: ${reply.status} ${await reply.text()}`);
		return Buffer.from(await reply.arrayBuffer());
	});
	return joinAudio(format, parts);
}

type Segment = { id: number; start: number; end: number; text: string };

async function transcribeDirectly(file: string, name: string) {
	const form = new FormData();
	form.append('model', 'whisper-1');
	form.append('response_format', 'verbose_json');
	form.append('file', new Blob([readFileSync(file)]), name);
	const reply = await fetch(`${server.baseUrl}/audio/transcriptions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${KEY}` },
		body: form,
	});
	if (!reply.ok) throw new Error(`transcription failed: ${reply.status} ${await reply.text()}`);
	return (await reply.json()) as { text: string; segments: Segment[] };
}

const ms = (seconds: number) => Math.round(seconds * 1000) / 1000;

beforeAll(async () => {
	server = await startReferenceServer({ apiKey: KEY, mp3Bitrate: '128k' });
	for (const format of ['wav', 'mp3'] as const) {
		const audio = await speak(GPL, format);
		expect(audio.length).toBeGreaterThan(LIMIT);
		writeFileSync(path.join(dir, `gpl3.${format}`), audio);
		// The baseline: the chunks the node will make, each sent on its own. (The server keeps
		// its transcripts by content, so the n8n runs below reuse the engine's work.)
		const chunkDir = path.join(dir, `chunks-${format}`);
		mkdirSync(chunkDir);
		const chunks = (await splitAudio([audio], format, { maxChunkBytes: LIMIT })).map((c) => {
			const file = path.join(chunkDir, `gpl3-${c.index + 1}.${format}`);
			writeFileSync(file, Buffer.concat(c.data!));
			return { ...c, path: file };
		});
		durations[format] = chunks[chunks.length - 1].end;
		boundaries[format] = chunks.slice(1).map((c) => c.start);
		const replies = await mapConcurrent(chunks, 4, (c) =>
			transcribeDirectly(c.path, path.basename(c.path)),
		);
		chunkByChunkWer[format] = wordErrorRate(GPL, replies.map((r) => r.text).join(' '));
		chunkByChunkSegments[format] = replies.flatMap((r, i) =>
			r.segments.map((seg): [number, number, string] => [
				ms(seg.start + chunks[i].start),
				ms(seg.end + chunks[i].start),
				seg.text.trim(),
			]),
		);
	}
	writeFileSync(path.join(dir, 'hello.wav'), readFileSync(path.join(FIXTURES, 'hello.wav')));
}, 30 * 60_000);

afterAll(async () => {
	await server?.stop();
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(path.join(ROOT, 'build'), { recursive: true });
	writeFileSync(path.join(ROOT, 'build/podcast-results.json'), JSON.stringify(measured, null, 2));
});

/** Reads a file from disk and transcribes it as srt and as verbose_json. */
function podcastWorkflow(id: string, file: string) {
	return workflow(id, `Podcast ${path.basename(file)}`, [
		{
			name: 'Read',
			type: 'n8n-nodes-base.readWriteFile',
			parameters: { operation: 'read', fileSelector: file, options: {} },
		},
		// Chunk Overlap 0: the node's chunks are then the baseline's, cut by cut, and its stitched
		// segments can be compared with the baseline's one by one. Overlap is tested elsewhere.
		transcriptionNode(
			'SRT',
			{ responseFormat: 'srt', options: { chunkOverlap: 0 } },
			{ after: ['Read'] },
		),
		transcriptionNode(
			'Verbose',
			{
				responseFormat: 'verbose_json',
				timestampGranularities: ['segment'],
				options: { chunkOverlap: 0 },
			},
			{ after: ['Read'] },
		),
	]);
}

function newsletterWorkflow() {
	return workflow('podNewsletter', 'Newsletter', [
		speechNode('Speak', { input: NEWSLETTER }),
		// Cut into chunks so that the two cores share the engine's work.
		transcriptionNode('Transcribe', { options: { maxUploadMb: 5 } }),
	]);
}

type Cue = { index: number; start: number; end: number; text: string };

/**
 * Checks that timed entries run in order and cover the file, that no join between chunks leaves
 * a gap over 4 s, and returns the largest gap anywhere (within a chunk, that is the engine's).
 */
function checkTimeline(
	entries: Array<{ start: number; end: number }>,
	duration: number,
	joins: number[],
): number {
	let maxGap = entries[0].start;
	for (let i = 1; i < entries.length; i++) {
		expect(entries[i].start).toBeGreaterThanOrEqual(entries[i - 1].end - 0.001);
		expect(entries[i].end).toBeGreaterThanOrEqual(entries[i].start);
		const gap = entries[i].start - entries[i - 1].end;
		maxGap = Math.max(maxGap, gap);
		if (joins.some((join) => entries[i - 1].end <= join && entries[i].start >= join)) {
			expect(gap).toBeLessThan(4);
		}
	}
	expect(entries[0].start).toBeLessThan(4);
	expect(duration - entries[entries.length - 1].end).toBeLessThan(4);
	return Math.max(maxGap, duration - entries[entries.length - 1].end);
}

describe.each(N8N_VERSIONS)('n8n %s.x, filesystem binary mode', (major) => {
	let n8n: N8nInstance;
	const env = { N8N_RESTRICT_FILE_ACCESS_TO: dir };
	let smallPeakKb = 0;

	beforeAll(async () => {
		n8n = new N8nInstance(major, 'filesystem');
		await n8n.importCredentials([
			{
				id: 'audioRef',
				name: 'Reference server',
				type: 'audioApi',
				data: { baseUrl: server.baseUrl, apiKey: KEY },
			},
		]);
		await n8n.importWorkflow(podcastWorkflow('podSmall', path.join(dir, 'hello.wav')));
		await n8n.importWorkflow(podcastWorkflow('podWav', path.join(dir, 'gpl3.wav')));
		await n8n.importWorkflow(podcastWorkflow('podMp3', path.join(dir, 'gpl3.mp3')));
		await n8n.importWorkflow(newsletterWorkflow());
		// The memory baseline: the same workflow on a one-second file.
		const small = await n8n.execute('podSmall', env);
		expect(nodeOutput(small, 'SRT')[0].json.text).toBeDefined();
		smallPeakKb = small.peakRssKb ?? 0;
	});

	afterAll(() => n8n?.dispose());

	it.each(['wav', 'mp3'] as const)(
		'transcribes the %s podcast over 25 MB: split, stitched, whole, in order, at flat memory',
		async (format) => {
			const execution: Execution = await n8n.execute(format === 'wav' ? 'podWav' : 'podMp3', env);
			const [srt] = nodeOutput(execution, 'SRT');
			const [verbose] = nodeOutput(execution, 'Verbose');
			const duration = durations[format];

			for (const item of [srt, verbose]) {
				const chunks = item.json.chunks as Array<{ start: number; end: number; bytes: number }>;
				expect(chunks.length).toBeGreaterThanOrEqual(2);
				expect(chunks.every((c) => c.bytes <= LIMIT)).toBe(true);
				expect(chunks[chunks.length - 1].end).toBeCloseTo(duration, 1);
			}
			const cues = srt.json.cues as Cue[];
			expect(cues.map((c) => c.index)).toEqual(cues.map((_c, i) => i + 1));
			const cueGap = checkTimeline(cues, duration, boundaries[format]);
			const segments = verbose.json.segments as Segment[];
			expect(segments.map((s) => s.id)).toEqual(segments.map((_s, i) => i));
			const segmentGap = checkTimeline(segments, duration, boundaries[format]);
			// Stitched = the chunks' own segments, each moved by its chunk's start; nothing lost,
			// doubled or misplaced.
			expect(segments.map((seg) => [seg.start, seg.end, seg.text.trim()])).toEqual(
				chunkByChunkSegments[format],
			);
			expect(cues.map((c) => [c.start, c.end])).toEqual(
				chunkByChunkSegments[format].map(([start, end]) => [start, end]),
			);
			expect(Number(verbose.json.duration)).toBeGreaterThan(duration - 1);

			const wer = wordErrorRate(GPL, String(verbose.json.text));
			expect(wer).toBeLessThanOrEqual(chunkByChunkWer[format] + 0.005);
			expect(wordErrorRate(GPL, String(srt.json.text))).toBeLessThanOrEqual(
				chunkByChunkWer[format] + 0.01,
			);

			// Filesystem mode: the file streams from disk to chunk files to uploads.
			const growthMb = ((execution.peakRssKb ?? 0) - smallPeakKb) / 1024;
			expect(execution.peakRssKb).toBeDefined();
			expect(growthMb).toBeLessThan(100);
			measured.push({
				n8n: `${major}.x`,
				format,
				fileMb: Math.round(readFileSync(path.join(dir, `gpl3.${format}`)).length / 1e5) / 10,
				minutes: Math.round((duration / 60) * 10) / 10,
				chunks: (verbose.json.chunks as unknown[]).length,
				wer: Math.round(wer * 1000) / 1000,
				chunkByChunkWer: Math.round(chunkByChunkWer[format] * 1000) / 1000,
				maxCueGapS: Math.round(cueGap * 10) / 10,
				maxSegmentGapS: Math.round(segmentGap * 10) / 10,
				peakRssMb: Math.round((execution.peakRssKb ?? 0) / 1024),
				smallFilePeakRssMb: Math.round(smallPeakKb / 1024),
				seconds: Math.round(execution.ms / 1000),
			});
		},
	);

	it('speaks a 20,000-character text into one mp3 and transcribes it back', async () => {
		const execution = await n8n.execute('podNewsletter', env);
		const [spoken] = nodeOutput(execution, 'Speak');
		const parts = spoken.json.parts as Array<{ characters: number }>;
		expect(parts.length).toBeGreaterThanOrEqual(5);
		expect(parts.every((p) => p.characters <= 4096)).toBe(true);
		expect(spoken.binary!.data.mimeType).toBe('audio/mpeg');
		const [transcript] = nodeOutput(execution, 'Transcribe');
		const wer = wordErrorRate(NEWSLETTER, String(transcript.json.text));
		expect(wer).toBeLessThan(0.5);
		measured.push({
			n8n: `${major}.x`,
			what: '20,000-character newsletter',
			characters: NEWSLETTER.length,
			parts: parts.length,
			mp3Mb: Math.round(Number(spoken.json.bytes) / 1e5) / 10,
			wer: Math.round(wer * 1000) / 1000,
			seconds: Math.round(execution.ms / 1000),
		});
	});
});
