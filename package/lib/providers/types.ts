/**
 * What differs between the API styles the credential offers, as one interface: where each
 * operation goes, how a speech or transcription request is written, and how its reply is read.
 * Each style is one module (`openai.ts`, `azure.ts`, `opper.ts`); `index.ts` picks one. No n8n
 * imports.
 */
import type { SpeechFormat } from '../audio/container';
import type { ByteSource, StreamedBody } from '../http/body';
import type { ModelInfo } from '../openai/models';
import type { Transcript, TranscriptFormat } from '../transcript/transcript';

/** The API styles of the credential's API Style option. */
export type ApiStyle = 'openai' | 'azure' | 'opper';

/** How the API key is sent: `Authorization: Bearer <key>`, `api-key: <key>`, or a named header. */
export type AuthHeader = 'bearer' | 'apiKey' | 'custom';

/** The operations the nodes perform. */
export type Operation = 'speech' | 'transcriptions' | 'translations' | 'models' | 'chat';

/** Where one request goes, below the credential's Base URL. */
export interface Route {
	/** Starts with `/`. */
	path: string;
	/** Query string parameters. */
	qs?: Record<string, string>;
}

/** What a speech request asks, in the OpenAI API's terms (`CreateSpeechRequest`). */
export interface SpeechRequest {
	model: string;
	input: string;
	/**
	 * A voice name (built-in or a server's own), a custom voice sent as `{"id": ...}`, or
	 * `undefined` for the model's default voice (the field is then left out).
	 */
	voice?: string | { id: string };
	response_format: SpeechFormat;
	/** 0.25 to 4; omitted when 1. */
	speed?: number;
	instructions?: string;
	/** `sse` asks for server-sent events; omitted for the default, the audio itself. */
	stream_format?: 'sse';
	/** Extra body fields for providers with their own parameters; they never override the above. */
	extra?: Record<string, unknown>;
	/** Opper: keep the audio and return a `file_id` and `url` (default true). */
	store?: boolean;
}

/** What a transcription or translation request asks, besides the audio (`CreateTranscriptionRequest`). */
export interface TranscriptionRequest {
	endpoint: 'transcriptions' | 'translations';
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
	/** How the file is sent: multipart (the OpenAI way) or JSON with base64 audio (a gateway's). */
	uploadAs?: 'multipart' | 'json';
	/** Opper: speaker labels on segments. */
	diarize?: boolean;
	/** Opper: the per-provider passthrough. */
	parameters?: Record<string, unknown>;
}

/** The audio of a transcription request. */
export type TranscriptionAudio =
	| { kind: 'file'; fileName: string; contentType: string; source: ByteSource }
	/** A file the provider stores (Opper's `file_id`). */
	| { kind: 'fileId'; fileId: string }
	/** A URL the provider downloads itself (Opper). */
	| { kind: 'url'; url: string };

/** Audio read from a speech reply, with whatever else the provider said about it. */
export interface SpeechReply {
	audio: Buffer;
	/** The MIME type the provider stated for the audio (Opper's `audio.mime_type`), if any. */
	mimeType?: string;
	/** Fields for the output item: `usage`, and Opper's `file_id` and `url`. */
	details: Record<string, unknown>;
}

/** A model of the provider's list, with Opper's declared voices and formats. */
export interface ModelEntry extends ModelInfo {
	voices?: string[];
	formats?: string[];
}

/** One API style. */
export interface Provider {
	readonly style: ApiStyle;
	/**
	 * Where an operation goes.
	 *
	 * @param model the model ID; for Azure, the deployment name.
	 * @param apiVersion Azure's `api-version`.
	 * @throws AudioApiError when the style has no such operation, or lacks what it needs.
	 */
	route(operation: Operation, model?: string, apiVersion?: string): Route;
	/** The header the key goes in, given the credential's choice (Azure always uses `api-key`). */
	authHeader(chosen: AuthHeader): AuthHeader;
	/** Whether the model list names the models the Model field takes (Azure's does not). */
	readonly listsModels: boolean;
	/** Whether the style reads audio from a file ID or URL itself (Opper). */
	readonly readsRemoteAudio: boolean;
	/** The largest audio the style takes in one request, in bytes, when it sets one. */
	readonly maxAudioBytes?: number;
	/**
	 * The JSON body of a speech request.
	 *
	 * @throws AudioApiError for an empty text, a text over 4,096 characters or a speed outside
	 *   0.25 to 4.
	 */
	speechBody(request: SpeechRequest): Record<string, unknown>;
	/** Whether a 2xx speech reply with this Content-Type is the audio itself, to store as it comes. */
	speechReplyIsAudio(contentType: string): boolean;
	/**
	 * Reads a whole speech reply that is not plain audio: events, or the style's JSON.
	 *
	 * @throws AudioApiError when the reply holds no audio; its message quotes what it held.
	 */
	readSpeech(contentType: string, body: Buffer): SpeechReply;
	/**
	 * The body of a transcription or translation request.
	 *
	 * @throws AudioApiError for parameters that cannot go together, or audio the style cannot take.
	 */
	transcriptionBody(request: TranscriptionRequest, audio: TranscriptionAudio): StreamedBody;
	/**
	 * Reads a 2xx transcription reply by what it is (its Content-Type), for the format asked.
	 *
	 * @throws AudioApiError when the reply is not a transcript in that format, with the fix.
	 */
	readTranscript(format: TranscriptFormat, contentType: string, body: string): Transcript;
	/**
	 * Reads the model list reply.
	 *
	 * @throws AudioApiError when the reply has no list.
	 */
	readModels(body: unknown): ModelEntry[];
	/** Whether the model list declares each model's voices (Opper's does). */
	readonly declaresVoices: boolean;
	/** The voices a model declares, or `undefined` when the style does not list voices. */
	voices(models: ModelEntry[], model?: string): string[] | undefined;
}
