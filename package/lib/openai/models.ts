/**
 * `GET /models` replies and what kind of audio model each entry is. No n8n imports.
 */
import { AudioApiError } from '../errors';

/**
 * `tts` turns text into speech, `stt` speech into text, `chat` is a chat model that takes and
 * speaks audio (gpt-4o-audio-preview, gpt-audio), `other` is anything else.
 */
export type ModelKind = 'tts' | 'stt' | 'chat' | 'other';

/** One model of a `GET /models` reply (OpenAI OpenAPI, `Model`), with its inferred kind. */
export interface ModelInfo {
	id: string;
	owned_by?: string;
	/** Unix time in seconds, when the provider sends it. */
	created?: number;
	kind: ModelKind;
}

// Names used by OpenAI, Groq, Azure deployments and self-hosted servers (speaches, LocalAI,
// Kokoro-FastAPI, openedai-speech, piper). Checked in order: "gpt-4o-mini-tts" must be tts
// before "gpt-4o" could match anything else.
const TTS = /(^|[-_/.])(tts|speech|kokoro|piper|xtts|bark|voice|orpheus|playai|f5)([-_/.]|\d|$)/i;
const STT =
	/(whisper|transcribe|(^|[-_/.])(stt|asr|sensevoice|parakeet|canary|distil|funasr|paraformer)([-_/.]|\d|$))/i;

/** Infers from a model ID whether it is a text-to-speech, speech-to-text or other model. */
export function inferModelKind(id: string): ModelKind {
	if (TTS.test(id)) return 'tts';
	if (STT.test(id)) return 'stt';
	if (/(^|[-_/.])(gpt-)?(4o-)?(mini-)?audio([-_/.]|$)/i.test(id)) return 'chat';
	return 'other';
}

/**
 * Whether a model translates speech into English (`POST /audio/translations`): OpenAI offers only
 * whisper-1 there, and other servers their Whisper models (Groq's whisper-large-v3); the
 * gpt-4o transcribe models do not translate.
 */
export function translatesSpeech(id: string): boolean {
	return /whisper/i.test(id);
}

/** Thrown when a `GET /models` reply is not `{"data": [...]}` or a bare array of models. */
export class ModelListError extends AudioApiError {}

/**
 * Reads a `GET /models` reply. Accepts OpenAI's `{"object": "list", "data": [...]}` and the bare
 * array some self-hosted servers send. Entries without a string `id` are skipped.
 *
 * @throws ModelListError when the body has no model list at all.
 * @returns the models sorted by `id`.
 */
export function readModelList(body: unknown): ModelInfo[] {
	const list = Array.isArray(body)
		? body
		: body && typeof body === 'object' && Array.isArray((body as { data?: unknown }).data)
			? (body as { data: unknown[] }).data
			: undefined;
	if (!list) {
		throw new ModelListError(
			'The models reply has no "data" list',
			'Check that the Base URL points at an OpenAI-compatible API root (usually ending in /v1).',
		);
	}
	const models: ModelInfo[] = [];
	for (const entry of list) {
		const m = entry as Record<string, unknown>;
		if (typeof m?.id !== 'string') continue;
		models.push({
			id: m.id,
			...(typeof m.owned_by === 'string' ? { owned_by: m.owned_by } : {}),
			...(typeof m.created === 'number' ? { created: m.created } : {}),
			kind: inferModelKind(m.id),
		});
	}
	return models.sort((a, b) => a.id.localeCompare(b.id));
}
