/**
 * Splitting long audio into chunks under an upload limit, inside the container and without
 * re-encoding: WAV at sample frames (at the quietest moment near each limit), MP3 and ADTS AAC at
 * frames. The input is read once as a stream and each chunk is written to its own file, so memory
 * stays flat whatever the file size. No n8n imports.
 */
// Chunks go to temporary files so that memory stays flat on 150 MB inputs and each chunk can be
// re-read for a retry; n8n's binary store cannot rewrite a WAV header once the cut is known.
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports
import { createReadStream, type ReadStream } from 'node:fs';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports
import { tmpdir } from 'node:os';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports
import path from 'node:path';

import type { AudioContainer } from './container';
import { FrameError, FrameReader, type AudioFrame } from './frames';
import { quietestCut, readWavLayout, WavError, wavHeader, type WavLayout } from './wav';

/** One chunk of a split file. */
export interface AudioChunk {
	/** 0-based position. */
	index: number;
	/** The chunk's file: a complete file of the input's container. */
	path: string;
	/** Size of the chunk's file in bytes. */
	bytes: number;
	/** Start and end in seconds from the start of the input. */
	start: number;
	end: number;
}

/** Thrown when a file cannot be split; the message names the fix. */
export class SplitError extends Error {}

/** Containers {@link splitAudio} can cut. */
export const SPLITTABLE_CONTAINERS: ReadonlySet<AudioContainer> = new Set(['wav', 'mp3', 'aac']);

export interface SplitOptions {
	/** Largest chunk file in bytes. */
	maxChunkBytes: number;
	/** Where to write the chunk files; the caller removes them. */
	directory: string;
	/** Chunk file names are `<baseName>-<n>.<extension>`. */
	baseName: string;
	/** WAV: how far before each limit to look for a quiet moment, in seconds. Default 5. */
	quietSearchSeconds?: number;
	/** Called with each chunk as soon as its file is complete, so that it can be sent at once. */
	onChunk?: (chunk: AudioChunk) => void;
	/** Stops the split between blocks: it then rejects with a SplitError. */
	signal?: AbortSignal;
}

/** Appends to one chunk file, in blocks of about 1 MB. */
class ChunkFile {
	private blocks: Buffer[] = [];

	private buffered = 0;

	bytes = 0;

	private constructor(
		readonly path: string,
		private readonly handle: FileHandle,
	) {}

	static async create(filePath: string): Promise<ChunkFile> {
		return new ChunkFile(filePath, await open(filePath, 'w'));
	}

	async write(bytes: Buffer): Promise<void> {
		if (bytes.length === 0) return;
		this.blocks.push(bytes);
		this.buffered += bytes.length;
		this.bytes += bytes.length;
		if (this.buffered >= 1024 * 1024) await this.flush();
	}

	private async flush(): Promise<void> {
		if (this.buffered === 0) return;
		const data = Buffer.concat(this.blocks);
		this.blocks = [];
		this.buffered = 0;
		await this.handle.write(data);
	}

	/** Flushes, optionally overwrites the file's first bytes (a header), and closes. */
	async close(header?: Buffer): Promise<void> {
		await this.flush();
		if (header) await this.handle.write(header, 0, header.length, 0);
		await this.handle.close();
	}
}

function mismatch(container: AudioContainer): SplitError {
	const name = container.toUpperCase();
	if (container === 'm4a' || container === 'mp4' || container === 'webm') {
		return new SplitError(
			`${name} files cannot be split without re-encoding. Convert the file to mp3 first (for example ffmpeg -i in.${container} -b:a 64k out.mp3), or raise Max Upload Size if the provider accepts larger files.`,
		);
	}
	return new SplitError(
		`Splitting ${container === 'ogg' ? 'Ogg (Opus or Vorbis)' : name} files is not supported. Convert the file to mp3 or wav first, or raise Max Upload Size if the provider accepts larger files.`,
	);
}

/**
 * Splits audio into chunk files of at most `maxChunkBytes` each.
 *
 * - WAV: each chunk ends at a sample frame, at the quietest 20 ms within `quietSearchSeconds`
 *   before the limit, so that words are not cut; each gets its own header. Data after the `data`
 *   chunk (LIST tags) is dropped.
 * - MP3 and ADTS AAC: each chunk ends at a frame, within `quietSearchSeconds` before the limit,
 *   between the frames carrying the least audio (MP3: the fewest Huffman bits; AAC: the smallest
 *   frames); tags and the Xing/Info/VBRI frame are dropped.
 *   An MP3 chunk's first frame may borrow bits from the frame before it (the bit reservoir), so a
 *   decoder may lose its first 26 ms.
 *
 * @param source the file's bytes, in order (a stream, or an array with one buffer).
 * @param container the file's container, from {@link sniffContainer}.
 * @returns the chunks in order, with their times in seconds.
 * @throws SplitError naming the fix when the container cannot be split or the bytes are not
 *   valid for it.
 */
export async function splitAudio(
	source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
	container: AudioContainer,
	options: SplitOptions,
): Promise<AudioChunk[]> {
	if (!SPLITTABLE_CONTAINERS.has(container)) throw mismatch(container);
	const splitter =
		container === 'wav'
			? new WavSplitter(options)
			: new FrameSplitter(container === 'mp3' ? 'mp3' : 'aac', options);
	try {
		for await (const block of source) {
			if (options.signal?.aborted) throw new SplitError('Splitting was stopped');
			await splitter.push(Buffer.from(block.buffer, block.byteOffset, block.length));
		}
		return await splitter.end();
	} catch (error) {
		await splitter.abort();
		if (error instanceof WavError || error instanceof FrameError) {
			throw new SplitError(`${error.message}. Check that the file is a valid ${container}.`);
		}
		throw error;
	}
}

abstract class Splitter {
	protected readonly chunks: AudioChunk[] = [];

	protected current: ChunkFile | undefined;

	constructor(
		protected readonly options: SplitOptions,
		private readonly extension: string,
	) {}

	protected async startChunk(start: number, headerBytes = 0): Promise<void> {
		const index = this.chunks.length;
		const file = path.join(
			this.options.directory,
			`${this.options.baseName}-${String(index + 1).padStart(3, '0')}.${this.extension}`,
		);
		this.current = await ChunkFile.create(file);
		if (headerBytes > 0) await this.current.write(Buffer.alloc(headerBytes));
		this.chunks.push({ index, path: file, bytes: 0, start, end: start });
	}

	protected async finishChunk(end: number, header?: Buffer): Promise<void> {
		const file = this.current!;
		this.current = undefined;
		await file.close(header);
		const chunk = this.chunks[this.chunks.length - 1];
		chunk.bytes = file.bytes;
		chunk.end = end;
		this.options.onChunk?.(chunk);
	}

	async abort(): Promise<void> {
		await this.current?.close().catch(() => undefined);
	}

	abstract push(bytes: Buffer): Promise<void>;

	abstract end(): Promise<AudioChunk[]>;
}

class WavSplitter extends Splitter {
	private head: Buffer = Buffer.alloc(0);

	private layout: WavLayout | undefined;

	private headerBytes = 0;

	private maxData = 0;

	private window = 0;

	/** Sample bytes not yet written. */
	private pending: Buffer[] = [];

	private pendingBytes = 0;

	/** Sample bytes read so far (written or pending), to stop at the data chunk's end. */
	private dataSeen = 0;

	/** Sample bytes written to chunks so far, and to the current chunk. */
	private dataWritten = 0;

	private chunkData = 0;

	constructor(options: SplitOptions) {
		super(options, 'wav');
	}

	async push(bytes: Buffer): Promise<void> {
		if (!this.layout) {
			this.head = Buffer.concat([this.head, bytes]);
			this.layout = readWavLayout(this.head);
			if (!this.layout) return;
			const { format } = this.layout;
			this.headerBytes = wavHeader(format, 0).length;
			this.maxData =
				Math.floor((this.options.maxChunkBytes - this.headerBytes) / format.blockAlign) *
				format.blockAlign;
			if (this.maxData <= 0) throw new SplitError('Max Upload Size is smaller than a WAV header');
			const search = Math.floor(
				(format.byteRate * (this.options.quietSearchSeconds ?? 5)) / format.blockAlign,
			);
			this.window = Math.min(
				search * format.blockAlign,
				Math.floor(this.maxData / 2 / format.blockAlign) * format.blockAlign,
			);
			bytes = this.head.subarray(this.layout.dataOffset);
			this.head = Buffer.alloc(0);
		}
		const { dataSize } = this.layout;
		if (dataSize !== undefined) bytes = bytes.subarray(0, Math.max(0, dataSize - this.dataSeen));
		this.dataSeen += bytes.length;
		if (bytes.length > 0) {
			this.pending.push(bytes);
			this.pendingBytes += bytes.length;
		}
		await this.drain();
	}

	private take(count: number): Buffer {
		const out = Buffer.allocUnsafe(count);
		let filled = 0;
		while (filled < count) {
			const first = this.pending[0];
			const used = Math.min(first.length, count - filled);
			first.copy(out, filled, 0, used);
			filled += used;
			if (used === first.length) this.pending.shift();
			else this.pending[0] = first.subarray(used);
		}
		this.pendingBytes -= count;
		return out;
	}

	private async write(bytes: Buffer): Promise<void> {
		if (!this.current)
			await this.startChunk(this.dataWritten / this.layout!.format.byteRate, this.headerBytes);
		await this.current!.write(bytes);
		this.chunkData += bytes.length;
		this.dataWritten += bytes.length;
	}

	private async closeChunk(): Promise<void> {
		const { format } = this.layout!;
		await this.finishChunk(this.dataWritten / format.byteRate, wavHeader(format, this.chunkData));
		this.chunkData = 0;
	}

	private async drain(): Promise<void> {
		for (;;) {
			const free = this.maxData - this.window - this.chunkData;
			if (free > 0 && this.pendingBytes > 0) {
				await this.write(this.take(Math.min(free, this.pendingBytes)));
				continue;
			}
			const need = this.maxData - this.chunkData;
			if (free > 0 || this.pendingBytes <= need) return;
			// More than the limit is waiting: end this chunk at the quietest moment in the window.
			const window = this.take(need);
			const cut = quietestCut(window, this.layout!.format);
			await this.write(window.subarray(0, cut));
			await this.closeChunk();
			const rest = window.subarray(cut);
			if (rest.length > 0) {
				this.pending.unshift(rest);
				this.pendingBytes += rest.length;
			}
		}
	}

	async end(): Promise<AudioChunk[]> {
		if (!this.layout) throw new WavError('The WAV file ends before its data chunk');
		const { blockAlign } = this.layout.format;
		const whole = this.pendingBytes - (this.pendingBytes % blockAlign);
		if (whole > 0) await this.write(this.take(whole));
		if (this.current) await this.closeChunk();
		if (this.chunks.length === 0) throw new WavError('The WAV file has no samples');
		return this.chunks;
	}
}

class FrameSplitter extends Splitter {
	private readonly reader: FrameReader;

	/** Samples written before the current chunk's end, and their rate. */
	private samples = 0;

	private sampleRate = 0;

	/** Frames read but not yet written: the last few seconds, to pick a quiet cut among. */
	private pending: AudioFrame[] = [];

	private pendingBytes = 0;

	constructor(codec: 'mp3' | 'aac', options: SplitOptions) {
		super(options, codec);
		this.reader = new FrameReader(codec);
	}

	private get now(): number {
		return this.sampleRate ? this.samples / this.sampleRate : 0;
	}

	private async write(count: number): Promise<void> {
		for (const frame of this.pending.splice(0, count)) {
			if (!this.current) await this.startChunk(this.now);
			await this.current!.write(frame.bytes);
			this.samples += frame.samples;
			this.pendingBytes -= frame.bytes.length;
		}
	}

	/**
	 * The number of pending frames to end the current chunk with: as many as fit, cut where the
	 * frames on both sides carry the least audio.
	 */
	private quietCut(): number {
		const room = this.options.maxChunkBytes - (this.current?.bytes ?? 0);
		let best = 0;
		let bestWeight = Infinity;
		let prefix = 0;
		for (let k = 1; k <= this.pending.length; k++) {
			prefix += this.pending[k - 1].bytes.length;
			if (prefix > room) break;
			// The mean over about 150 ms around the cut, so that it lands inside a pause.
			const around = this.pending.slice(Math.max(0, k - 3), k + 3);
			const weight = around.reduce((sum, f) => sum + f.weight, 0) / around.length;
			if (weight <= bestWeight) {
				bestWeight = weight;
				best = k;
			}
		}
		return best;
	}

	private async add(frames: AudioFrame[]): Promise<void> {
		for (const frame of frames) {
			if (this.sampleRate && frame.sampleRate !== this.sampleRate) {
				throw new FrameError('The sample rate changes in the middle of the file');
			}
			if (frame.bytes.length > this.options.maxChunkBytes) {
				throw new SplitError('Max Upload Size is smaller than one audio frame');
			}
			this.sampleRate = frame.sampleRate;
			this.pending.push(frame);
			this.pendingBytes += frame.bytes.length;
			if ((this.current?.bytes ?? 0) + this.pendingBytes > this.options.maxChunkBytes) {
				await this.write(this.quietCut());
				await this.finishChunk(this.now);
			}
			const window = Math.floor(
				((this.options.quietSearchSeconds ?? 5) * frame.sampleRate) / frame.samples,
			);
			if (this.pending.length > window) await this.write(this.pending.length - window);
		}
	}

	async push(bytes: Buffer): Promise<void> {
		await this.add(this.reader.push(bytes));
	}

	async end(): Promise<AudioChunk[]> {
		await this.add(this.reader.end());
		await this.write(this.pending.length);
		if (this.current) await this.finishChunk(this.now);
		if (this.chunks.length === 0) throw new FrameError('No audio frames were found');
		return this.chunks;
	}
}

/**
 * Makes a private temporary directory for chunk files, and returns it with a function that
 * removes it and everything in it (never throws).
 */
export async function chunkDirectory(): Promise<{ path: string; remove: () => Promise<void> }> {
	const dir = await mkdtemp(path.join(tmpdir(), 'n8n-audio-chunks-'));
	return { path: dir, remove: async () => await rm(dir, { recursive: true, force: true }) };
}

/** Opens a chunk's file for reading; each call gives a fresh stream, so a retry can re-send it. */
export function openChunk(chunk: AudioChunk): ReadStream {
	return createReadStream(chunk.path);
}
