/**
 * The reference speech server: OpenAI's audio API on loopback, backed by real engines
 * (flite, ffmpeg, pocketsphinx). It runs the demo and the end-to-end tests, where no API key or
 * network is available.
 *
 * Endpoints under `/v1`: `GET /models`, `POST /audio/speech`, `POST /audio/transcriptions`,
 * `POST /audio/translations`. Requests are validated against the official OpenAPI document when it
 * is available; invalid ones get OpenAI-shaped 400 errors.
 */
import busboy from 'busboy';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { formatSubtitles } from '../package/lib/transcript/subtitles';
import { checkEngines, synthesize, transcribe, type Utterance } from './engines';
import { contractPath, validateRequest } from './openapi-contract';

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

class HttpError extends Error {
	constructor(
		readonly status: number,
		message: string,
		readonly code: string | null,
		readonly type = 'invalid_request_error',
		readonly param: string | null = null,
	) {
		super(message);
	}
}

interface Upload {
	fields: Record<string, string | string[]>;
	file?: { name: string; type: string; bytes: Buffer };
}

async function readMultipart(req: http.IncomingMessage, maxBytes: number): Promise<Upload> {
	return await new Promise((resolve, reject) => {
		const fields: Record<string, string | string[]> = {};
		let file: Upload['file'];
		let tooLarge = false;
		const parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes } });
		parser.on('field', (name, value) => {
			if (name.endsWith('[]')) {
				const key = name.slice(0, -2);
				fields[key] = [...((fields[key] as string[] | undefined) ?? []), value];
			} else fields[name] = value;
		});
		parser.on('file', (_field, stream, info) => {
			const chunks: Buffer[] = [];
			stream.on('limit', () => (tooLarge = true));
			stream.on('data', (chunk: Buffer) => chunks.push(chunk));
			stream.on(
				'end',
				() =>
					(file = { name: info.filename ?? '', type: info.mimeType, bytes: Buffer.concat(chunks) }),
			);
		});
		parser.on('close', () =>
			tooLarge
				? reject(
						new HttpError(
							413,
							`Maximum content size limit (${maxBytes}) exceeded.`,
							'file_too_large',
							'invalid_request_error',
							'file',
						),
					)
				: resolve({ fields, file }),
		);
		parser.on('error', reject);
		req.pipe(parser);
	});
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	try {
		return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
	} catch {
		throw new HttpError(400, 'The request body is not valid JSON', 'invalid_json');
	}
}

function transcriptBody(
	format: string,
	task: 'transcribe' | 'translate',
	result: { utterances: Utterance[]; duration: number },
	granularities: string[],
): { type: string; body: string } {
	const text = result.utterances.map((u) => u.text).join(' ');
	const cues = result.utterances.map((u, i) => ({
		index: i + 1,
		start: u.start,
		end: u.end,
		text: u.text,
	}));
	switch (format) {
		case 'text':
			return { type: 'text/plain; charset=utf-8', body: `${text}\n` };
		case 'srt':
		case 'vtt':
			return { type: 'text/plain; charset=utf-8', body: formatSubtitles(cues, format) };
		case 'verbose_json': {
			const reply: Record<string, unknown> = {
				task,
				language: 'english',
				duration: result.duration,
				text,
			};
			if (granularities.length === 0 || granularities.includes('segment')) {
				reply.segments = result.utterances.map((u, id) => ({
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
				}));
			}
			if (granularities.includes('word')) reply.words = result.utterances.flatMap((u) => u.words);
			return { type: 'application/json', body: JSON.stringify(reply) };
		}
		case 'json':
			return { type: 'application/json', body: JSON.stringify({ text }) };
		default:
			throw new HttpError(
				400,
				`response_format "${format}" is not supported by this server`,
				'unsupported_response_format',
				'invalid_request_error',
				'response_format',
			);
	}
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

	async function validate(
		method: string,
		apiPath: string,
		contentType: string | undefined,
		body: unknown,
	) {
		if (!validating) return;
		const errors = await validateRequest({ method, apiPath, contentType, body });
		if (errors.length > 0)
			throw new HttpError(400, `Invalid request: ${errors.join('; ')}`, 'invalid_request');
	}

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

	async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const apiPath = url.pathname.replace(/^\/v1/, '');
		const method = req.method ?? 'GET';
		if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
			throw new HttpError(401, 'Incorrect API key provided.', 'invalid_api_key');
		}

		if (method === 'GET' && apiPath === '/models') {
			await validate(method, apiPath, undefined, undefined);
			const data = REFERENCE_MODELS.map((m) => ({
				id: m.id,
				object: 'model',
				created: 1735689600,
				owned_by: 'reference-server',
			}));
			res
				.writeHead(200, { 'content-type': 'application/json' })
				.end(JSON.stringify({ object: 'list', data }));
			return;
		}

		if (method === 'POST' && apiPath === '/audio/speech') {
			const body = await readJson(req);
			await validate(method, apiPath, req.headers['content-type'], body);
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
			res.writeHead(200, { 'content-type': mimeType, 'content-length': audio.length }).end(audio);
			return;
		}

		if (
			method === 'POST' &&
			(apiPath === '/audio/transcriptions' || apiPath === '/audio/translations')
		) {
			const upload = await readMultipart(req, options.maxUploadBytes ?? 25 * 1024 * 1024);
			const contractBody = {
				...upload.fields,
				...(upload.file ? { file: `<${upload.file.bytes.length} bytes>` } : {}),
			};
			await validate(method, apiPath, req.headers['content-type'], contractBody);
			if (!upload.file || upload.file.bytes.length === 0) {
				throw new HttpError(
					400,
					'No audio file was uploaded in the "file" field',
					'missing_file',
					'invalid_request_error',
					'file',
				);
			}
			let result;
			try {
				result = await cachedTranscribe(upload.file.bytes, upload.file.type);
			} catch {
				throw new HttpError(
					400,
					`The file "${upload.file.name}" could not be decoded as audio`,
					'invalid_file_format',
					'invalid_request_error',
					'file',
				);
			}
			const granularities = ([] as string[]).concat(upload.fields.timestamp_granularities ?? []);
			const reply = transcriptBody(
				String(upload.fields.response_format ?? 'json'),
				apiPath === '/audio/translations' ? 'translate' : 'transcribe',
				result,
				granularities,
			);
			res.writeHead(200, { 'content-type': reply.type }).end(reply.body);
			return;
		}

		throw new HttpError(404, `Unknown request ${method} ${url.pathname}`, 'unknown_url');
	}

	let requests = 0;
	const server = http.createServer((req, res) => {
		const id = `ref_${++requests}`;
		res.setHeader('x-request-id', id);
		const started = Date.now();
		handle(req, res)
			.catch((error: Error) => {
				const e =
					error instanceof HttpError
						? error
						: new HttpError(500, `Engine failure: ${error.message}`, null, 'server_error');
				if (!res.headersSent) {
					res.writeHead(e.status, { 'content-type': 'application/json' });
					res.end(
						JSON.stringify({
							error: { message: e.message, type: e.type, param: e.param, code: e.code },
						}),
					);
				}
			})
			.finally(() =>
				log(`${id} ${req.method} ${req.url} ${res.statusCode} ${Date.now() - started} ms`),
			);
	});
	await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		baseUrl: `http://127.0.0.1:${port}/v1`,
		validating,
		stop: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
