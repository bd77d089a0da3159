/**
 * Joining speech parts into one file of the same format, without re-encoding. No n8n imports.
 */
import { AudioApiError } from '../errors';
import type { SpeechFormat } from './container';
import { framesOf } from './frames';
import { readWavLayout, sameWavFormat, wavHeader } from './wav';

/** Thrown when parts cannot be joined; the hint names the fix. */
export class JoinError extends AudioApiError {}

/** Speech `response_format` values {@link joinAudio} can join. */
export const JOINABLE_FORMATS: ReadonlySet<SpeechFormat> = new Set(['mp3', 'wav', 'pcm', 'aac']);

/**
 * Joins audio files of one format, in order, into one file.
 *
 * - `mp3` and `aac` (ADTS): the frames of every part, with ID3 tags and Xing/Info/VBRI frames
 *   dropped (their counts would describe one part only).
 * - `wav`: the samples of every part under one new header; all parts must share one format.
 * - `pcm`: the raw bytes, concatenated.
 *
 * @param format the speech `response_format` of every part.
 * @param parts the files, in order.
 * @throws JoinError for `opus` and `flac` (each part is a complete stream with its own headers
 *   and granule positions), for WAV parts with different formats, or for parts that are not
 *   valid files of the format; FrameError for mp3 or aac parts without frames.
 */
export function joinAudio(format: SpeechFormat, parts: Buffer[]): Buffer {
	if (parts.length === 1) return parts[0];
	switch (format) {
		case 'pcm':
			return Buffer.concat(parts);
		case 'mp3':
		case 'aac':
			return Buffer.concat(parts.flatMap((part) => framesOf(part, format).map((f) => f.bytes)));
		case 'wav': {
			const layouts = parts.map((part) => {
				const layout = readWavLayout(part);
				if (!layout) {
					throw new JoinError(
						'A speech part is not a complete WAV file',
						'Choose mp3 as the Response Format, or check that the provider returns WAV.',
					);
				}
				return layout;
			});
			if (!layouts.every((l) => sameWavFormat(l.format, layouts[0].format))) {
				throw new JoinError(
					'The speech parts came back in different WAV formats',
					'Choose mp3 as the Response Format.',
				);
			}
			const data = parts.map((part, i) => {
				const { dataOffset, dataSize } = layouts[i];
				return part.subarray(
					dataOffset,
					dataSize === undefined ? undefined : dataOffset + dataSize,
				);
			});
			const total = data.reduce((sum, d) => sum + d.length, 0);
			return Buffer.concat([wavHeader(layouts[0].format, total), ...data]);
		}
		default:
			throw new JoinError(
				`${format} speech cannot be joined from parts without re-encoding`,
				'Choose mp3, wav, aac or pcm as the Response Format, shorten the text to 4,096 characters, or turn off Split Long Text.',
			);
	}
}
