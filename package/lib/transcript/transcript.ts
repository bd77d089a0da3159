/**
 * Reading `POST /audio/transcriptions` and `/audio/translations` replies into one shape,
 * whatever `response_format` was asked for. No n8n imports.
 */
import { cuesToText, parseSubtitles, type Cue, type SubtitleFormat } from './subtitles';

/**
 * Transcript `response_format` values (OpenAI OpenAPI, `AudioResponseFormat`).
 * Translations accept all but `diarized_json`.
 */
export type TranscriptFormat = 'json' | 'text' | 'srt' | 'vtt' | 'verbose_json' | 'diarized_json';

/** A transcript read from any `response_format`. */
export interface Transcript {
	/** The plain text of the whole transcript. */
	text: string;
	/** For `srt` and `vtt`: the subtitle file exactly as the provider sent it. */
	subtitles?: string;
	/** For `srt` and `vtt`: the parsed cues. */
	cues?: Cue[];
	/**
	 * For JSON formats: every field of the reply (`language`, `duration`, `segments`, `words`,
	 * `logprobs`, `usage`, `request_id`, ...), as the provider sent them.
	 */
	reply?: Record<string, unknown>;
}

/** Thrown when a reply's body does not match the asked `response_format`. */
export class TranscriptFormatError extends Error {}

/**
 * Reads a transcription or translation reply body.
 *
 * @param format the `response_format` that was sent.
 * @param body the reply body as text (UTF-8 decoded).
 * @throws TranscriptFormatError when a JSON format's body is not a JSON object with `text`.
 */
export function readTranscript(format: TranscriptFormat, body: string): Transcript {
	switch (format) {
		case 'text':
			return { text: body.trim() };
		case 'srt':
		case 'vtt': {
			const cues = parseSubtitles(body);
			return { text: cuesToText(cues), subtitles: body, cues };
		}
		default: {
			let reply: unknown;
			try {
				reply = JSON.parse(body);
			} catch {
				throw new TranscriptFormatError(
					`Expected a JSON transcript for response_format "${format}", got: ${body.slice(0, 200)}`,
				);
			}
			if (
				typeof reply !== 'object' ||
				reply === null ||
				typeof (reply as { text?: unknown }).text !== 'string'
			) {
				throw new TranscriptFormatError(
					`The ${format} transcript has no "text" field: ${body.slice(0, 200)}`,
				);
			}
			const record = reply as Record<string, unknown>;
			return { text: (record.text as string).trim(), reply: record };
		}
	}
}

/** The subtitle format of a `response_format`, or `undefined` for the others. */
export function subtitleFormatOf(format: TranscriptFormat): SubtitleFormat | undefined {
	return format === 'srt' || format === 'vtt' ? format : undefined;
}
