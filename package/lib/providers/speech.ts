/**
 * Speech per API style: the request body and reading the reply into audio. No n8n imports.
 */
import { assembleSpeechStream, isEventStream } from '../http/sse';
import { speechBody, type SpeechRequest } from '../openai/requests';
import { opperSpeechBody, readOpperSpeech } from './opper';
import type { ApiStyle } from './style';

/**
 * The JSON body of a speech request in a style.
 *
 * @param store Opper only: keep the audio and return a `file_id` and `url`.
 * @throws RequestParameterError for invalid parameters (see `speechBody`).
 */
export function speechRequestBody(
	style: ApiStyle,
	request: SpeechRequest,
	store = true,
): Record<string, unknown> {
	const body = speechBody(request);
	return style === 'opper' ? opperSpeechBody(request, store) : body;
}

/** Thrown when a reply holds no audio; the message quotes what it held. */
export class NotAudioError extends Error {}

/** Audio read from a speech reply, with whatever else the provider said about it. */
export interface SpeechReply {
	audio: Buffer;
	/** The MIME type the provider stated for the audio (Opper's `audio.mime_type`), if any. */
	mimeType?: string;
	/** Fields for the output item: `usage`, and Opper's `file_id` and `url`. */
	details: Record<string, unknown>;
}

/**
 * Whether a speech reply with this content type is the audio itself (and can go straight into a
 * binary), rather than events, Opper's JSON, or an error page.
 */
export function replyIsAudio(style: ApiStyle, contentType: string): boolean {
	if (isEventStream(contentType)) return false;
	if (style === 'opper' && /json/i.test(contentType)) return false;
	return !/json|text\/(plain|html)/i.test(contentType);
}

/**
 * Reads a speech reply: raw audio; server-sent events (asked for or not); or, for Opper, JSON with
 * base64 audio.
 *
 * @throws NotAudioError for JSON, text or HTML where audio was expected; StreamError or
 *   OpperError for a stream or Opper reply that carries no audio.
 */
export function readSpeechReply(style: ApiStyle, contentType: string, body: Buffer): SpeechReply {
	if (isEventStream(contentType)) {
		const { audio, usage } = assembleSpeechStream(body.toString('utf8'));
		return { audio, details: usage ? { usage } : {} };
	}
	if (style === 'opper' && /json/i.test(contentType)) {
		const {
			audio,
			mimeType: _mimeType,
			...details
		} = readOpperSpeech(JSON.parse(body.toString('utf8')));
		return { audio, details };
	}
	if (!replyIsAudio(style, contentType)) {
		throw new NotAudioError(
			`The provider answered with ${contentType.split(';')[0]} instead of audio: ${body.toString('utf8', 0, 200)}`,
		);
	}
	return { audio: body, details: {} };
}
