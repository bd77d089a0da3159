/**
 * The Opper style: Opper's `/v3` audio gateway. Shapes from Opper's published pages:
 * - the audio guide, https://docs.opper.ai/build/multimodal/audio (speech body and reply,
 *   transcription sources, `GET /v3/audio/models` tagged tts or stt with voices and formats);
 * - https://docs.opper.ai/v3-api-reference/audio/create-speech: the reply is `{id, model,
 *   created, audio: {b64_json, mime_type, file_id, url}, usage: {cost, characters}}`, so
 *   `file_id` and `url` sit inside `audio`;
 * - https://docs.opper.ai/v3-api-reference/audio/create-transcription: the reply is `{id, model,
 *   created, text, usage: {cost, seconds}, duration, language, segments: [{start, end, text,
 *   speaker}], words: [{start, end, word}]}`.
 * No n8n imports.
 */
import { AudioApiError, parseJson } from '../errors';
import { jsonBody, jsonBodyWithFile } from '../http/body';
import { inferModelKind, type ModelKind } from '../openai/models';
import { isHtml, readTranscript } from '../transcript/transcript';
import { checkSpeech, isAudioReply, notAudio, RequestParameterError } from './openai';
import type { ModelEntry, Provider, SpeechReply, SpeechRequest } from './types';

/** The largest data-URI audio Opper takes, decoded: 25 MB (the audio guide, "Speech to text"). */
export const OPPER_MAX_AUDIO_BYTES = 25 * 1024 * 1024;

/** Thrown when a reply is not what Opper's pages document. */
export class OpperError extends AudioApiError {}

/**
 * The body of Opper's `POST /v3/audio/speech`: `{model, input, voice, format, speed, store,
 * parameters}`. OpenAI's `response_format` is Opper's `format`; `instructions` and extra fields
 * go into the `parameters` passthrough; an empty voice is left out ("empty uses the model's
 * default").
 *
 * @throws RequestParameterError (see `checkSpeech`).
 */
export function opperSpeechBody(request: SpeechRequest): Record<string, unknown> {
	checkSpeech(request);
	const parameters: Record<string, unknown> = { ...(request.extra ?? {}) };
	if (request.instructions) parameters.instructions = request.instructions;
	const body: Record<string, unknown> = {
		model: request.model,
		input: request.input,
		format: request.response_format,
		store: request.store !== false,
	};
	const voice = typeof request.voice === 'object' ? request.voice.id : request.voice;
	if (voice) body.voice = voice;
	if (request.speed !== undefined && request.speed !== 1) body.speed = request.speed;
	if (Object.keys(parameters).length > 0) body.parameters = parameters;
	return body;
}

const str = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

/**
 * Reads Opper's speech reply: the audio, and `file_id`, `url`, `usage` and `id` for the item.
 * `file_id` and `url` are read from `audio` as published, and from the top level too.
 *
 * @throws OpperError when it carries no `audio.b64_json`.
 */
export function readOpperSpeech(body: unknown): SpeechReply {
	const reply = body as {
		id?: unknown;
		audio?: { b64_json?: unknown; mime_type?: unknown; file_id?: unknown; url?: unknown };
		file_id?: unknown;
		url?: unknown;
		usage?: unknown;
	};
	if (typeof reply?.audio?.b64_json !== 'string') {
		throw new OpperError(
			'The Opper speech reply has no audio.b64_json',
			'Check the API Style and Base URL in the Audio API credential.',
		);
	}
	const fileId = str(reply.audio.file_id) ?? str(reply.file_id);
	const url = str(reply.audio.url) ?? str(reply.url);
	const id = str(reply.id);
	const mimeType = str(reply.audio.mime_type);
	return {
		audio: Buffer.from(reply.audio.b64_json, 'base64'),
		...(mimeType ? { mimeType } : {}),
		details: {
			...(fileId ? { file_id: fileId } : {}),
			...(url ? { url } : {}),
			...(id ? { id } : {}),
			...(reply.usage && typeof reply.usage === 'object'
				? { usage: reply.usage as Record<string, unknown> }
				: {}),
		},
	};
}

/**
 * Reads `GET /v3/audio/models`: a list (bare or under `data` or `models`) of models tagged `tts`
 * or `stt` (in `type`, `kind` or `tags`), with `voices` and `formats`.
 *
 * @throws OpperError when the reply has no list.
 */
export function readOpperModels(body: unknown): ModelEntry[] {
	const record = body as { data?: unknown; models?: unknown };
	const list = Array.isArray(body)
		? body
		: Array.isArray(record?.data)
			? record.data
			: Array.isArray(record?.models)
				? record.models
				: undefined;
	if (!list) {
		throw new OpperError(
			'The Opper audio models reply has no list',
			'Check the API Style and Base URL in the Audio API credential.',
		);
	}
	const models: ModelEntry[] = [];
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

/** The Opper style. */
export const opper: Provider = {
	style: 'opper',
	route(operation) {
		if (operation === 'translations') {
			throw new AudioApiError(
				'Opper has no translation endpoint',
				'Use Audio Transcription (and translate the text), or a credential for another provider.',
			);
		}
		if (operation === 'chat') {
			throw new AudioApiError(
				'Audio Chat is not available with the Opper API style',
				'Use a credential for OpenAI or another provider with audio chat models.',
			);
		}
		return { path: operation === 'models' ? '/audio/models' : `/audio/${operation}` };
	},
	authHeader: (chosen) => chosen,
	listsModels: true,
	declaresVoices: true,
	readsRemoteAudio: true,
	maxAudioBytes: OPPER_MAX_AUDIO_BYTES,
	speechBody: opperSpeechBody,
	// Opper answers JSON with base64 audio; raw audio, should it come, is stored as it is.
	speechReplyIsAudio: (contentType) => !/json/i.test(contentType) && isAudioReply(contentType),
	readSpeech(contentType, body) {
		const text = body.toString('utf8');
		const parsed =
			/json/i.test(contentType) && !isHtml(contentType, text) ? parseJson(text) : undefined;
		if (parsed === undefined) throw notAudio(contentType, body);
		return readOpperSpeech(parsed);
	},
	transcriptionBody(request, audio) {
		const body: Record<string, unknown> = { model: request.model, audio: '' };
		if (request.language) body.language = request.language;
		if (request.prompt) body.prompt = request.prompt;
		if (request.diarize) body.diarize = true;
		if (request.parameters && Object.keys(request.parameters).length > 0) {
			body.parameters = request.parameters;
		}
		if (audio.kind === 'fileId') {
			if (!audio.fileId.trim()) {
				throw new RequestParameterError(
					'No file_id is set',
					'Put an Opper file ID in File ID, for example {{ $json.file_id }} after an Audio Speech node with Store on.',
				);
			}
			return jsonBody({ ...body, audio: audio.fileId.trim() });
		}
		if (audio.kind === 'url') {
			if (!/^https:\/\//i.test(audio.url.trim())) {
				throw new RequestParameterError(
					`Opper reads audio only from https URLs, not "${audio.url}"`,
					'Use an https URL, or download the file and send it as a binary.',
				);
			}
			return jsonBody({ ...body, audio: audio.url.trim() });
		}
		if (audio.source.length > OPPER_MAX_AUDIO_BYTES) {
			throw new RequestParameterError(
				`The audio is ${(audio.source.length / 1024 / 1024).toFixed(1)} MB; Opper takes data-URI audio up to 25 MB`,
				'Set Max Upload Size to 25 or less so that the node splits the file, or give Opper a URL or file ID.',
			);
		}
		const placeholder = '\u0000audio\u0000';
		return jsonBodyWithFile(
			{ ...body, audio: placeholder },
			placeholder,
			audio.source,
			`data:${audio.contentType};base64,`,
		);
	},
	readTranscript,
	readModels: readOpperModels,
	voices(models, model) {
		const chosen = models.find((m) => m.id === model);
		const declared = chosen
			? (chosen.voices ?? [])
			: models.filter((m) => m.kind === 'tts').flatMap((m) => m.voices ?? []);
		return declared.length > 0 ? [...new Set(declared)] : undefined;
	},
};
