/**
 * Opper's `/v3` audio gateway (seed 000_00f1e10a131a52f7.txt): speech answered as JSON with base64
 * audio and a stored `file_id` and presigned `url`; transcription of a `file_id`, an https URL or
 * a data-URI; models from `GET /audio/models`. No n8n imports.
 */
import type { ModelInfo, ModelKind } from '../openai/models';
import { inferModelKind } from '../openai/models';
import type { SpeechRequest } from '../openai/requests';

/** The largest data-URI audio Opper takes, decoded: 25 MB (seed 000, "Speech to text"). */
export const OPPER_MAX_AUDIO_BYTES = 25 * 1024 * 1024;

/** Thrown when a request cannot be made or a reply is not what the seed documents. */
export class OpperError extends Error {}

/**
 * The body of Opper's `POST /audio/speech`: `{model, input, voice, format, speed, store,
 * parameters}`. OpenAI's `response_format` is Opper's `format`; `instructions` and extra fields go
 * into the `parameters` passthrough.
 */
export function opperSpeechBody(request: SpeechRequest, store: boolean): Record<string, unknown> {
	const parameters: Record<string, unknown> = { ...(request.extra ?? {}) };
	if (request.instructions) parameters.instructions = request.instructions;
	const body: Record<string, unknown> = {
		model: request.model,
		input: request.input,
		format: request.response_format,
		store,
	};
	const voice = typeof request.voice === 'string' ? request.voice : request.voice.id;
	if (voice) body.voice = voice;
	if (request.speed !== undefined && request.speed !== 1) body.speed = request.speed;
	if (Object.keys(parameters).length > 0) body.parameters = parameters;
	return body;
}

/** Opper's speech reply: the audio, and what it stored. */
export interface OpperSpeech {
	audio: Buffer;
	mimeType?: string;
	file_id?: string;
	url?: string;
	usage?: Record<string, unknown>;
}

/** Reads Opper's speech reply. @throws OpperError when it carries no `audio.b64_json`. */
export function readOpperSpeech(body: unknown): OpperSpeech {
	const reply = body as {
		audio?: { b64_json?: unknown; mime_type?: unknown };
		file_id?: unknown;
		url?: unknown;
		usage?: unknown;
	};
	if (typeof reply?.audio?.b64_json !== 'string') {
		throw new OpperError('The Opper speech reply has no audio.b64_json');
	}
	return {
		audio: Buffer.from(reply.audio.b64_json, 'base64'),
		...(typeof reply.audio.mime_type === 'string' ? { mimeType: reply.audio.mime_type } : {}),
		...(typeof reply.file_id === 'string' ? { file_id: reply.file_id } : {}),
		...(typeof reply.url === 'string' ? { url: reply.url } : {}),
		...(reply.usage && typeof reply.usage === 'object'
			? { usage: reply.usage as Record<string, unknown> }
			: {}),
	};
}

/** Where Opper reads the audio to transcribe from. */
export type OpperAudioSource =
	| { kind: 'data'; bytes: Buffer; contentType: string }
	| { kind: 'fileId'; fileId: string }
	| { kind: 'url'; url: string };

/**
 * The body of Opper's `POST /audio/transcriptions`: `{model, audio, language, prompt, diarize,
 * parameters}`, with `audio` a data-URI, a `file_id` or an https URL.
 *
 * @throws OpperError for data over {@link OPPER_MAX_AUDIO_BYTES} or a URL that is not https.
 */
export function opperTranscriptionBody(request: {
	model: string;
	source: OpperAudioSource;
	language?: string;
	prompt?: string;
	diarize?: boolean;
	parameters?: Record<string, unknown>;
}): Record<string, unknown> {
	let audio: string;
	const { source } = request;
	if (source.kind === 'data') {
		if (source.bytes.length > OPPER_MAX_AUDIO_BYTES) {
			throw new OpperError(
				`The audio is ${(source.bytes.length / 1024 / 1024).toFixed(1)} MB; Opper takes data-URI audio up to 25 MB`,
			);
		}
		audio = `data:${source.contentType};base64,${source.bytes.toString('base64')}`;
	} else if (source.kind === 'url') {
		if (!/^https:\/\//i.test(source.url.trim()))
			throw new OpperError(`Opper reads audio only from https URLs, not "${source.url}"`);
		audio = source.url.trim();
	} else {
		if (!source.fileId.trim()) throw new OpperError('No file_id is set');
		audio = source.fileId.trim();
	}
	const body: Record<string, unknown> = { model: request.model, audio };
	if (request.language) body.language = request.language;
	if (request.prompt) body.prompt = request.prompt;
	if (request.diarize) body.diarize = true;
	if (request.parameters && Object.keys(request.parameters).length > 0)
		body.parameters = request.parameters;
	return body;
}

/** An Opper audio model: its kind as Opper tags it, and its voices and formats. */
export interface OpperModel extends ModelInfo {
	voices?: string[];
	formats?: string[];
}

/**
 * Reads `GET /audio/models`: a list (bare or under `data` or `models`) of models tagged `tts` or
 * `stt` (in `type`, `kind` or `tags`), with `voices` and `formats`.
 *
 * @throws OpperError when the reply has no list.
 */
export function readOpperModels(body: unknown): OpperModel[] {
	const record = body as { data?: unknown; models?: unknown };
	const list = Array.isArray(body)
		? body
		: Array.isArray(record?.data)
			? record.data
			: Array.isArray(record?.models)
				? record.models
				: undefined;
	if (!list) throw new OpperError('The Opper models reply has no list');
	const models: OpperModel[] = [];
	for (const entry of list as Array<Record<string, unknown>>) {
		const id = entry?.id ?? entry?.name;
		if (typeof id !== 'string') continue;
		const tags = [entry.type, entry.kind, ...(Array.isArray(entry.tags) ? entry.tags : [])].map(
			String,
		);
		const kind: ModelKind = tags.includes('tts')
			? 'tts'
			: tags.includes('stt')
				? 'stt'
				: inferModelKind(id);
		models.push({
			id,
			kind,
			...(Array.isArray(entry.voices) ? { voices: entry.voices.map(String) } : {}),
			...(Array.isArray(entry.formats) ? { formats: entry.formats.map(String) } : {}),
		});
	}
	return models.sort((a, b) => a.id.localeCompare(b.id));
}
