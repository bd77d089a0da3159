/**
 * Splitting long audio into chunks under an upload limit, inside the container and without
 * re-encoding: WAV at sample frames, MP3 and ADTS AAC at frames, each cut in the quietest moment
 * near the limit. No n8n imports.
 *
 * Memory stays flat whatever the file size: the input is read once as a stream, a chunk's bytes
 * are held only from the moment they are read until the caller releases them (after sending
 * them), and each chunk records which bytes of the input it is made of, so that a retry can read
 * them again from the input instead of keeping every chunk in memory (see {@link readChunk}).
 *
 * Chunks may overlap: with `overlapSeconds`, each cut point gets half the overlap of audio on
 * both sides, so that a speech engine hears every word near a cut with some context, and the
 * transcripts are joined at the cut point itself (`keepFrom`/`keepTo`, see stitch.ts).
 */
import { AudioApiError } from '../errors';
import type { AudioContainer } from './container';
import { FrameReader, type AudioFrame } from './frames';
import {
	middleOfQuietestRun,
	quietestCut,
	readWavLayout,
	WavError,
	wavHeader,
	type WavLayout,
} from './wav';

/** One chunk of a split file. */
export interface AudioChunk {
	/** 0-based position. */
	index: number;
	/** The chunk's audio: start and end in seconds from the start of the input. */
	start: number;
	end: number;
	/**
	 * The span this chunk's transcript is kept for, in seconds from the start of the input: from
	 * the previous cut to the next one. Without overlap it equals `start` to `end`.
	 */
	keepFrom: number;
	keepTo: number;
	/** Size of the chunk's file in bytes (header included). */
	bytes: number;
	/** A header of the chunk's own (WAV), sent before the input's bytes. */
	header?: Buffer;
	/** The input's bytes the chunk is made of, as `[from, to)` byte offsets into the input. */
	ranges: Array<[number, number]>;
	/** The chunk's bytes in order (header first) while they are held; see {@link releaseChunk}. */
	data?: Buffer[];
}

/** Thrown when a file cannot be split; the hint names the fix. */
export class SplitError extends AudioApiError {}

/** Containers {@link splitAudio} can cut. */
export const SPLITTABLE_CONTAINERS: ReadonlySet<AudioContainer> = new Set(['wav', 'mp3', 'aac']);

export interface SplitOptions {
	/** Largest chunk file in bytes. */
	maxChunkBytes: number;
	/** How far before each limit to look for a quiet moment, in seconds. Default 5. */
	quietSearchSeconds?: number;
	/** Audio shared by neighbouring chunks around each cut, in seconds. Default 0. */
	overlapSeconds?: number;
	/**
	 * Called with each chunk, its bytes in `data`, as soon as it is complete. The split waits for
	 * the returned promise before reading on, so that a caller can hold back the input while it
	 * cannot take more chunks.
	 */
	onChunk?: (chunk: AudioChunk) => void | Promise<void>;
	/** Stops the split between blocks: it then rejects with a SplitError. */
	signal?: AbortSignal;
}

/** Why a container cannot be split, and what to do about it. */
export function notSplittable(container: AudioContainer): SplitError {
	const name = container.toUpperCase();
	if (container === 'm4a' || container === 'mp4' || container === 'webm') {
		return new SplitError(
			`${name} files cannot be split without re-encoding`,
			`Convert the file to mp3 first (for example ffmpeg -i in.${container} -b:a 64k out.mp3), or raise Max Upload Size if the provider accepts larger files.`,
		);
	}
	return new SplitError(
		`Splitting ${container === 'ogg' ? 'Ogg (Opus or Vorbis)' : name} files is not supported`,
		'Convert the file to mp3 or wav first, or raise Max Upload Size if the provider accepts larger files.',
	);
}

/**
 * Splits audio into chunks of at most `maxChunkBytes` each, handing each to `onChunk` as soon as
 * it is complete.
 *
 * - WAV: each chunk ends at a sample frame, at the quietest 20 ms within `quietSearchSeconds`
 *   before the limit, and gets its own header. Data after the `data` chunk (LIST tags) is dropped.
 * - MP3 and ADTS AAC: each chunk ends at a frame, within `quietSearchSeconds` before the limit,
 *   where the frames around the cut carry the least audio (MP3: the fewest main-data bits; AAC:
 *   the smallest frames). Tags and the Xing/Info/VBRI frame are dropped. An MP3 chunk's first
 *   frame may borrow bits from the frame before it (the bit reservoir), so a decoder may lose
 *   its first 26 ms.
 *
 * @param source the file's bytes, in order (a stream, or an array with one buffer).
 * @param container the file's container, from `sniffContainer`.
 * @returns the chunks in order, with their times in seconds and their byte ranges; each holds
 *   its bytes in `data` until the caller releases them with {@link releaseChunk}.
 * @throws SplitError naming the fix when the container cannot be split or the bytes are not
 *   valid for it (WavError and FrameError are SplitErrors' siblings with their own hints).
 */
export async function splitAudio(
	source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
	container: AudioContainer,
	options: SplitOptions,
): Promise<AudioChunk[]> {
	if (!SPLITTABLE_CONTAINERS.has(container)) throw notSplittable(container);
	const splitter =
		container === 'wav'
			? new WavSplitter(options)
			: new FrameSplitter(container === 'mp3' ? 'mp3' : 'aac', options);
	for await (const block of source) {
		if (options.signal?.aborted) throw new SplitError('Splitting was stopped');
		await splitter.push(Buffer.from(block.buffer, block.byteOffset, block.length));
	}
	return await splitter.end();
}

/** Drops a chunk's bytes; {@link readChunk} reads them again from the input when needed. */
export function releaseChunk(chunk: AudioChunk): void {
	delete chunk.data;
}

/**
 * A chunk's bytes, in order: the held ones, or else its header and ranges read again from a
 * fresh read of the input.
 *
 * @param input the input's bytes from its start, as when it was split.
 * @throws SplitError when the input ends before the chunk's ranges.
 */
export async function* readChunk(
	chunk: AudioChunk,
	input: () => Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>>,
): AsyncGenerator<Buffer> {
	if (chunk.data) {
		yield* chunk.data;
		return;
	}
	if (chunk.header) yield chunk.header;
	let position = 0;
	let range = 0;
	for await (const raw of await input()) {
		const block = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
		const blockEnd = position + block.length;
		while (range < chunk.ranges.length) {
			const [from, to] = chunk.ranges[range];
			if (from >= blockEnd) break;
			const slice = block.subarray(
				Math.max(0, from - position),
				Math.min(block.length, to - position),
			);
			if (slice.length > 0) yield slice;
			if (to > blockEnd) break;
			range++;
		}
		position = blockEnd;
		if (range >= chunk.ranges.length) return;
	}
	if (range < chunk.ranges.length) {
		throw new SplitError(
			`The audio ended before chunk ${chunk.index + 1} when it was read again`,
			'The file changed while it was being transcribed: run the item again.',
		);
	}
}

/**
 * Buffers with each run of neighbouring views of one memory block joined into one view, without
 * copying: a chunk of some 50,000 MP3 frames is then sent as about one piece per block read.
 */
function inPlace(buffers: Buffer[]): Buffer[] {
	const out: Buffer[] = [];
	for (const buffer of buffers) {
		const last = out[out.length - 1];
		if (
			last &&
			last.buffer === buffer.buffer &&
			last.byteOffset + last.length === buffer.byteOffset
		) {
			out[out.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + buffer.length);
		} else out.push(buffer);
	}
	return out;
}

/** A run of buffers covering consecutive input bytes, cut and sliced without copying. */
class ByteRun {
	private parts: Buffer[] = [];

	length = 0;

	push(bytes: Buffer): void {
		if (bytes.length === 0) return;
		this.parts.push(bytes);
		this.length += bytes.length;
	}

	/** The bytes from `from` to `to` (relative to the run's start), as slices. */
	slice(from: number, to: number): Buffer[] {
		const out: Buffer[] = [];
		let at = 0;
		for (const part of this.parts) {
			const end = at + part.length;
			if (end > from && at < to) {
				out.push(part.subarray(Math.max(0, from - at), Math.min(part.length, to - at)));
			}
			at = end;
			if (at >= to) break;
		}
		return out;
	}

	/** The bytes from `from` to `to` as one buffer (for measuring loudness). */
	copy(from: number, to: number): Buffer {
		return Buffer.concat(this.slice(from, to));
	}
}

const alignDown = (value: number, unit: number) => Math.floor(value / unit) * unit;

/**
 * WAV: chunk data grows to the limit; when the input goes on past it, the cut `c` is the quietest
 * moment of the search window before the limit (less half the overlap), the chunk keeps the data
 * up to `c` plus half the overlap, and the next chunk starts half the overlap before `c`.
 */
class WavSplitter {
	private readonly chunks: AudioChunk[] = [];

	private head: Buffer = Buffer.alloc(0);

	private layout: WavLayout | undefined;

	/** Data bytes per chunk, search window and half overlap, in bytes (whole sample frames). */
	private maxData = 0;

	private window = 0;

	private half = 0;

	/** Data bytes seen so far, to stop at the data chunk's end. */
	private seen = 0;

	/** The current chunk: its first data byte's offset, its bytes, and where its transcript starts. */
	private start = 0;

	private run = new ByteRun();

	private keepFrom = 0;

	constructor(private readonly options: SplitOptions) {}

	async push(bytes: Buffer): Promise<void> {
		if (!this.layout) {
			this.head = Buffer.concat([this.head, bytes]);
			this.layout = readWavLayout(this.head);
			if (!this.layout) return;
			const { format } = this.layout;
			const { blockAlign, byteRate } = format;
			this.maxData = alignDown(
				this.options.maxChunkBytes - wavHeader(format, 0).length,
				blockAlign,
			);
			if (this.maxData <= 0) {
				throw new SplitError(
					'Max Upload Size is smaller than a WAV header',
					'Raise Max Upload Size.',
				);
			}
			const search = alignDown(byteRate * (this.options.quietSearchSeconds ?? 5), blockAlign);
			this.window = Math.min(search, alignDown(this.maxData / 2, blockAlign));
			const half = alignDown((byteRate * (this.options.overlapSeconds ?? 0)) / 2, blockAlign);
			this.half = Math.min(half, alignDown(this.maxData / 8, blockAlign));
			bytes = this.head.subarray(this.layout.dataOffset);
			this.head = Buffer.alloc(0);
		}
		const { dataSize } = this.layout;
		if (dataSize !== undefined) bytes = bytes.subarray(0, Math.max(0, dataSize - this.seen));
		this.seen += bytes.length;
		while (bytes.length > 0) {
			const room = this.maxData - this.run.length;
			if (room > 0) {
				this.run.push(bytes.subarray(0, room));
				bytes = bytes.subarray(room);
				continue;
			}
			// The chunk is full and the input goes on: cut it.
			await this.cut();
		}
	}

	private async cut(): Promise<void> {
		const { format } = this.layout!;
		const windowEnd = this.run.length - this.half;
		const windowStart = Math.max(0, windowEnd - this.window);
		const cut = windowStart + quietestCut(this.run.copy(windowStart, windowEnd), format);
		const rest = this.run.slice(cut - this.half, this.run.length);
		const nextStart = this.start + cut - this.half;
		await this.emit(cut + this.half, this.start + cut);
		this.start = nextStart;
		this.run = new ByteRun();
		for (const part of rest) this.run.push(part);
	}

	/** Emits the current chunk with its first `length` data bytes; its transcript ends at `cutAt`. */
	private async emit(length: number, cutAt: number | undefined): Promise<void> {
		const { format, dataOffset } = this.layout!;
		const seconds = (offset: number) => offset / format.byteRate;
		const header = wavHeader(format, length);
		const chunk: AudioChunk = {
			index: this.chunks.length,
			start: seconds(this.start),
			end: seconds(this.start + length),
			keepFrom: this.keepFrom,
			keepTo: seconds(cutAt ?? this.start + length),
			bytes: header.length + length,
			header,
			ranges: [[dataOffset + this.start, dataOffset + this.start + length]],
			data: [header, ...this.run.slice(0, length)],
		};
		this.keepFrom = chunk.keepTo;
		this.chunks.push(chunk);
		await this.options.onChunk?.(chunk);
	}

	async end(): Promise<AudioChunk[]> {
		if (!this.layout) throw new WavError('The WAV file ends before its data chunk');
		const whole = alignDown(this.run.length, this.layout.format.blockAlign);
		if (whole > 0) await this.emit(whole, undefined);
		if (this.chunks.length === 0) throw new WavError('The WAV file has no samples');
		return this.chunks;
	}
}

/** A frame and the number of samples before it in the input. */
interface PlacedFrame extends AudioFrame {
	position: number;
}

/**
 * MP3 and ADTS AAC: frames gather into the chunk up to the limit; when one more would not fit,
 * the cut is placed between the frames that carry the least audio in the search window (less
 * half the overlap), and the next chunk starts with the frames of half the overlap before it.
 */
class FrameSplitter {
	private readonly chunks: AudioChunk[] = [];

	private readonly reader: FrameReader;

	private frames: PlacedFrame[] = [];

	private bytes = 0;

	/** Samples read so far, and their rate. */
	private samples = 0;

	private sampleRate = 0;

	private keepFrom = 0;

	constructor(
		codec: 'mp3' | 'aac',
		private readonly options: SplitOptions,
	) {
		this.reader = new FrameReader(codec);
	}

	private framesFor(seconds: number, frame: AudioFrame): number {
		return Math.floor((seconds * frame.sampleRate) / frame.samples);
	}

	async push(bytes: Buffer): Promise<void> {
		await this.add(this.reader.push(bytes));
	}

	private async add(frames: AudioFrame[]): Promise<void> {
		for (const frame of frames) {
			if (this.sampleRate && frame.sampleRate !== this.sampleRate) {
				throw new SplitError(
					'The sample rate changes in the middle of the file',
					'Re-encode it at one sample rate first.',
				);
			}
			if (frame.bytes.length > this.options.maxChunkBytes) {
				throw new SplitError(
					'Max Upload Size is smaller than one audio frame',
					'Raise Max Upload Size.',
				);
			}
			this.sampleRate = frame.sampleRate;
			if (this.bytes + frame.bytes.length > this.options.maxChunkBytes) await this.cut(frame);
			this.frames.push({ ...frame, position: this.samples });
			this.bytes += frame.bytes.length;
			this.samples += frame.samples;
		}
	}

	/** The index of the last frame before the cut: the middle of the quietest run in the window. */
	private quietCut(sample: AudioFrame): number {
		const half = Math.min(
			this.framesFor((this.options.overlapSeconds ?? 0) / 2, sample),
			Math.floor(this.frames.length / 8),
		);
		const last = this.frames.length - 1 - half;
		const window = Math.min(
			this.framesFor(this.options.quietSearchSeconds ?? 5, sample),
			Math.floor(this.frames.length / 2),
		);
		const first = Math.max(0, last - window);
		// Each frame's loudness smoothed over its neighbours (about 100 ms), so that one quiet
		// frame inside a word does not count as a pause.
		const weights: number[] = [];
		for (let k = first; k <= last; k++) {
			const around = this.frames.slice(Math.max(0, k - 1), k + 2);
			weights.push(around.reduce((sum, f) => sum + f.weight, 0) / around.length);
		}
		return first + middleOfQuietestRun(weights);
	}

	private async cut(next: AudioFrame): Promise<void> {
		const half = Math.min(
			this.framesFor((this.options.overlapSeconds ?? 0) / 2, next),
			Math.floor(this.frames.length / 8),
		);
		const k = this.quietCut(next);
		const cutAt = this.frames[k + 1]?.position ?? this.samples;
		const keep = this.frames.slice(0, Math.min(this.frames.length, k + 1 + half));
		const rest = this.frames.slice(Math.max(1, k + 1 - half));
		await this.emit(keep, cutAt);
		this.frames = rest;
		this.bytes = rest.reduce((sum, f) => sum + f.bytes.length, 0);
	}

	private async emit(frames: PlacedFrame[], cutAt: number | undefined): Promise<void> {
		const seconds = (samples: number) => samples / this.sampleRate;
		const first = frames[0];
		const last = frames[frames.length - 1];
		const ranges: Array<[number, number]> = [];
		for (const f of frames) {
			const previous = ranges[ranges.length - 1];
			if (previous && previous[1] === f.offset) previous[1] = f.offset + f.bytes.length;
			else ranges.push([f.offset, f.offset + f.bytes.length]);
		}
		const end = last.position + last.samples;
		const chunk: AudioChunk = {
			index: this.chunks.length,
			start: seconds(first.position),
			end: seconds(end),
			keepFrom: this.keepFrom,
			keepTo: seconds(cutAt ?? end),
			bytes: frames.reduce((sum, f) => sum + f.bytes.length, 0),
			ranges,
			data: inPlace(frames.map((f) => f.bytes)),
		};
		this.keepFrom = chunk.keepTo;
		this.chunks.push(chunk);
		await this.options.onChunk?.(chunk);
	}

	async end(): Promise<AudioChunk[]> {
		await this.add(this.reader.end());
		if (this.frames.length > 0) await this.emit(this.frames, undefined);
		if (this.chunks.length === 0) {
			throw new SplitError('No audio frames were found', 'Check that the file is valid audio.');
		}
		return this.chunks;
	}
}
