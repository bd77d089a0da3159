/**
 * Server-sent events (WHATWG HTML, "Server-sent events", event stream interpretation) and the
 * audio API's streamed replies assembled into one result. No n8n imports.
 *
 * Events, from the OpenAI OpenAPI document: speech streams `speech.audio.delta` (`audio`, base64)
 * then `speech.audio.done` (`usage`); transcription streams `transcript.text.delta` (`delta`,
 * `logprobs`) then `transcript.text.done` (`text`, `logprobs`, `usage`). Either may send an
 * `error` event. A stream without its final (`*.done`) event was cut off.
 */
import { AudioApiError, CutOffError, parseJson } from '../errors';

/** One event: its `event:` name (if any) and its `data:` lines joined with `\n`. */
export interface SseEvent {
	event?: string;
	data: string;
}

/** Whether a Content-Type is an event stream. */
export function isEventStream(contentType: unknown): boolean {
	return /^text\/event-stream\b/i.test(String(contentType ?? '').trim());
}

/** Parses an event stream's text into events; comments and events without data are dropped. */
export function parseSse(text: string): SseEvent[] {
	const events: SseEvent[] = [];
	for (const block of text.replace(/\r\n?/g, '\n').split(/\n\n+/)) {
		const data: string[] = [];
		let event: string | undefined;
		for (const line of block.split('\n')) {
			if (line.startsWith(':') || line === '') continue;
			const colon = line.indexOf(':');
			const field = colon < 0 ? line : line.slice(0, colon);
			const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
			if (field === 'data') data.push(value);
			else if (field === 'event') event = value;
		}
		if (data.length > 0) events.push({ ...(event ? { event } : {}), data: data.join('\n') });
	}
	return events;
}

/** Thrown for a stream that reports an error or carries what no audio API sends. */
export class StreamError extends AudioApiError {}

function payloads(text: string): Array<Record<string, unknown>> {
	return parseSse(text)
		.filter((e) => e.data !== '[DONE]')
		.map((e) => {
			const payload = parseJson(e.data) as Record<string, unknown> | undefined;
			if (typeof payload !== 'object' || payload === null) {
				throw new StreamError(`An event's data is not JSON: ${e.data.slice(0, 200)}`);
			}
			if (payload.type === 'error' || e.event === 'error') {
				const error = (payload.error ?? payload) as { message?: unknown; code?: unknown };
				throw new StreamError(
					`The provider's stream reported an error: ${String(error.message ?? e.data)}${error.code ? ` (${String(error.code)})` : ''}`,
				);
			}
			return { ...payload, type: payload.type ?? e.event };
		});
}

/**
 * Assembles a streamed speech reply.
 *
 * @returns the audio bytes (the base64 `audio` of every delta, in order) and the `usage` of the
 *   done event.
 * @throws StreamError for an error event, bad data, or a stream with no audio; CutOffError for
 *   a stream without its done event.
 */
export function assembleSpeechStream(text: string): {
	audio: Buffer;
	usage?: Record<string, unknown>;
} {
	const chunks: Buffer[] = [];
	let usage: Record<string, unknown> | undefined;
	let done = false;
	for (const payload of payloads(text)) {
		if (payload.type === 'speech.audio.delta' && typeof payload.audio === 'string') {
			chunks.push(Buffer.from(payload.audio, 'base64'));
		} else if (payload.type === 'speech.audio.done') {
			done = true;
			usage = payload.usage as Record<string, unknown> | undefined;
		}
	}
	if (!done) throw new CutOffError('The speech stream ended before its speech.audio.done event');
	if (chunks.length === 0) throw new StreamError('The speech stream carried no audio');
	return { audio: Buffer.concat(chunks), ...(usage ? { usage } : {}) };
}

/**
 * Assembles a streamed transcript: the done event's `text` (else the deltas joined), with
 * `logprobs` (from the done event, else gathered from the deltas) and `usage`.
 *
 * @throws StreamError for an error event, bad data, or a stream with no text events;
 *   CutOffError for a stream without its done event.
 */
export function assembleTranscriptStream(text: string): Record<string, unknown> & { text: string } {
	let joined = '';
	const logprobs: unknown[] = [];
	let done: Record<string, unknown> | undefined;
	let sawText = false;
	for (const payload of payloads(text)) {
		if (payload.type === 'transcript.text.delta') {
			sawText = true;
			joined += String(payload.delta ?? '');
			if (Array.isArray(payload.logprobs)) logprobs.push(...payload.logprobs);
		} else if (payload.type === 'transcript.text.done') {
			sawText = true;
			done = payload;
		}
	}
	if (!sawText) throw new StreamError('The transcript stream carried no text events');
	if (!done) {
		throw new CutOffError('The transcript stream ended before its transcript.text.done event');
	}
	const result: Record<string, unknown> & { text: string } = {
		text: String(done?.text ?? joined).trim(),
	};
	const finalLogprobs = Array.isArray(done?.logprobs) ? done.logprobs : logprobs;
	if (finalLogprobs.length > 0) result.logprobs = finalLogprobs;
	if (done?.usage) result.usage = done.usage;
	return result;
}
