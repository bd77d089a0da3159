/**
 * The OpenAI style: OpenAI and every server that copies its audio API (Groq, Apertis, gateways
 * under `/api/v1` or `/api/client/v1`, LocalAI, speaches, Azure's `/openai/v1/` path). Request
 * bodies and limits come from the official OpenAPI document (`CreateSpeechRequest`,
 * `CreateTranscriptionRequest`, `CreateTranslationRequest`). No n8n imports.
 */
import { AudioApiError } from '../errors';
import { jsonBodyWithFile, multipartBody, type StreamedBody } from '../http/body';
import { assembleSpeechStream, isEventStream } from '../http/sse';
import { readModelList } from '../openai/models';
import { readTranscript, isHtml, quote } from '../transcript/transcript';
import type {
	Provider,
	Route,
	SpeechReply,
	SpeechRequest,
	TranscriptionAudio,
	TranscriptionRequest,
} from './types';

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

/** Thrown when parameters cannot form a valid request; the message says which and why. */
export class RequestParameterError extends AudioApiError {}

/**
 * Checks what every style's speech request needs.
 *
 * @throws RequestParameterError when `input` is empty or longer than
 *   {@link SPEECH_INPUT_MAX_CHARS}, or `speed` is outside 0.25 to 4.
 */
export function checkSpeech(request: SpeechRequest): void {
	if (request.input.trim() === '') {
		throw new RequestParameterError(
			'The text to speak is empty',
			'Put the text in the Text field, or check the expression that fills it.',
		);
	}
	if (request.input.length > SPEECH_INPUT_MAX_CHARS) {
		throw new RequestParameterError(
			`The text is ${request.input.length} characters; one speech request takes at most ${SPEECH_INPUT_MAX_CHARS}`,
			'Turn on Split Long Text (in Options) to speak it in parts joined into one file, or shorten it.',
		);
	}
	if (request.speed !== undefined && (request.speed < 0.25 || request.speed > 4)) {
		throw new RequestParameterError(
			`Speed ${request.speed} is outside 0.25 to 4`,
			'Set Speed between 0.25 and 4.',
		);
	}
}

/** Builds the JSON body of `POST /audio/speech`. @throws RequestParameterError (see {@link checkSpeech}). */
export function speechBody(request: SpeechRequest): Record<string, unknown> {
	checkSpeech(request);
	const body: Record<string, unknown> = {
		...(request.extra ?? {}),
		model: request.model,
		input: request.input,
		response_format: request.response_format,
	};
	// The /api/client/v1 gateway: "If omitted, the provider falls back to its default voice".
	if (request.voice !== undefined) body.voice = request.voice;
	if (request.speed !== undefined && request.speed !== 1) body.speed = request.speed;
	if (request.instructions) body.instructions = request.instructions;
	if (request.stream_format) body.stream_format = request.stream_format;
	return body;
}

/** A multipart form field: name and text value. Arrays are sent as repeated `name[]` fields. */
export type FormField = readonly [name: string, value: string];

/**
 * The multipart fields of `POST /audio/transcriptions` or `/audio/translations`, except `file`.
 * Arrays use the `name[]` convention of OpenAI's SDKs. Translations take only `model`, `prompt`,
 * `response_format` and `temperature`; the rest are dropped for them.
 *
 * @throws RequestParameterError when `timestamp_granularities` is asked without
 *   `verbose_json`, or known speaker names and references do not pair up.
 */
export function transcriptionFields(request: TranscriptionRequest): FormField[] {
	const fields: FormField[] = [
		['model', request.model],
		['response_format', request.response_format],
	];
	if (request.prompt) fields.push(['prompt', request.prompt]);
	if (request.temperature !== undefined) fields.push(['temperature', String(request.temperature)]);
	if (request.endpoint === 'translations') return fields;

	if (request.language) fields.push(['language', request.language]);
	const granularities = request.timestamp_granularities ?? [];
	if (granularities.length > 0 && request.response_format !== 'verbose_json') {
		throw new RequestParameterError(
			'Timestamp granularities need response_format "verbose_json"',
			'Change the Response Format to Verbose JSON, or clear the granularities.',
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
			'Give every known speaker a name and a reference audio sample.',
		);
	}
	if (names.length > 4) {
		throw new RequestParameterError(
			'At most 4 known speakers are supported',
			'Remove known speakers until 4 are left.',
		);
	}
	for (const n of names) fields.push(['known_speaker_names[]', n]);
	for (const r of references) fields.push(['known_speaker_references[]', r]);
	return fields;
}

/**
 * The JSON body of a transcription or translation sent as JSON rather than multipart, as the
 * `/api/client/v1` gateway takes it: the same fields, with the file as
 * `{"audio": {"data", "fileName", "contentType"}}`; `name[]` fields become arrays, `temperature`
 * a number and `stream` a boolean. The base64 is written as the body is sent.
 */
function jsonUploadBody(
	fields: FormField[],
	audio: Extract<TranscriptionAudio, { kind: 'file' }>,
): StreamedBody {
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
	const placeholder = '\u0000audio\u0000';
	body.audio = { data: placeholder, fileName: audio.fileName, contentType: audio.contentType };
	return jsonBodyWithFile(body, placeholder, audio.source);
}

/** Thrown when a reply holds no audio; the message quotes what it held. */
export class NotAudioError extends AudioApiError {}

/** What a reply holding something other than audio says, as an error with the fix. */
export function notAudio(contentType: string, body: Buffer): NotAudioError {
	const text = body.toString('utf8', 0, 2000);
	const kind = contentType.split(';')[0].trim() || 'no Content-Type';
	return new NotAudioError(
		isHtml(contentType, text)
			? `The server answered with an HTML page instead of audio: ${quote(text)}`
			: `The provider answered with ${kind} instead of audio: ${quote(text)}`,
		'Check the Base URL and API Style in the Audio API credential: the Base URL must be the API root (usually ending in /v1).',
	);
}

/** Whether a 2xx speech reply of this Content-Type is the audio itself (not events, JSON or a page). */
export function isAudioReply(contentType: string): boolean {
	return !isEventStream(contentType) && !/json|text\/(plain|html)/i.test(contentType);
}

/** Reads a speech reply that is events or audio; anything else is an error. */
export function readOpenAiSpeech(contentType: string, body: Buffer): SpeechReply {
	if (isEventStream(contentType)) {
		const { audio, usage } = assembleSpeechStream(body.toString('utf8'));
		return { audio, details: usage ? { usage } : {} };
	}
	if (!isAudioReply(contentType)) throw notAudio(contentType, body);
	return { audio: body, details: {} };
}

/** The route of an operation in the OpenAI style. */
function openaiRoute(operation: Parameters<Provider['route']>[0]): Route {
	if (operation === 'models') return { path: '/models' };
	if (operation === 'chat') return { path: '/chat/completions' };
	return { path: `/audio/${operation}` };
}

/** The OpenAI style. */
export const openai: Provider = {
	style: 'openai',
	route: (operation) => openaiRoute(operation),
	authHeader: (chosen) => chosen,
	listsModels: true,
	declaresVoices: false,
	readsRemoteAudio: false,
	speechBody,
	speechReplyIsAudio: isAudioReply,
	readSpeech: readOpenAiSpeech,
	transcriptionBody(request, audio) {
		if (audio.kind !== 'file') {
			throw new RequestParameterError(
				'Only the Opper API style reads audio from a file ID',
				'Use Binary File or URL as the Audio Source, or an Opper credential.',
			);
		}
		const fields = transcriptionFields(request);
		if (request.uploadAs === 'json') return jsonUploadBody(fields, audio);
		return multipartBody(fields, {
			field: 'file',
			fileName: audio.fileName,
			contentType: audio.contentType,
			source: audio.source,
		});
	},
	readTranscript: readTranscript,
	readModels: (body) => readModelList(body),
	voices: () => undefined,
};
