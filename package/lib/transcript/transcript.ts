/**
 * Reading `POST /audio/transcriptions` and `/audio/translations` replies into one shape,
 * whatever `response_format` was asked for, by what the reply really is (its Content-Type): some
 * models answer JSON whatever was asked (Apertis documents this for gpt-4o-transcribe and
 * gpt-4o-mini-transcribe), and a proxy may answer an HTML page. No n8n imports.
 */
import { AudioApiError, parseJson } from '../errors';
import { assembleTranscriptStream, isEventStream } from '../http/sse';
import {
	cuesToText,
	formatSubtitles,
	parseSubtitles,
	type Cue,
	type SubtitleFormat,
} from './subtitles';

/**
 * Transcript `response_format` values (OpenAI OpenAPI, `AudioResponseFormat`).
 * Translations accept all but `diarized_json`.
 */
export type TranscriptFormat = 'json' | 'text' | 'srt' | 'vtt' | 'verbose_json' | 'diarized_json';

/** A transcript read from any `response_format`. */
export interface Transcript {
	/** The plain text of the whole transcript. */
	text: string;
	/** For `srt` and `vtt`: the subtitle file's text. */
	subtitles?: string;
	/** For `srt` and `vtt`: the cues, times in seconds. */
	cues?: Cue[];
	/**
	 * For JSON replies: every field of the reply (`language`, `duration`, `segments`, `words`,
	 * `logprobs`, `usage`, `request_id`, ...), as the provider sent them.
	 */
	reply?: Record<string, unknown>;
}

/** Thrown when a reply is not a transcript in the asked `response_format`; the hint says what to pick. */
export class TranscriptFormatError extends AudioApiError {}

const JSON_FORMATS: ReadonlySet<TranscriptFormat> = new Set([
	'json',
	'verbose_json',
	'diarized_json',
]);

/** A page from a proxy, a login or a website: HTML by its type or its first characters. */
export function isHtml(contentType: string, body: string): boolean {
	return /html/i.test(contentType) || /^\s*<(!doctype|html)/i.test(body);
}

/** A short quote of a body for an error message. */
export function quote(body: string): string {
	const text = body.trim().replace(/\s+/g, ' ');
	return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Whether a JSON transcript carries timed segments that can become cues. */
function segmentsOf(reply: Record<string, unknown>): Cue[] | undefined {
	if (!Array.isArray(reply.segments)) return undefined;
	const cues: Cue[] = [];
	for (const segment of reply.segments as Array<Record<string, unknown>>) {
		if (typeof segment?.start !== 'number' || typeof segment?.end !== 'number') return undefined;
		cues.push({
			index: cues.length + 1,
			start: segment.start,
			end: segment.end,
			text: String(segment.text ?? '').trim(),
		});
	}
	return cues;
}

/**
 * Reads a transcription or translation reply body.
 *
 * - An event stream (asked for or not) is assembled into the final text.
 * - JSON where subtitles were asked becomes cues when it carries timed segments; JSON where
 *   text was asked gives its `text`.
 * - Subtitles and text are read as text; JSON formats must be a JSON object with `text`.
 *
 * @param format the `response_format` that was sent.
 * @param contentType the reply's Content-Type (may be empty).
 * @param body the reply body as text (UTF-8 decoded).
 * @throws TranscriptFormatError when the reply is an HTML page, JSON without segments where
 *   subtitles were asked, or not JSON where JSON was asked; StreamError for a broken stream.
 */
export function readTranscript(
	format: TranscriptFormat,
	contentType: string,
	body: string,
): Transcript {
	if (isEventStream(contentType)) {
		const reply = assembleTranscriptStream(body);
		return { text: reply.text, reply };
	}
	if (isHtml(contentType, body)) {
		throw new TranscriptFormatError(
			`The server answered with an HTML page instead of a transcript: ${quote(body)}`,
			'Check the Base URL in the Audio API credential: it must be the API root (usually ending in /v1), not a website or a proxy page.',
		);
	}
	const parsed = /json/i.test(contentType) || /^\s*\{/.test(body) ? parseJson(body) : undefined;
	const reply =
		typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
			? (parsed as Record<string, unknown>)
			: undefined;
	if (JSON_FORMATS.has(format)) {
		if (!reply || typeof reply.text !== 'string') {
			throw new TranscriptFormatError(
				`Expected a JSON transcript for response_format "${format}", got: ${quote(body)}`,
				'Pick Text, SRT or VTT as the Response Format if the provider answers in text, or check the Base URL.',
			);
		}
		return { text: reply.text.trim(), reply };
	}
	if (format === 'text') {
		if (reply && typeof reply.text === 'string') return { text: reply.text.trim(), reply };
		return { text: body.trim() };
	}
	if (reply) {
		const cues = segmentsOf(reply);
		if (!cues) {
			throw new TranscriptFormatError(
				`The model answered JSON where ${format} subtitles were asked, and the JSON has no timed segments: this model answers JSON only`,
				'Pick JSON or Verbose JSON as the Response Format, or a model that writes subtitles, such as whisper-1.',
			);
		}
		return {
			text: typeof reply.text === 'string' ? reply.text.trim() : cuesToText(cues),
			subtitles: formatSubtitles(cues, format as SubtitleFormat),
			cues,
			reply,
		};
	}
	const cues = parseSubtitles(body);
	return { text: cuesToText(cues), subtitles: body, cues };
}

/** The subtitle format of a `response_format`, or `undefined` for the others. */
export function subtitleFormatOf(format: TranscriptFormat): SubtitleFormat | undefined {
	return format === 'srt' || format === 'vtt' ? format : undefined;
}

/**
 * Cues from a transcript: its own cues (srt, vtt), else the timed segments of its JSON reply
 * (verbose_json, diarized_json), else `undefined`.
 */
export function cuesOf(transcript: Transcript): Cue[] | undefined {
	return transcript.cues ?? (transcript.reply ? segmentsOf(transcript.reply) : undefined);
}
