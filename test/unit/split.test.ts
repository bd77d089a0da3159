import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { sniffContainer } from '../../package/lib/audio/container';
import { FrameReader, framesOf } from '../../package/lib/audio/frames';
import { joinAudio, JoinError } from '../../package/lib/audio/join';
import {
	readChunk,
	releaseChunk,
	splitAudio,
	SplitError,
	type AudioChunk,
} from '../../package/lib/audio/split';
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

/** A chunk with its bytes written to a file, for ffmpeg to decode. */
type WrittenChunk = AudioChunk & { path: string; file: Buffer };

async function split(
	bytes: Buffer,
	maxChunkBytes: number,
	blockSize = 65536,
	name = 'c',
	overlapSeconds = 0,
): Promise<WrittenChunk[]> {
	const container = sniffContainer(bytes)!.container;
	const out = mkdtempSync(path.join(dir, `${name}-`));
	const chunks = await splitAudio(blocks(bytes, blockSize), container, {
		maxChunkBytes,
		overlapSeconds,
	});
	return chunks.map((chunk) => {
		const file = Buffer.concat(chunk.data!);
		const written = path.join(out, `${name}-${chunk.index}.${container}`);
		writeFileSync(written, file);
		return { ...chunk, path: written, file };
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
			// Cut in the middle of a pause, so a little under the limit each.
			expect(chunks.length).toBeGreaterThanOrEqual(5);
			expect(chunks.length).toBeLessThanOrEqual(6);
			const data: Buffer[] = [];
			for (const chunk of chunks) {
				const file = chunk.file;
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
		const file = chunks[0].file;
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
				const file = chunk.file;
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

describe('FrameReader over blocks', () => {
	// An ID3v2 tag, 3 bytes of junk and an ID3v1 tag around the frames, so that tags and resyncs
	// also fall across block edges.
	const id3 = Buffer.concat([
		Buffer.from('ID3\x04\x00\x00\x00\x00\x03\x00', 'latin1'),
		Buffer.alloc(384, 7),
	]);
	const tagged = (bytes: Buffer) =>
		Buffer.concat([id3, bytes, Buffer.from([1, 2, 3]), Buffer.from('TAG'), Buffer.alloc(125)]);

	it.each([
		['MP3 (CBR)', 'mp3' as const, () => tagged(mp3Cbr)],
		['MP3 (VBR)', 'mp3' as const, () => tagged(mp3Vbr)],
		['ADTS AAC', 'aac' as const, () => aac],
	])(
		'%s: the same frames at the same offsets whatever the block size, as views of the blocks',
		(_name, codec, bytes) => {
			const whole = framesOf(bytes(), codec);
			expect(whole.length).toBeGreaterThan(100);
			for (const size of [1, 777, 16_384, 16_385, 20_000, 65_536]) {
				const reader = new FrameReader(codec);
				const input = blocks(Buffer.from(bytes()), size);
				const frames = [...input.flatMap((block) => reader.push(block)), ...reader.end()];
				expect(frames.map((f) => [f.offset, f.bytes.length])).toEqual(
					whole.map((f) => [f.offset, f.bytes.length]),
				);
				expect(
					Buffer.concat(frames.map((f) => f.bytes)).equals(
						Buffer.concat(whole.map((f) => f.bytes)),
					),
				).toBe(true);
				if (size === 65_536) {
					// Past the first 16 KB of a block, frames are read in place: no copies.
					const inPlace = frames.filter((f) =>
						input.some((block) => block.buffer === f.bytes.buffer),
					);
					expect(inPlace.length).toBeGreaterThan(frames.length * 0.5);
				}
			}
		},
	);
});

describe('splitAudio: ADTS AAC and the rest', () => {
	it('cuts ADTS AAC at frames', async () => {
		const chunks = await split(aac, 80_000);
		expect(chunks.length).toBeGreaterThan(1);
		for (const chunk of chunks) expect(probeDuration(chunk.path)).toBeGreaterThan(0);
		expectContiguous(chunks, 60, 0.1);
	});

	it.each([
		['hello.m4a', /M4A files cannot be split without re-encoding/, /Convert the file to mp3 first/],
		['hello.webm', /WEBM files cannot be split/, /Convert the file to mp3 first/],
		['hello.ogg', /Splitting Ogg \(Opus or Vorbis\) files is not supported/, /mp3 or wav/],
		['hello.flac', /Splitting FLAC files is not supported/, /mp3 or wav/],
	])('refuses %s and names the fix', async (file, message, hint) => {
		const bytes = readFileSync(path.join(__dirname, '../fixtures/audio', file));
		const error = await split(bytes, 1000).catch((e: SplitError) => e);
		expect(error).toBeInstanceOf(SplitError);
		expect((error as SplitError).message).toMatch(message);
		expect((error as SplitError).hint).toMatch(hint);
	});
});

describe('splitAudio: chunks held in memory, read again from the input', () => {
	it.each([
		['WAV', wav, 400_000],
		['MP3', mp3Cbr, 30_000],
		['AAC', aac, 80_000],
	])('%s: a released chunk reads back from its ranges byte for byte', async (_name, bytes, max) => {
		const chunks = await splitAudio(blocks(bytes, 4096), sniffContainer(bytes)!.container, {
			maxChunkBytes: max,
		});
		expect(chunks.length).toBeGreaterThan(2);
		for (const chunk of chunks) {
			const held = Buffer.concat(chunk.data!);
			releaseChunk(chunk);
			expect(chunk.data).toBeUndefined();
			const again: Buffer[] = [];
			for await (const block of readChunk(chunk, async () => blocks(bytes, 777))) again.push(block);
			expect(Buffer.concat(again).equals(held)).toBe(true);
		}
	});

	it('fails clearly when the input is shorter the second time', async () => {
		const chunks = await splitAudio([wav], 'wav', { maxChunkBytes: 400_000 });
		const last = chunks[chunks.length - 1];
		releaseChunk(last);
		const read = async () => {
			for await (const _block of readChunk(last, async () => [wav.subarray(0, 1000)])) void _block;
		};
		await expect(read()).rejects.toThrow(/ended before chunk/);
	});

	it('waits for each chunk to be taken before reading on', async () => {
		const order: string[] = [];
		let read = 0;
		async function* source() {
			for (const block of blocks(wav, 65536)) {
				read += block.length;
				yield block;
			}
		}
		await splitAudio(source(), 'wav', {
			maxChunkBytes: 400_000,
			onChunk: async (chunk) => {
				order.push(`chunk ${chunk.index} at ${read}`);
				await new Promise((resolve) => setTimeout(resolve, 20));
				// Nothing more was read while the chunk was being taken.
				order.push(`taken ${chunk.index} at ${read}`);
			},
		});
		for (let i = 0; i < order.length; i += 2) {
			expect(order[i].split(' at ')[1]).toBe(order[i + 1].split(' at ')[1]);
		}
	});
});

describe('splitAudio: overlapping chunks', () => {
	it.each([
		['WAV', wav, 400_000, 0.001],
		['MP3', mp3Cbr, 100_000, 0.06],
	])(
		'%s: each cut gets half the overlap on both sides, and the kept spans tile the file',
		async (_name, bytes, max, tolerance) => {
			const chunks = await split(bytes, max, 65536, `overlap-${_name}`, 2);
			expect(chunks.length).toBeGreaterThan(2);
			expect(chunks[0].keepFrom).toBe(0);
			for (let i = 1; i < chunks.length; i++) {
				const cut = chunks[i].keepFrom;
				expect(chunks[i - 1].keepTo).toBe(cut);
				// One second of shared audio on each side of the cut.
				expect(cut - chunks[i].start).toBeCloseTo(1, 1);
				expect(chunks[i - 1].end - cut).toBeCloseTo(1, 1);
				// The cut is in a silence (t mod 1.4 >= 1).
				expect(cut % 1.4).toBeGreaterThanOrEqual(0.99);
			}
			for (const chunk of chunks) {
				expect(chunk.bytes).toBeLessThanOrEqual(max);
				expect(Math.abs(probeDuration(chunk.path) - (chunk.end - chunk.start))).toBeLessThan(
					tolerance + 0.05,
				);
			}
			expect(chunks[chunks.length - 1].keepTo).toBeCloseTo(chunks[chunks.length - 1].end, 6);
		},
	);
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
		const flac = (() => {
			try {
				joinAudio('flac', [Buffer.alloc(1), Buffer.alloc(1)]);
			} catch (error) {
				return error as JoinError;
			}
			return undefined;
		})();
		expect(flac?.message).toMatch(/flac speech cannot be joined/);
		expect(flac?.hint).toMatch(/Choose mp3, wav, aac or pcm/);
		const stereo = ffmpeg([...TONE, '-ac', '2', '-t', '1'], 'stereo.wav');
		expect(() => joinAudio('wav', [wav, stereo])).toThrow(/different WAV formats/);
	});
});
