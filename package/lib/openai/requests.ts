/**
 * The OpenAI audio API's request bodies, built from the nodes' parameters. No n8n imports.
 *
 * Field names and limits come from the official OpenAPI document
 * (`CreateSpeechRequest`, `CreateTranscriptionRequest`, `CreateTranslationRequest`).
 */
import type { SpeechFormat } from '../audio/container';
import type { TranscriptFormat } from '../transcript/transcript';

/** The built-in voices of `POST /audio/speech` (OpenAI OpenAPI, `VoiceIdsShared`). */
export const BUILT_IN_VOICES = [
	'alloy',
	'ash',
	'ballad',
	'coral',
	'echo',
	'fable',
	'nova',
	'onyx',
	'sage',
	'shimmer',
	'verse',
	'marin',
	'cedar',
] as const;

/** Maximum `input` length of one speech request, in characters (`CreateSpeechRequest.input.maxLength`). */
export const SPEECH_INPUT_MAX_CHARS = 4096;

/** What a speech request asks for. */
export interface SpeechRequest {
	model: string;
	input: string;
	/** A voice name (built-in or a server's own), or a custom voice sent as `{"id": ...}`. */
	voice: string | { id: string };
	response_format: SpeechFormat;
	/** 0.25 to 4; omitted when 1. */
	speed?: number;
	instructions?: string;
	/** `sse` asks for server-sent events; omitted for the default, the audio itself. */
	stream_format?: 'sse';
	/** Extra body fields for providers with their own parameters; they never override the above. */
	extra?: Record<string, unknown>;
}

/** Thrown when parameters cannot form a valid request; the message says which and why. */
export class RequestParameterError extends Error {}

/**
 * Builds the JSON body of `POST /audio/speech`.
 *
 * @throws RequestParameterError when `input` is empty or longer than {@link SPEECH_INPUT_MAX_CHARS},
 *   or `speed` is outside 0.25 to 4.
 */
export function speechBody(request: SpeechRequest): Record<string, unknown> {
	if (request.input.trim() === '') {
		throw new RequestParameterError('The text to speak is empty');
	}
	if (request.input.length > SPEECH_INPUT_MAX_CHARS) {
		throw new RequestParameterError(
			`The text is ${request.input.length} characters; one speech request takes at most ${SPEECH_INPUT_MAX_CHARS}`,
		);
	}
	if (request.speed !== undefined && (request.speed < 0.25 || request.speed > 4)) {
		throw new RequestParameterError(`Speed ${request.speed} is outside 0.25 to 4`);
	}
	const body: Record<string, unknown> = {
		...(request.extra ?? {}),
		model: request.model,
		input: request.input,
		voice: request.voice,
		response_format: request.response_format,
	};
	if (request.speed !== undefined && request.speed !== 1) body.speed = request.speed;
	if (request.instructions) body.instructions = request.instructions;
	if (request.stream_format) body.stream_format = request.stream_format;
	return body;
}

/** What a transcription or translation request asks for, besides the file. */
export interface TranscriptionRequest {
	model: string;
	response_format: TranscriptFormat;
	language?: string;
	prompt?: string;
	temperature?: number;
	timestamp_granularities?: Array<'word' | 'segment'>;
	include?: Array<'logprobs'>;
	chunking_strategy?: 'auto';
	/** Ask for server-sent events (not supported by whisper-1). */
	stream?: boolean;
	known_speaker_names?: string[];
	/** Data URLs of 2 to 10 second audio samples, one per name in `known_speaker_names`. */
	known_speaker_references?: string[];
}

/** A multipart form field: name and text value. Arrays are sent as repeated `name[]` fields. */
export type FormField = [name: string, value: string];

/**
 * The multipart fields of `POST /audio/transcriptions` or `/audio/translations`, except `file`.
 * Arrays use the `name[]` convention of OpenAI's SDKs. Translations take only `model`, `prompt`,
 * `response_format` and `temperature`; the rest are dropped for them.
 *
 * @throws RequestParameterError when `timestamp_granularities` is asked without
 *   `verbose_json`, or known speaker names and references do not pair up.
 */
export function transcriptionFields(
	request: TranscriptionRequest,
	endpoint: 'transcriptions' | 'translations',
): FormField[] {
	const fields: FormField[] = [
		['model', request.model],
		['response_format', request.response_format],
	];
	if (request.prompt) fields.push(['prompt', request.prompt]);
	if (request.temperature !== undefined) fields.push(['temperature', String(request.temperature)]);
	if (endpoint === 'translations') return fields;

	if (request.language) fields.push(['language', request.language]);
	const granularities = request.timestamp_granularities ?? [];
	if (granularities.length > 0 && request.response_format !== 'verbose_json') {
		throw new RequestParameterError(
			'Timestamp granularities need response_format "verbose_json": change the response format or clear the granularities',
		);
	}
	for (const g of granularities) fields.push(['timestamp_granularities[]', g]);
	for (const i of request.include ?? []) fields.push(['include[]', i]);
	if (request.chunking_strategy) fields.push(['chunking_strategy', request.chunking_strategy]);
	if (request.stream) fields.push(['stream', 'true']);
	const names = request.known_speaker_names ?? [];
	const references = request.known_speaker_references ?? [];
	if (names.length !== references.length) {
		throw new RequestParameterError(
			`Known speakers need one reference per name: got ${names.length} names and ${references.length} references`,
		);
	}
	if (names.length > 4) throw new RequestParameterError('At most 4 known speakers are supported');
	for (const n of names) fields.push(['known_speaker_names[]', n]);
	for (const r of references) fields.push(['known_speaker_references[]', r]);
	return fields;
}

/** The audio of a JSON upload, as the `/api/client/v1` gateway takes it (seed 002, "Transcriptions"). */
export interface JsonAudio {
	/** The file's bytes, base64-encoded. */
	data: string;
	fileName: string;
	contentType: string;
}

/**
 * The JSON body of a transcription or translation sent as JSON rather than multipart: the same
 * fields as the form, with the file as `{"audio": {"data", "fileName", "contentType"}}`.
 * `name[]` form fields become arrays, `temperature` a number and `stream` a boolean.
 *
 * @param fields the form fields from {@link transcriptionFields}.
 */
export function jsonUploadBody(fields: FormField[], audio: JsonAudio): Record<string, unknown> {
	const body: Record<string, unknown> = {};
	for (const [name, value] of fields) {
		if (name.endsWith('[]')) {
			const key = name.slice(0, -2);
			body[key] = [...((body[key] as string[] | undefined) ?? []), value];
		} else if (name === 'temperature') {
			body[name] = Number(value);
		} else if (name === 'stream') {
			body[name] = value === 'true';
		} else {
			body[name] = value;
		}
	}
	body.audio = audio;
	return body;
}
