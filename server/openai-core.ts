/**
 * The core the project's OpenAI-style fakes share: the reference server (real engines), the
 * integration test server (recording, scripted replies and faults) and the bench stub (delays).
 *
 * It listens on loopback, finds each request's OpenAPI operationId (`createSpeech`,
 * `createTranscription`, `createTranslation`, `listModels`, `createChatCompletion`) through the
 * OpenAI document the tests load, reads the body (JSON or multipart), validates it against the
 * document, and hands it to the server's own `answer`. What comes back is a reply, or a fault to
 * act out on the wire: a reset mid-upload or mid-reply, a body shorter than its Content-Length,
 * or no answer at all. Errors thrown as {@link ApiError} become OpenAI-shaped error replies.
 */
import busboy from 'busboy';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { contractPath, operationOf, validateRequest } from './openapi-contract';

/** A file received in a multipart body. */
export interface ReceivedFile {
	field: string;
	fileName: string;
	contentType: string;
	bytes: Buffer;
}

/** A request body as read: a JSON body, or multipart fields and files. */
export interface ParsedBody {
	json?: Record<string, unknown>;
	/** Multipart text fields; `name[]` fields are collected into arrays under `name`. */
	fields?: Record<string, string | string[]>;
	files?: ReceivedFile[];
}

/** One request as the core hands it to a server. */
export interface CoreRequest extends ParsedBody {
	method: string;
	url: URL;
	/** The path below the API root, e.g. `/audio/speech`. */
	apiPath: string;
	/** The OpenAPI operationId, or `undefined` for a path the OpenAI document does not have. */
	operationId?: string;
	headers: http.IncomingHttpHeaders;
	/** Contract errors; empty when the request matches the document (or was not checked). */
	contractErrors: string[];
	/** The raw request, for servers that read the body themselves (`readBody: false`). */
	raw: http.IncomingMessage;
	/** Which request this is, counted from 1 since the server started. */
	serial: number;
}

/** A reply: a JSON object body is serialised with `content-type: application/json`. */
export interface Reply {
	status: number;
	/** An empty value means "send no such header". */
	headers?: Record<string, string>;
	body?: string | Buffer | object;
}

/**
 * What a server may do instead of a plain reply:
 * - `reset`: drop the connection at once, without an answer;
 * - `hang`: never answer;
 * - `reset-upload`: drop the connection (TCP reset) after `afterBytes` of the request body arrived;
 * - `reset-reply`: send the reply's head and its first `afterBytes` bytes, then reset;
 * - `truncate`: send the reply with its full Content-Length, but only `afterBytes` bytes of it,
 *   then close the connection cleanly.
 */
export type Fault =
	| 'reset'
	| 'hang'
	| { fault: 'reset-upload'; afterBytes: number }
	| { fault: 'reset-reply' | 'truncate'; afterBytes: number; reply: Reply };

/** An error a handler throws to answer with OpenAI's error shape. */
export class ApiError extends Error {
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

/** OpenAI's error body: `{error: {message, type, param, code}}`. */
export function openAiError(
	message: string,
	type: string,
	code: string | null,
	param: string | null = null,
) {
	return { error: { message, type, param, code } };
}

// Used only when the OpenAI document is missing (the reference server runs without it).
const KNOWN_OPERATIONS: Record<string, string> = {
	'GET /models': 'listModels',
	'POST /audio/speech': 'createSpeech',
	'POST /audio/transcriptions': 'createTranscription',
	'POST /audio/translations': 'createTranslation',
	'POST /chat/completions': 'createChatCompletion',
};

/** Reads a JSON or multipart body whole; a file over `maxFileBytes` is answered with OpenAI's 413. */
export async function readBody(
	req: http.IncomingMessage,
	maxFileBytes = Infinity,
): Promise<ParsedBody> {
	const contentType = req.headers['content-type'] ?? '';
	if (contentType.startsWith('multipart/form-data')) {
		return await new Promise((resolve, reject) => {
			const fields: Record<string, string | string[]> = {};
			const files: ReceivedFile[] = [];
			let tooLarge = false;
			const limits = Number.isFinite(maxFileBytes) ? { fileSize: maxFileBytes } : {};
			const parser = busboy({ headers: req.headers, limits });
			parser.on('field', (name, value) => {
				if (name.endsWith('[]')) {
					const key = name.slice(0, -2);
					fields[key] = [...((fields[key] as string[] | undefined) ?? []), value];
				} else fields[name] = value;
			});
			parser.on('file', (field, stream, info) => {
				const chunks: Buffer[] = [];
				stream.on('limit', () => (tooLarge = true));
				stream.on('data', (chunk: Buffer) => chunks.push(chunk));
				stream.on('end', () =>
					files.push({
						field,
						fileName: info.filename ?? '',
						contentType: info.mimeType,
						bytes: Buffer.concat(chunks),
					}),
				);
			});
			parser.on('close', () =>
				tooLarge
					? reject(
							new ApiError(
								413,
								`Maximum content size limit (${maxFileBytes}) exceeded.`,
								'file_too_large',
								'invalid_request_error',
								'file',
							),
						)
					: resolve({ fields, files }),
			);
			parser.on('error', reject);
			req.pipe(parser);
		});
	}
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	const text = Buffer.concat(chunks).toString('utf8');
	if (!text) return {};
	try {
		return { json: JSON.parse(text) as Record<string, unknown> };
	} catch {
		throw new ApiError(400, 'The request body is not valid JSON', 'invalid_json');
	}
}

/** Checks a request against the OpenAI document; files count as strings, as in the contract. */
export async function openApiErrors(request: CoreRequest): Promise<string[]> {
	const body = request.fields
		? {
				...request.fields,
				...Object.fromEntries(
					(request.files ?? []).map((f) => [f.field, `<${f.bytes.length} bytes>`]),
				),
			}
		: request.json;
	return await validateRequest({
		method: request.method,
		apiPath: request.apiPath,
		contentType: request.headers['content-type'],
		body,
	});
}

/** The bytes and headers of a reply, as written to the wire. */
function encode(reply: Reply): { head: Record<string, string>; bytes: Buffer } {
	const body = reply.body ?? '';
	const isObject = typeof body === 'object' && !Buffer.isBuffer(body);
	const bytes = isObject
		? Buffer.from(JSON.stringify(body))
		: Buffer.isBuffer(body)
			? body
			: Buffer.from(body);
	const head: Record<string, string> = {
		...(isObject ? { 'content-type': 'application/json' } : {}),
		...reply.headers,
		'content-length': String(bytes.length),
	};
	for (const [name, value] of Object.entries(head)) if (value === '') delete head[name];
	return { head, bytes };
}

/** Writes a reply whole. */
export function sendReply(res: http.ServerResponse, reply: Reply): void {
	const { head, bytes } = encode(reply);
	res.writeHead(reply.status, head).end(bytes);
}

/** Acts out a fault that happens while the reply is sent. */
function sendBroken(
	res: http.ServerResponse,
	fault: { fault: 'reset-reply' | 'truncate'; afterBytes: number; reply: Reply },
): void {
	const { head, bytes } = encode(fault.reply);
	res.writeHead(fault.reply.status, head);
	res.flushHeaders();
	const socket = res.socket as Socket;
	socket.cork();
	res.write(bytes.subarray(0, Math.min(fault.afterBytes, bytes.length)));
	socket.uncork();
	// Let the part leave before the connection goes.
	setTimeout(() => (fault.fault === 'reset-reply' ? socket.resetAndDestroy() : socket.end()), 50);
}

/** Reads `afterBytes` of the request body, then resets the connection. */
function resetUpload(req: http.IncomingMessage, afterBytes: number): Promise<void> {
	return new Promise((resolve) => {
		let received = 0;
		const cut = () => {
			req.removeAllListeners('data');
			req.socket.resetAndDestroy();
			resolve();
		};
		req.on('data', (chunk: Buffer) => {
			received += chunk.length;
			if (received >= afterBytes) cut();
		});
		req.on('end', cut);
	});
}

/** Options of {@link startCoreServer}. */
export interface CoreServerOptions {
	/** TCP port; 0 (the default) picks a free one. */
	port?: number;
	/** The path below the API root for a URL. Default: the path without a leading `/v1`. */
	apiPath?: (url: URL) => string;
	/** Read the body before `answer` (default); `false` leaves `raw` unread for streaming. */
	readBody?: boolean;
	/** Largest uploaded file accepted, in bytes; larger ones get OpenAI's 413. */
	maxUploadBytes?: number;
	/** How to validate a request; default: against the OpenAI document when it is there. */
	validate?: (request: CoreRequest) => Promise<string[]> | string[];
	/** A fault to act out before the body is read (e.g. a reset mid-upload), if any. */
	faultBeforeBody?: (request: CoreRequest) => Fault | undefined;
	/** The server's answer to a request whose body was read and checked. */
	answer: (request: CoreRequest) => Promise<Reply | Fault> | Reply | Fault;
	/** Headers every reply carries unless it sets them itself (empty: none), e.g. a request ID. */
	replyHeaders?: (request: CoreRequest) => Record<string, string>;
	/** Called when a request is done, with its status and time in milliseconds. */
	onDone?: (request: CoreRequest, status: number, ms: number) => void;
}

/** A running core server. */
export interface CoreServer {
	/** `http://127.0.0.1:<port>`, without any API prefix. */
	origin: string;
	port: number;
	stop(): Promise<void>;
}

/**
 * Starts an OpenAI-style server on 127.0.0.1.
 *
 * @returns its origin and a `stop` that drops open connections.
 */
export async function startCoreServer(options: CoreServerOptions): Promise<CoreServer> {
	const validating = contractPath() !== undefined;
	const sockets = new Set<Socket>();
	let count = 0;

	const withPreset = (request: CoreRequest, reply: Reply): Reply => ({
		...reply,
		headers: { ...options.replyHeaders?.(request), ...reply.headers },
	});

	async function handle(request: CoreRequest, res: http.ServerResponse): Promise<void> {
		const early = options.faultBeforeBody?.(request);
		if (early && typeof early === 'object' && early.fault === 'reset-upload') {
			await resetUpload(request.raw, early.afterBytes);
			return;
		}
		if (options.readBody !== false) {
			Object.assign(request, await readBody(request.raw, options.maxUploadBytes));
			request.contractErrors = options.validate
				? await options.validate(request)
				: validating
					? await openApiErrors(request)
					: [];
		}
		const outcome = await options.answer(request);
		if (outcome === 'hang') return;
		if (outcome === 'reset') {
			request.raw.socket.destroy();
			return;
		}
		if ('fault' in outcome) {
			if (outcome.fault !== 'reset-upload')
				sendBroken(res, { ...outcome, reply: withPreset(request, outcome.reply) });
			return;
		}
		sendReply(res, withPreset(request, outcome));
	}

	const server = http.createServer((req, res) => {
		const n = ++count;
		const started = Date.now();
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const apiPath = options.apiPath ? options.apiPath(url) : url.pathname.replace(/^\/v1/, '');
		const method = req.method ?? 'GET';
		const request: CoreRequest = {
			method,
			url,
			apiPath,
			headers: req.headers,
			contractErrors: [],
			raw: req,
			serial: n,
		};
		(validating
			? operationOf(method, apiPath)
			: Promise.resolve(KNOWN_OPERATIONS[`${method} ${apiPath}`])
		)
			.then((operationId) => {
				request.operationId = operationId;
				return handle(request, res);
			})
			.catch((error: Error) => {
				const e =
					error instanceof ApiError
						? error
						: new ApiError(500, `Server failure: ${error.message}`, null, 'server_error');
				if (!res.headersSent && !res.destroyed)
					sendReply(
						res,
						withPreset(request, {
							status: e.status,
							body: openAiError(e.message, e.type, e.code, e.param),
						}),
					);
			})
			.finally(() => options.onDone?.(request, res.statusCode, Date.now() - started));
	});
	// A speech engine may take minutes on a podcast chunk: no request or keep-alive timeout may
	// cut a connection while its reply is being made (Node's default requestTimeout is 300 s).
	server.requestTimeout = 0;
	server.keepAliveTimeout = 60_000;
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		origin: `http://127.0.0.1:${port}`,
		port,
		stop: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** A model entry of `GET /models`. */
export interface ModelEntry {
	id: string;
	object: string;
	created: number;
	owned_by: string;
}

/** The reply of `listModels`: `{object: 'list', data}`. */
export function modelList(models: ModelEntry[]): Reply {
	return { status: 200, body: { object: 'list', data: models } };
}

/** A transcript as the servers know it, before it is put in a response format. */
export interface Transcript {
	text: string;
	language: string;
	/** Seconds. */
	duration: number;
	/** Segments of `verbose_json`, with whatever fields the server fills in; start and end in seconds. */
	segments: Array<{ start: number; end: number; text: string } & Record<string, unknown>>;
	words?: Array<{ word: string; start: number; end: number }>;
	/** Extra fields of the `json` reply, e.g. `usage`. */
	extra?: Record<string, unknown>;
}

function timestamp(seconds: number, separator: ',' | '.'): string {
	const ms = Math.round(seconds * 1000);
	const pad = (n: number, width = 2) => String(n).padStart(width, '0');
	return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(
		Math.floor(ms / 1000) % 60,
	)}${separator}${pad(ms % 1000, 3)}`;
}

/**
 * A transcript in one of OpenAI's response formats, as OpenAI writes them: srt cues numbered,
 * vtt cues not, each cue followed by a blank line; `verbose_json` with `segments` and `words` as
 * the granularities ask (none asked: segments only).
 *
 * @throws ApiError 400 for a format the servers do not produce.
 */
export function transcriptReply(
	format: string,
	task: 'transcribe' | 'translate',
	transcript: Transcript,
	granularities: string[] = [],
): Reply {
	const text = (type: string, body: string): Reply => ({
		status: 200,
		headers: { 'content-type': type },
		body,
	});
	const cues = (separator: ',' | '.', numbered: boolean) =>
		transcript.segments
			.map(
				(s, i) =>
					`${numbered ? `${i + 1}\n` : ''}${timestamp(s.start, separator)} --> ${timestamp(
						s.end,
						separator,
					)}\n${s.text.trim()}\n\n`,
			)
			.join('');
	switch (format) {
		case 'text':
			return text('text/plain; charset=utf-8', `${transcript.text}\n`);
		case 'srt':
			return text('text/plain; charset=utf-8', cues(',', true));
		case 'vtt':
			return text('text/plain; charset=utf-8', `WEBVTT\n\n${cues('.', false)}`);
		case 'verbose_json': {
			const body: Record<string, unknown> = {
				task,
				language: transcript.language,
				duration: transcript.duration,
				text: transcript.text,
			};
			if (granularities.length === 0 || granularities.includes('segment'))
				body.segments = transcript.segments;
			if (granularities.includes('word') && transcript.words) body.words = transcript.words;
			return { status: 200, body };
		}
		case 'json':
			return { status: 200, body: { text: transcript.text, ...transcript.extra } };
		default:
			throw new ApiError(
				400,
				`response_format "${format}" is not supported by this server`,
				'unsupported_response_format',
				'invalid_request_error',
				'response_format',
			);
	}
}

/** Server-sent events, one `data:` line per payload. */
export function eventStream(...payloads: object[]): string {
	return payloads.map((payload) => `data: ${JSON.stringify(payload)}\n\n`).join('');
}
