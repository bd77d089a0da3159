/**
 * The reference speech server: OpenAI's audio API on loopback, backed by real engines
 * (flite, ffmpeg, pocketsphinx). It runs the demo and the end-to-end tests, where no API key or
 * network is available.
 *
 * Endpoints under `/v1`: `GET /models`, `POST /audio/speech`, `POST /audio/transcriptions`,
 * `POST /audio/translations`. Requests are validated against the official OpenAPI document when it
 * is available; invalid ones get OpenAI-shaped 400 errors.
 */
import { createHash } from 'node:crypto';

import { checkEngines, synthesize, transcribe, type Utterance } from './engines';
import { contractPath } from './openapi-contract';
import {
	ApiError,
	modelList,
	startCoreServer,
	transcriptReply,
	type CoreRequest,
	type Reply,
} from './openai-core';

/** Options of {@link startReferenceServer}. */
export interface ReferenceServerOptions {
	/** TCP port; 0 (the default) picks a free one. */
	port?: number;
	/** When set, requests must carry `Authorization: Bearer <apiKey>`. */
	apiKey?: string;
	/**
	 * Largest upload accepted, in bytes; larger ones get OpenAI's 413. Default 25 MB
	 * (26,214,400 bytes), OpenAI's limit.
	 */
	maxUploadBytes?: number;
	/** mp3 bitrate for speech, e.g. `128k` (default 64k). */
	mp3Bitrate?: string;
	/** Receives one line per request and warnings. */
	log?: (line: string) => void;
}

/** A running server. */
export interface ReferenceServer {
	/** The API root, e.g. `http://127.0.0.1:41234/v1`. */
	baseUrl: string;
	/** Whether requests are checked against the OpenAPI document. */
	validating: boolean;
	stop(): Promise<void>;
}

/** The models the server lists. */
export const REFERENCE_MODELS = [
	{ id: 'gpt-4o-mini-tts', kind: 'speech' },
	{ id: 'tts-1', kind: 'speech' },
	{ id: 'flite', kind: 'speech' },
	{ id: 'whisper-1', kind: 'transcription' },
	{ id: 'pocketsphinx', kind: 'transcription' },
] as const;

/** The engines' utterances as a transcript of the core. */
function transcriptOf(result: { utterances: Utterance[]; duration: number }) {
	return {
		text: result.utterances.map((u) => u.text).join(' '),
		language: 'english',
		duration: result.duration,
		segments: result.utterances.map((u, id) => ({
			id,
			seek: 0,
			start: u.start,
			end: u.end,
			text: ` ${u.text}`,
			tokens: [],
			temperature: 0,
			avg_logprob: 0,
			compression_ratio: 1,
			no_speech_prob: 0,
		})),
		words: result.utterances.flatMap((u) => u.words),
	};
}

/**
 * Starts the server on 127.0.0.1.
 *
 * @throws MissingEngineError when flite, ffmpeg or pocketsphinx is not installed, naming the
 *   `apt-get install` line.
 */
export async function startReferenceServer(
	options: ReferenceServerOptions = {},
): Promise<ReferenceServer> {
	checkEngines();
	const log = options.log ?? (() => undefined);
	const validating = contractPath() !== undefined;
	if (!validating)
		log(
			'warning: the OpenAI OpenAPI document was not found (set OPENAI_OPENAPI_PATH); requests are not validated',
		);

	// The same audio asked for in several response formats (or by several n8n versions) runs the
	// engine once: pocketsphinx takes minutes on a podcast. Keyed by the bytes' SHA-256.
	const transcripts = new Map<string, ReturnType<typeof transcribe>>();
	async function cachedTranscribe(bytes: Buffer, type: string) {
		// The content type matters only for raw PCM, whose rate and channels it carries.
		const raw = /^audio\/(l16|pcm)\b/i.test(type) ? type : '';
		const key = `${createHash('sha256').update(bytes).digest('hex')} ${raw}`;
		let pending = transcripts.get(key);
		if (!pending) {
			pending = transcribe(bytes, type);
			pending.catch(() => transcripts.delete(key));
			if (transcripts.size >= 256) transcripts.delete(transcripts.keys().next().value!);
			transcripts.set(key, pending);
		}
		return await pending;
	}

	async function speech(request: CoreRequest): Promise<Reply> {
		const body = request.json ?? {};
		const voice =
			typeof body.voice === 'object' && body.voice
				? String((body.voice as { id: unknown }).id)
				: String(body.voice);
		const format = String(body.response_format ?? 'mp3');
		const { audio, mimeType } = await synthesize(
			String(body.input),
			voice,
			format,
			Number(body.speed ?? 1),
			format === 'mp3' ? options.mp3Bitrate : undefined,
		);
		return { status: 200, headers: { 'content-type': mimeType }, body: audio };
	}

	async function upload(request: CoreRequest): Promise<Reply> {
		const file = request.files?.find((f) => f.field === 'file');
		if (!file || file.bytes.length === 0) {
			throw new ApiError(
				400,
				'No audio file was uploaded in the "file" field',
				'missing_file',
				'invalid_request_error',
				'file',
			);
		}
		let result;
		try {
			result = await cachedTranscribe(file.bytes, file.contentType);
		} catch {
			throw new ApiError(
				400,
				`The file "${file.fileName}" could not be decoded as audio`,
				'invalid_file_format',
				'invalid_request_error',
				'file',
			);
		}
		const fields = request.fields ?? {};
		return transcriptReply(
			String(fields.response_format ?? 'json'),
			request.operationId === 'createTranslation' ? 'translate' : 'transcribe',
			transcriptOf(result),
			([] as string[]).concat(fields.timestamp_granularities ?? []),
		);
	}

	// Routed by the OpenAPI operationId the core found.
	const handlers: Record<string, (request: CoreRequest) => Promise<Reply>> = {
		listModels: async () =>
			modelList(
				REFERENCE_MODELS.map((m) => ({
					id: m.id,
					object: 'model' as const,
					created: 1735689600,
					owned_by: 'reference-server',
				})),
			),
		createSpeech: speech,
		createTranscription: upload,
		createTranslation: upload,
	};

	const core = await startCoreServer({
		port: options.port,
		maxUploadBytes: options.maxUploadBytes ?? 25 * 1024 * 1024,
		replyHeaders: (request) => ({ 'x-request-id': `ref_${request.serial}` }),
		answer: async (request) => {
			if (
				options.apiKey !== undefined &&
				request.headers.authorization !== `Bearer ${options.apiKey}`
			)
				throw new ApiError(401, 'Incorrect API key provided.', 'invalid_api_key');
			const handler = request.operationId ? handlers[request.operationId] : undefined;
			if (!handler)
				throw new ApiError(
					404,
					`Unknown request ${request.method} ${request.url.pathname}`,
					'unknown_url',
				);
			if (request.contractErrors.length > 0)
				throw new ApiError(
					400,
					`Invalid request: ${request.contractErrors.join('; ')}`,
					'invalid_request',
				);
			return await handler(request);
		},
		onDone: (request, status, ms) =>
			log(`ref_${request.serial} ${request.method} ${request.raw.url} ${status} ${ms} ms`),
	});
	return {
		baseUrl: `${core.origin}/v1`,
		validating,
		stop: core.stop,
	};
}
