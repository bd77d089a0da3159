/**
 * RIFF/WAVE headers: reading the layout of a file's first bytes, writing a header for a chunk or
 * a joined file, and finding the quietest moment in a run of PCM samples. No n8n imports.
 *
 * Layout rules: Microsoft "Multimedia Programming Interface and Data Specifications 1.0"
 * (RIFF chunks, padded to even sizes) and the WAVE_FORMAT_EXTENSIBLE note.
 */
import { AudioApiError } from '../errors';

/** Thrown when bytes are not a WAV file this module can read. */
export class WavError extends AudioApiError {
	constructor(message: string) {
		super(message, 'Check that the file is a valid WAV, or convert it (for example to mp3) first.');
	}
}

/** The `fmt ` chunk of a WAV file. */
export interface WavFormat {
	/** 1 = integer PCM, 3 = IEEE float, 0xFFFE = extensible; others are compressed. */
	formatTag: number;
	channels: number;
	/** Samples per second per channel. */
	sampleRate: number;
	/** Bytes per second. */
	byteRate: number;
	/** Bytes per sample frame (all channels): the unit a WAV may be cut at. */
	blockAlign: number;
	bitsPerSample: number;
	/** The `fmt ` chunk's body as found, so that chunks keep extensible fields. */
	fmtBody: Buffer;
}

/** Where the samples of a WAV file are. */
export interface WavLayout {
	format: WavFormat;
	/** Offset in bytes of the first sample, from the start of the file. */
	dataOffset: number;
	/**
	 * Length of the sample data in bytes, or `undefined` when the header does not say (0 or
	 * 0xFFFFFFFF, as streaming encoders write): the data then runs to the end of the file.
	 */
	dataSize: number | undefined;
}

const MAX_HEADER_BYTES = 1024 * 1024;

/**
 * Reads a WAV file's layout from its first bytes.
 *
 * @param head the file's first bytes; the `data` chunk's header must be inside them.
 * @returns the layout, or `undefined` when `head` ends before the `data` chunk (read more).
 * @throws WavError when the bytes are not RIFF/WAVE, the `fmt ` chunk is missing or invalid, or
 *   no `data` chunk starts within the first 1 MB.
 */
export function readWavLayout(head: Buffer): WavLayout | undefined {
	if (head.length < 12) return undefined;
	if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') {
		throw new WavError(
			head.toString('latin1', 0, 4) === 'RF64'
				? 'RF64 WAV files (over 4 GB) are not supported'
				: 'Not a RIFF/WAVE file',
		);
	}
	let format: WavFormat | undefined;
	let offset = 12;
	while (offset + 8 <= head.length) {
		const id = head.toString('latin1', offset, offset + 4);
		const size = head.readUInt32LE(offset + 4);
		if (id === 'data') {
			if (!format) throw new WavError('The WAV file has no fmt chunk before its data');
			const unknown = size === 0 || size === 0xffffffff;
			return { format, dataOffset: offset + 8, dataSize: unknown ? undefined : size };
		}
		if (offset + 8 + size > head.length) {
			if (offset + 8 + size > MAX_HEADER_BYTES) {
				throw new WavError('No data chunk within the first 1 MB of the WAV file');
			}
			return undefined;
		}
		if (id === 'fmt ') format = readFormat(head.subarray(offset + 8, offset + 8 + size));
		offset += 8 + size + (size % 2);
	}
	if (offset > MAX_HEADER_BYTES) throw new WavError('No data chunk within the first 1 MB');
	return undefined;
}

function readFormat(body: Buffer): WavFormat {
	if (body.length < 16) throw new WavError('The WAV fmt chunk is shorter than 16 bytes');
	const format: WavFormat = {
		formatTag: body.readUInt16LE(0),
		channels: body.readUInt16LE(2),
		sampleRate: body.readUInt32LE(4),
		byteRate: body.readUInt32LE(8),
		blockAlign: body.readUInt16LE(12),
		bitsPerSample: body.readUInt16LE(14),
		fmtBody: Buffer.from(body),
	};
	if (!format.channels || !format.sampleRate || !format.blockAlign || !format.byteRate) {
		throw new WavError('The WAV fmt chunk has a zero channel count, rate or block size');
	}
	return format;
}

/**
 * A WAV header for `dataBytes` bytes of samples in `format`: `RIFF`, the original `fmt ` chunk
 * body, and the `data` chunk header. The samples follow it directly.
 *
 * @returns the header bytes (44 bytes for a plain 16-byte `fmt ` chunk).
 */
export function wavHeader(format: WavFormat, dataBytes: number): Buffer {
	const fmt = format.fmtBody;
	const fmtPadded = fmt.length + (fmt.length % 2);
	const header = Buffer.alloc(12 + 8 + fmtPadded + 8);
	header.write('RIFF', 0, 'latin1');
	header.writeUInt32LE(header.length - 8 + dataBytes + (dataBytes % 2), 4);
	header.write('WAVE', 8, 'latin1');
	header.write('fmt ', 12, 'latin1');
	header.writeUInt32LE(fmt.length, 16);
	fmt.copy(header, 20);
	header.write('data', 20 + fmtPadded, 'latin1');
	header.writeUInt32LE(dataBytes, 24 + fmtPadded);
	return header;
}

/** A plain 16-bit integer PCM format, e.g. for OpenAI's `pcm` speech (24 kHz mono). */
export function pcm16Format(sampleRate: number, channels = 1): WavFormat {
	const blockAlign = 2 * channels;
	const fmtBody = Buffer.alloc(16);
	fmtBody.writeUInt16LE(1, 0);
	fmtBody.writeUInt16LE(channels, 2);
	fmtBody.writeUInt32LE(sampleRate, 4);
	fmtBody.writeUInt32LE(sampleRate * blockAlign, 8);
	fmtBody.writeUInt16LE(blockAlign, 12);
	fmtBody.writeUInt16LE(16, 14);
	return {
		formatTag: 1,
		channels,
		sampleRate,
		byteRate: sampleRate * blockAlign,
		blockAlign,
		bitsPerSample: 16,
		fmtBody,
	};
}

/** Whether two formats hold the same kind of samples, so that their data can be concatenated. */
export function sameWavFormat(a: WavFormat, b: WavFormat): boolean {
	return a.fmtBody.equals(b.fmtBody);
}

/**
 * The middle of the longest quiet run in a series of loudness values: the values within a tenth
 * of the way from the quietest to the loudest count as quiet; among equally long runs the latest
 * wins, so that chunks stay as long as the limit allows. Cutting in the middle of a pause leaves
 * the words on both sides whole, even where a pause's edges are not clean.
 *
 * @param values loudness per step (any unit, larger is louder); at least one.
 * @returns the index of the step at the middle of the run.
 */
export function middleOfQuietestRun(values: readonly number[]): number {
	let min = Infinity;
	let max = -Infinity;
	for (const value of values) {
		if (value < min) min = value;
		if (value > max) max = value;
	}
	const threshold = min + (max - min) * 0.1;
	let best = { start: values.length - 1, length: 0 };
	let start = -1;
	for (let i = 0; i <= values.length; i++) {
		const quiet = i < values.length && values[i] <= threshold;
		if (quiet && start < 0) start = i;
		if (!quiet && start >= 0) {
			if (i - start >= best.length) best = { start, length: i - start };
			start = -1;
		}
	}
	return best.start + Math.floor(best.length / 2);
}

/**
 * The quietest place in `samples` to cut at: the middle of the longest run of quiet 20 ms windows
 * (see {@link middleOfQuietestRun}). Only 8- and 16-bit integer PCM is measured; other encodings
 * are cut at the end.
 *
 * @param samples whole sample frames in `format` (length a multiple of `blockAlign`).
 * @returns a byte offset into `samples`, a multiple of `blockAlign`, greater than 0.
 */
export function quietestCut(samples: Buffer, format: WavFormat): number {
	const { blockAlign, bitsPerSample, byteRate } = format;
	const integer = format.formatTag === 1 || format.formatTag === 0xfffe;
	const end = samples.length - (samples.length % blockAlign);
	if (!integer || (bitsPerSample !== 16 && bitsPerSample !== 8) || end === 0) return end;
	const window = Math.max(blockAlign, Math.floor((byteRate * 0.02) / blockAlign) * blockAlign);
	if (end < window) return end;
	const bytesPerSample = bitsPerSample / 8;
	const energies: number[] = [];
	for (let start = 0; start + window <= end; start += window) {
		let energy = 0;
		for (let i = start; i < start + window; i += bytesPerSample) {
			const value = bytesPerSample === 2 ? samples.readInt16LE(i) : samples[i] - 128;
			energy += value * value;
		}
		energies.push(energy);
	}
	const middle = middleOfQuietestRun(energies);
	return Math.max(blockAlign, middle * window + Math.floor(window / 2 / blockAlign) * blockAlign);
}
