/**
 * Reasoning over audio with `POST /chat/completions`: the request with an `input_audio` content
 * part, and the reply's text and spoken answer. Shapes from the OpenAI OpenAPI document
 * (`ChatCompletionRequestMessageContentPartAudio`, `ChatCompletionResponseMessage.audio`) and
 * Apertis' Audio API page (https://docs.apertis.ai/api/audio-video/audio). No n8n imports.
 */
import { speechFormatInfo } from '../audio/container';
import { AudioApiError } from '../errors';

/** Input formats an `input_audio` part takes. */
export type ChatInputFormat = 'wav' | 'mp3';

/** Output formats of a spoken answer (`audio.format`). */
export type ChatAudioFormat = 'wav' | 'mp3' | 'flac' | 'opus' | 'aac' | 'pcm16';

/** File extension and MIME type of a spoken answer's format; pcm16 is OpenAI's 24 kHz mono pcm. */
export function chatAudioInfo(format: ChatAudioFormat): { extension: string; mimeType: string } {
	return speechFormatInfo(format === 'pcm16' ? 'pcm' : format);
}

/** What an audio chat request asks. */
export interface AudioChatRequest {
	model: string;
	/** The user's question about the audio. */
	prompt: string;
	systemMessage?: string;
	/** The audio, base64-encoded, and its format. */
	audio: { data: string; format: ChatInputFormat };
	/** When set, the answer is also spoken in this voice and format. */
	spokenAnswer?: { voice: string; format: ChatAudioFormat };
	temperature?: number;
}

/** Builds the JSON body of `POST /chat/completions` for a question about one audio file. */
export function audioChatBody(request: AudioChatRequest): Record<string, unknown> {
	const messages: unknown[] = [];
	if (request.systemMessage) messages.push({ role: 'system', content: request.systemMessage });
	messages.push({
		role: 'user',
		content: [
			...(request.prompt ? [{ type: 'text', text: request.prompt }] : []),
			{
				type: 'input_audio',
				input_audio: { data: request.audio.data, format: request.audio.format },
			},
		],
	});
	const body: Record<string, unknown> = { model: request.model, messages };
	if (request.spokenAnswer) {
		body.modalities = ['text', 'audio'];
		body.audio = { voice: request.spokenAnswer.voice, format: request.spokenAnswer.format };
	}
	if (request.temperature !== undefined) body.temperature = request.temperature;
	return body;
}

/** The answer of a chat completion. */
export interface AudioChatReply {
	/** The text answer; for a spoken answer without text, its transcript. */
	text: string;
	/** The spoken answer's bytes and transcript, when one was asked for. */
	audio?: { bytes: Buffer; transcript?: string; id?: string; expires_at?: number };
	finish_reason?: string;
	id?: string;
	model?: string;
	usage?: Record<string, unknown>;
}

/** Thrown when a reply has no message. */
export class ChatReplyError extends AudioApiError {}

/** Reads a chat completion reply. @throws ChatReplyError when it has no first choice message. */
export function readAudioChatReply(body: unknown): AudioChatReply {
	const reply = body as {
		id?: string;
		model?: string;
		usage?: Record<string, unknown>;
		choices?: Array<{
			finish_reason?: string;
			message?: {
				content?: string | null;
				refusal?: string | null;
				audio?: { id?: string; data?: string; transcript?: string; expires_at?: number };
			};
		}>;
	};
	const choice = reply?.choices?.[0];
	const message = choice?.message;
	if (!message) {
		throw new ChatReplyError(
			'The chat completion reply has no message',
			'Check that the model is a chat model that takes audio, such as gpt-4o-audio-preview.',
		);
	}
	const audio = message.audio?.data
		? {
				bytes: Buffer.from(message.audio.data, 'base64'),
				...(message.audio.transcript ? { transcript: message.audio.transcript } : {}),
				...(message.audio.id ? { id: message.audio.id } : {}),
				...(message.audio.expires_at ? { expires_at: message.audio.expires_at } : {}),
			}
		: undefined;
	return {
		text: String(message.content ?? message.audio?.transcript ?? message.refusal ?? ''),
		...(audio ? { audio } : {}),
		...(choice.finish_reason ? { finish_reason: choice.finish_reason } : {}),
		...(reply.id ? { id: reply.id } : {}),
		...(reply.model ? { model: reply.model } : {}),
		...(reply.usage ? { usage: reply.usage } : {}),
	};
}
