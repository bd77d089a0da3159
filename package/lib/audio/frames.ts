/**
 * Frame-by-frame reading of MPEG audio (MP3, and layers I and II) and ADTS AAC streams, so that
 * they can be cut and joined at frame boundaries without decoding. No n8n imports.
 *
 * Header layouts: ISO/IEC 11172-3 and 13818-3 (MPEG audio), ISO/IEC 13818-7 (ADTS). Tags:
 * ID3v2 (id3.org, section 3.1), ID3v1 (the 128-byte "TAG" trailer), APEv2 ("APETAGEX"). The
 * Xing/Info header (LAME) and the VBRI header (Fraunhofer) are frames without audio that hold
 * whole-file frame counts, wrong for any cut.
 */
import { AudioApiError } from '../errors';
import { id3v2Size } from './container';

/** Thrown when a stream cannot be cut into frames. */
export class FrameError extends AudioApiError {}

/** One audio frame. */
export interface AudioFrame {
	/** The frame's bytes, header included. */
	bytes: Buffer;
	/** Where the frame starts in the stream, in bytes from its first byte. */
	offset: number;
	/** Samples per channel the frame decodes to. */
	samples: number;
	/** Samples per second. */
	sampleRate: number;
	/**
	 * How much audio the frame carries, in no particular unit, for picking quiet cut points: for
	 * MP3 layer III the bits of its main data; for AAC its size in bytes (quiet frames are small).
	 */
	weight: number;
}

export type FrameCodec = 'mp3' | 'aac';

interface FrameHeader {
	length: number;
	samples: number;
	sampleRate: number;
}

/**
 * Bytes of a new block joined to the end of the last one, enough to finish any frame that
 * straddles them (MP3 frames are at most 2,881 bytes, ADTS frames at most 8,191) and to read a
 * tag's header.
 */
const JOIN_BYTES = 16 * 1024;

const MPEG_BITRATES: Record<string, number[]> = {
	// [version 1 | 2][layer], kbps by index 1..14
	'1-1': [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
	'1-2': [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
	'1-3': [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
	'2-1': [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
	'2-2': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
	'2-3': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MPEG_RATES = [44100, 48000, 32000];
const ADTS_RATES = [
	96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/**
 * Reads an MPEG audio frame header at `offset`.
 *
 * @returns the frame's length in bytes, samples and rate; `undefined` when there is no valid
 *   header there.
 * @throws FrameError for a free-format frame (bitrate index 0), whose length cannot be known.
 */
export function mpegFrameHeader(bytes: Uint8Array, offset: number): FrameHeader | undefined {
	if (offset + 4 > bytes.length) return undefined;
	const b1 = bytes[offset + 1];
	const b2 = bytes[offset + 2];
	if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
	const versionBits = (b1 >> 3) & 0x03; // 00 = 2.5, 10 = 2, 11 = 1
	const layerBits = (b1 >> 1) & 0x03; // 01 = III, 10 = II, 11 = I
	const bitrateIndex = b2 >> 4;
	const rateIndex = (b2 >> 2) & 0x03;
	if (versionBits === 1 || layerBits === 0 || bitrateIndex === 15 || rateIndex === 3) {
		return undefined;
	}
	if (bitrateIndex === 0) {
		throw new FrameError(
			'Free-format MP3 (no bitrate in the frame headers) cannot be split',
			'Re-encode it at a fixed bitrate first (for example ffmpeg -i in.mp3 -b:a 64k out.mp3).',
		);
	}
	const layer = 4 - layerBits;
	const mpeg1 = versionBits === 3;
	const bitrate = MPEG_BITRATES[`${mpeg1 ? 1 : 2}-${layer}`][bitrateIndex - 1] * 1000;
	const sampleRate = MPEG_RATES[rateIndex] / (mpeg1 ? 1 : versionBits === 2 ? 2 : 4);
	const padding = (b2 >> 1) & 0x01;
	if (layer === 1) {
		return {
			length: (Math.floor((12 * bitrate) / sampleRate) + padding) * 4,
			samples: 384,
			sampleRate,
		};
	}
	const samples = layer === 3 && !mpeg1 ? 576 : 1152;
	return {
		length: Math.floor(((samples / 8) * bitrate) / sampleRate) + padding,
		samples,
		sampleRate,
	};
}

/** Reads an ADTS AAC frame header at `offset`, or `undefined` when there is none. */
export function adtsFrameHeader(bytes: Uint8Array, offset: number): FrameHeader | undefined {
	if (offset + 7 > bytes.length) return undefined;
	if (bytes[offset] !== 0xff || (bytes[offset + 1] & 0xf6) !== 0xf0) return undefined;
	const rateIndex = (bytes[offset + 2] >> 2) & 0x0f;
	if (rateIndex >= ADTS_RATES.length) return undefined;
	const length =
		((bytes[offset + 3] & 0x03) << 11) | (bytes[offset + 4] << 3) | (bytes[offset + 5] >> 5);
	if (length < 7) return undefined;
	const blocks = (bytes[offset + 6] & 0x03) + 1;
	return { length, samples: 1024 * blocks, sampleRate: ADTS_RATES[rateIndex] };
}

function bits(bytes: Uint8Array, bitOffset: number, count: number): number {
	let value = 0;
	for (let i = 0; i < count; i++) {
		const bit = bitOffset + i;
		value = (value << 1) | ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1);
	}
	return value;
}

/**
 * How much audio an MPEG layer III frame carries, read from its side info without decoding: the
 * bits its granules spend on scale factors and Huffman-coded spectrum (`part2_3_length`, ISO/IEC
 * 11172-3 section 2.4.1.7; 13818-3 for the single-granule MPEG-2 side info). Silence costs next
 * to no bits and speech many, whatever the bitrate (the bit reservoir lends a constant-bitrate
 * stream's unused bits to later frames); the quantizer's `global_gain` cannot tell, since encoders
 * write its maximum for digital silence. Other layers give 0.
 */
export function mpegMainDataBits(frame: Uint8Array): number {
	const layerBits = (frame[1] >> 1) & 0x03;
	if (layerBits !== 1 || frame.length < 6) return 0;
	const mpeg1 = ((frame[1] >> 3) & 0x03) === 3;
	const channels = frame[3] >> 6 === 3 ? 1 : 2;
	const crc = (frame[1] & 0x01) === 0 ? 16 : 0;
	// Past main_data_begin, the private bits and (MPEG-1) scfsi.
	let at = 32 + crc + (mpeg1 ? 9 + (channels === 1 ? 5 : 3) + 4 * channels : 8 + channels);
	const count = (mpeg1 ? 2 : 1) * channels;
	const perGranule = mpeg1 ? 59 : 63;
	let total = 0;
	for (let g = 0; g < count; g++) {
		if ((at + 12) >> 3 >= frame.length) break;
		total += bits(frame, at, 12);
		at += perGranule;
	}
	return total;
}

/** Whether an MPEG frame is a Xing/Info or VBRI header frame rather than audio. */
export function isMpegInfoFrame(frame: Uint8Array): boolean {
	const text = (offset: number) =>
		offset + 4 <= frame.length ? String.fromCharCode(...frame.subarray(offset, offset + 4)) : '';
	const mpeg1 = ((frame[1] >> 3) & 0x03) === 3;
	const mono = frame[3] >> 6 === 3;
	const sideInfo = mpeg1 ? (mono ? 17 : 32) : mono ? 9 : 17;
	const xing = text(4 + sideInfo);
	return xing === 'Xing' || xing === 'Info' || text(36) === 'VBRI';
}

/**
 * Cuts a byte stream into frames as the bytes arrive, keeping at most one frame plus one
 * incoming block in memory beyond the frames it returns. Frames are views of the incoming blocks
 * (a frame that straddles two blocks is a view of a small join), so a frame held keeps its block
 * alive. Tags (ID3v2 anywhere, ID3v1, APEv2) and the Xing/Info/VBRI frame
 * are dropped; bytes between frames that are no header are skipped until two frames in a row
 * line up again.
 */
export class FrameReader {
	private pending: Buffer = Buffer.alloc(0);

	/** Offset in the stream of `pending`'s first byte. */
	private base = 0;

	private skip = 0;

	private framesSeen = 0;

	/** Whether bytes were skipped since the last frame: the next header must then be confirmed. */
	private resyncing = false;

	/** Bytes dropped while looking for frames (tags excluded). */
	junkBytes = 0;

	constructor(readonly codec: FrameCodec) {}

	/**
	 * Adds bytes and returns the frames now complete.
	 *
	 * @throws FrameError for free-format MP3.
	 */
	push(bytes: Uint8Array): AudioFrame[] {
		const block = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
		if (this.pending.length === 0) {
			this.pending = block;
			return this.read(false);
		}
		// A frame straddles the two blocks. Only what is left of the last block and the head of
		// this one are joined (a copy); once read past the join, the rest of the block is read in
		// place, so that frames are views of the blocks as they came, not copies.
		const carried = this.pending.length;
		const head = Math.min(block.length, JOIN_BYTES);
		this.pending = Buffer.concat([this.pending, block.subarray(0, head)]);
		const frames = this.read(false);
		if (head === block.length) return frames;
		const consumed = carried + head - this.pending.length;
		this.pending =
			consumed >= carried
				? block.subarray(consumed - carried)
				: Buffer.concat([this.pending, block.subarray(head)]);
		return frames.concat(this.read(false));
	}

	/** Returns the last frames once the stream has ended; a cut-off last frame is dropped. */
	end(): AudioFrame[] {
		return this.read(true);
	}

	private header(offset: number): FrameHeader | undefined {
		return this.codec === 'mp3'
			? mpegFrameHeader(this.pending, offset)
			: adtsFrameHeader(this.pending, offset);
	}

	private read(final: boolean): AudioFrame[] {
		const frames: AudioFrame[] = [];
		const buf = this.pending;
		let at = Math.min(this.skip, buf.length);
		this.skip -= at;
		const base = this.base;
		while (at < buf.length) {
			if (buf.length - at < 10 && !final) break;
			const tag = buf.toString('latin1', at, at + 8);
			if (tag.startsWith('ID3')) {
				const size = id3v2Size(buf, at);
				if (size === 0 && !final) break;
				if (size > 0) {
					at = this.skipBytes(at, size);
					continue;
				}
			}
			if (tag.startsWith('TAG') && (buf.length - at >= 128 || final)) {
				at = this.skipBytes(at, 128);
				continue;
			}
			if (tag === 'APETAGEX') {
				if (buf.length - at < 16 && !final) break;
				// The APEv2 footer's size field counts the items and the footer.
				at = this.skipBytes(at, buf.length - at >= 16 ? buf.readUInt32LE(at + 12) : 32);
				continue;
			}
			const header = this.header(at);
			if (!header) {
				at++;
				this.junkBytes++;
				this.resyncing = true;
				continue;
			}
			if (at + header.length > buf.length) {
				if (final) this.junkBytes += buf.length - at;
				if (final) at = buf.length;
				break;
			}
			// A lone 0xFFF.. inside junk can look like a header: trust it only if the next frame
			// (or the end of the stream, or a tag) follows it.
			// ADTS needs 7 bytes to read a header, MP3 4: wait for 10 as above.
			const next = at + header.length;
			if (this.framesSeen === 0 || this.resyncing) {
				if (next + 10 > buf.length && !final) break;
				const follows =
					next + 10 > buf.length ||
					this.header(next) !== undefined ||
					/^(TAG|ID3|APE)/.test(buf.toString('latin1', next, next + 3));
				if (!follows) {
					at++;
					this.junkBytes++;
					this.resyncing = true;
					continue;
				}
			}
			const bytes = buf.subarray(at, next);
			const info = this.codec === 'mp3' && this.framesSeen === 0 && isMpegInfoFrame(bytes);
			this.framesSeen++;
			this.resyncing = false;
			if (!info) {
				const weight = this.codec === 'mp3' ? mpegMainDataBits(bytes) : bytes.length;
				frames.push({
					bytes,
					offset: base + at,
					samples: header.samples,
					sampleRate: header.sampleRate,
					weight,
				});
			}
			at = next;
		}
		const consumed = Math.min(at, buf.length);
		this.pending = buf.subarray(consumed);
		this.base = base + consumed;
		if (final && this.pending.length > 0) this.junkBytes += this.pending.length;
		return frames;
	}

	private skipBytes(at: number, count: number): number {
		const target = at + count;
		if (target > this.pending.length) {
			this.skip = target - this.pending.length;
			return this.pending.length;
		}
		return target;
	}
}

/**
 * Every frame of a whole stream in memory: for joining speech parts.
 *
 * @throws FrameError for free-format MP3, or when no frame is found.
 */
export function framesOf(bytes: Buffer, codec: FrameCodec): AudioFrame[] {
	const reader = new FrameReader(codec);
	const frames = [...reader.push(bytes), ...reader.end()];
	if (frames.length === 0) {
		throw new FrameError(
			`No ${codec === 'mp3' ? 'MP3' : 'ADTS AAC'} frames found`,
			`Check that the file is a valid ${codec}.`,
		);
	}
	return frames;
}
