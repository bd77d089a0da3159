import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { sniffContainer } from '../../package/lib/audio/container';
import { framesOf } from '../../package/lib/audio/frames';
import { joinAudio, JoinError } from '../../package/lib/audio/join';
import { splitAudio, SplitError, type AudioChunk } from '../../package/lib/audio/split';
import { readWavLayout } from '../../package/lib/audio/wav';

// Real files made by ffmpeg: one second of tone, then 0.4 s of silence, repeated for 60 s.
const dir = mkdtempSync(path.join(tmpdir(), 'split-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ffmpeg(args: string[], out: string): Buffer {
	const file = path.join(dir, out);
	execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, file]);
	return readFileSync(file);
}

/** Duration in seconds of the audio ffmpeg decodes from a file (so a broken chunk fails here). */
function probeDuration(file: string): number {
	const pcm = execFileSync(
		'ffmpeg',
		['-v', 'error', '-i', file, '-f', 's16le', '-ac', '1', '-ar', '16000', '-'],
		{ maxBuffer: 1 << 30 },
	);
	return pcm.length / 32000;
}

const TONE = [
	'-f',
	'lavfi',
	'-i',
	"aevalsrc='if(lt(mod(t,1.4),1),0.5*sin(2*PI*440*t),0)':s=16000:d=60",
];

const wav = ffmpeg([...TONE, '-c:a', 'pcm_s16le'], 'tone.wav');
const mp3Cbr = ffmpeg(
	[
		...TONE,
		'-c:a',
		'libmp3lame',
		'-b:a',
		'64k',
		'-metadata',
		'title=Tone',
		'-id3v2_version',
		'3',
		'-write_id3v1',
		'1',
	],
	'tone-cbr.mp3',
);
const mp3Vbr = ffmpeg([...TONE, '-c:a', 'libmp3lame', '-q:a', '5'], 'tone-vbr.mp3');
const aac = ffmpeg([...TONE, '-c:a', 'aac', '-b:a', '48k', '-f', 'adts'], 'tone.aac');

function blocks(bytes: Buffer, size: number): Buffer[] {
	const out: Buffer[] = [];
	for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
	return out;
}

async function split(bytes: Buffer, maxChunkBytes: number, blockSize = 65536, name = 'c') {
	const container = sniffContainer(bytes)!.container;
	const out = mkdtempSync(path.join(dir, `${name}-`));
	return await splitAudio(blocks(bytes, blockSize), container, {
		maxChunkBytes,
		directory: out,
		baseName: name,
	});
}

function expectContiguous(chunks: AudioChunk[], total: number, tolerance: number) {
	expect(chunks[0].start).toBe(0);
	for (let i = 1; i < chunks.length; i++) expect(chunks[i].start).toBeCloseTo(chunks[i - 1].end, 6);
	expect(Math.abs(chunks[chunks.length - 1].end - total)).toBeLessThan(tolerance);
}

describe('splitAudio: WAV', () => {
	const layout = readWavLayout(wav)!;
	const samples = wav.subarray(layout.dataOffset);

	it.each([65536, 1000, 7])(
		'cuts sample-accurately at silences, under the limit, losing nothing (blocks of %d bytes)',
		async (blockSize) => {
			const max = 400_000; // 12.5 s of 16 kHz mono 16-bit
			const chunks = await split(wav, max, blockSize, `wav${blockSize}`);
			expect(chunks.length).toBe(5);
			const data: Buffer[] = [];
			for (const chunk of chunks) {
				const file = readFileSync(chunk.path);
				expect(file.length).toBe(chunk.bytes);
				expect(chunk.bytes).toBeLessThanOrEqual(max);
				const part = readWavLayout(file)!;
				expect(part.format.fmtBody.equals(layout.format.fmtBody)).toBe(true);
				expect(part.dataSize).toBe(file.length - part.dataOffset);
				data.push(file.subarray(part.dataOffset));
				expect(probeDuration(chunk.path)).toBeCloseTo(chunk.end - chunk.start, 2);
			}
			expect(Buffer.concat(data).equals(samples)).toBe(true);
			expectContiguous(chunks, 60, 0.001);
			// Every cut falls in one of the 0.4 s silences (t mod 1.4 >= 1).
			for (const chunk of chunks.slice(1)) {
				expect(chunk.start % 1.4).toBeGreaterThanOrEqual(1);
			}
		},
	);

	it('keeps a file under the limit whole', async () => {
		const chunks = await split(wav, wav.length);
		expect(chunks).toHaveLength(1);
		const file = readFileSync(chunks[0].path);
		expect(file.subarray(readWavLayout(file)!.dataOffset).equals(samples)).toBe(true);
	});
});

describe('splitAudio: MP3', () => {
	it.each([
		['CBR with ID3v2, ID3v1 and an Info frame', mp3Cbr],
		['VBR with a Xing frame', mp3Vbr],
	])(
		'%s: cuts at frames under the limit, drops the tags, keeps every audio frame',
		async (_name, mp3) => {
			const max = 30_000;
			const chunks = await split(mp3, max, 4093);
			expect(chunks.length).toBeGreaterThan(1);
			const original = framesOf(mp3, 'mp3');
			const rejoined: Buffer[] = [];
			for (const chunk of chunks) {
				const file = readFileSync(chunk.path);
				expect(chunk.bytes).toBeLessThanOrEqual(max);
				expect(file.subarray(0, 3).toString('latin1')).not.toBe('ID3');
				expect(file.subarray(-128, -125).toString('latin1')).not.toBe('TAG');
				rejoined.push(file);
				expect(Math.abs(probeDuration(chunk.path) - (chunk.end - chunk.start))).toBeLessThan(0.06);
			}
			expect(Buffer.concat(rejoined).equals(Buffer.concat(original.map((f) => f.bytes)))).toBe(
				true,
			);
			expectContiguous(chunks, probeDuration(path.join(dir, 'tone-cbr.mp3')), 0.1);
		},
	);

	it('rejects free-format MP3 clearly', async () => {
		const header = Buffer.from([0xff, 0xfb, 0x00, 0xc4]); // MPEG-1 layer III, bitrate index 0
		await expect(split(Buffer.concat([header, Buffer.alloc(2000)]), 1000)).rejects.toThrow(
			/Free-format MP3 .* cannot be split/,
		);
	});
});

describe('splitAudio: ADTS AAC and the rest', () => {
	it('cuts ADTS AAC at frames', async () => {
		const chunks = await split(aac, 80_000);
		expect(chunks.length).toBeGreaterThan(1);
		for (const chunk of chunks) expect(probeDuration(chunk.path)).toBeGreaterThan(0);
		expectContiguous(chunks, 60, 0.1);
	});

	it.each([
		['hello.m4a', /M4A files cannot be split without re-encoding\. Convert the file to mp3 first/],
		['hello.webm', /WEBM files cannot be split.*Convert the file to mp3 first/],
		['hello.ogg', /Splitting Ogg \(Opus or Vorbis\) files is not supported/],
		['hello.flac', /Splitting FLAC files is not supported/],
	])('refuses %s and names the fix', async (file, message) => {
		const bytes = readFileSync(path.join(__dirname, '../fixtures/audio', file));
		await expect(split(bytes, 1000)).rejects.toThrow(message);
		await expect(split(bytes, 1000)).rejects.toBeInstanceOf(SplitError);
	});
});

describe('joinAudio', () => {
	it('joins MP3 parts into one stream whose duration is the sum', () => {
		const parts = [mp3Cbr, mp3Vbr];
		const joined = joinAudio('mp3', parts);
		const file = path.join(dir, 'joined.mp3');
		writeFileSync(file, joined);
		expect(joined.subarray(0, 3).toString('latin1')).not.toBe('ID3');
		expect(probeDuration(file)).toBeCloseTo(
			probeDuration(path.join(dir, 'tone-cbr.mp3')) + probeDuration(path.join(dir, 'tone-vbr.mp3')),
			0,
		);
	});

	it('joins WAV parts under one header, and PCM as raw bytes', () => {
		const joined = joinAudio('wav', [wav, wav]);
		const layout = readWavLayout(joined)!;
		expect(layout.dataSize).toBe(2 * readWavLayout(wav)!.dataSize!);
		const file = path.join(dir, 'joined.wav');
		writeFileSync(file, joined);
		expect(probeDuration(file)).toBeCloseTo(120, 2);
		expect(joinAudio('pcm', [Buffer.from([1, 2]), Buffer.from([3])])).toEqual(
			Buffer.from([1, 2, 3]),
		);
	});

	it('refuses opus and flac parts, and WAV parts in different formats', () => {
		expect(() => joinAudio('opus', [Buffer.alloc(1), Buffer.alloc(1)])).toThrow(JoinError);
		expect(() => joinAudio('flac', [Buffer.alloc(1), Buffer.alloc(1)])).toThrow(
			/Choose mp3, wav, aac or pcm/,
		);
		const stereo = ffmpeg([...TONE, '-ac', '2', '-t', '1'], 'stereo.wav');
		expect(() => joinAudio('wav', [wav, stereo])).toThrow(/different WAV formats/);
	});
});
