/**
 * A local HTTP server that speaks OpenAI's audio API for integration tests, on loopback only.
 *
 * It records every request it receives (JSON bodies, multipart fields and the exact file bytes),
 * validates each one against the official OpenAPI document, and answers:
 * - an invalid request with an OpenAI-shaped 400;
 * - a wrong key with 401;
 * - otherwise with a scripted reply when a test queued one, else a default reply built from real
 *   fixture audio and transcripts.
 */
import busboy from 'busboy';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';

import { validateRequest } from '../../server/openapi-contract';
import { validateJsonUpload } from './gateway-contract';
import { validateOpperRequest } from './opper-contract';

export const FIXTURES = path.resolve(__dirname, '../fixtures/audio');

/** A file received in a multipart body. */
export interface ReceivedFile {
	field: string;
	fileName: string;
	contentType: string;
	bytes: Buffer;
}

/** One request as the server received it. */
export interface ReceivedRequest {
	method: string;
	/** The path below `/v1`, e.g. `/audio/speech`. */
	apiPath: string;
	headers: http.IncomingHttpHeaders;
	/** A JSON body, parsed. */
	json?: Record<string, unknown>;
	/** Multipart text fields; `name[]` fields are collected into arrays under `name`. */
	fields?: Record<string, string | string[]>;
	files?: ReceivedFile[];
	/** OpenAPI validation errors; empty when the request matches the document. */
	contractErrors: string[];
	/** Azure style: the deployment named in the path, and the `api-version` query parameter. */
	deployment?: string;
	apiVersion?: string | null;
}

/**
 * `openai`: OpenAI's routes under `/v1`, key in `Authorization: Bearer`.
 * `azure`: Azure OpenAI's routes (`/openai/deployments/{deployment}/audio/...?api-version=`,
 * `/openai/models`), key in `api-key`, a missing api-version answered with 404 as Azure does.
 * `gateway`: the `/api/client/v1` gateway of seed 002: OpenAI's routes there, transcriptions and
 * translations also as JSON with a base64 `audio` object, and `request_id` in every JSON reply.
 * `opper`: Opper's `/v3` gateway of seed 000: JSON speech replies with base64 audio, `file_id`
 * and `url`; JSON transcription requests; `GET /audio/models` with voices and formats.
 */
export type ServerStyle = 'openai' | 'azure' | 'gateway' | 'opper';

/** A reply a test scripts. `reset` drops the connection; `hang` never answers. */
export type ScriptedReply =
	| { status: number; headers?: Record<string, string>; body?: string | Buffer | object }
	| 'reset'
	| 'hang';

const TRANSCRIPT = 'hello world';

/** Default models of `GET /models`. */
export const DEFAULT_MODELS = [
	{ id: 'whisper-1', object: 'model', created: 1677532384, owned_by: 'openai-internal' },
	{ id: 'gpt-4o-mini-tts', object: 'model', created: 1742403959, owned_by: 'system' },
	{ id: 'tts-1', object: 'model', created: 1681940951, owned_by: 'openai-internal' },
	{ id: 'gpt-4o-transcribe', object: 'model', created: 1742068463, owned_by: 'system' },
	{ id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' },
];

const SPEECH_FIXTURE: Record<string, { file: string; type: string }> = {
	mp3: { file: 'hello.mp3', type: 'audio/mpeg' },
	opus: { file: 'hello.ogg', type: 'audio/ogg' },
	aac: { file: 'hello.aac', type: 'audio/aac' },
	flac: { file: 'hello.flac', type: 'audio/flac' },
	wav: { file: 'hello.wav', type: 'audio/wav' },
	pcm: { file: 'hello.wav', type: 'audio/pcm' },
};

function transcriptReply(
	format: string,
	task: 'transcribe' | 'translate',
): { type: string; body: string } {
	const segments = [
		{
			id: 0,
			seek: 0,
			start: 0.0,
			end: 1.1,
			text: ` ${TRANSCRIPT}`,
			tokens: [1, 2],
			temperature: 0,
			avg_logprob: -0.2,
			compression_ratio: 0.8,
			no_speech_prob: 0.01,
		},
	];
	switch (format) {
		case 'text':
			return { type: 'text/plain; charset=utf-8', body: `${TRANSCRIPT}\n` };
		case 'srt':
			return {
				type: 'text/plain; charset=utf-8',
				body: `1\n00:00:00,000 --> 00:00:01,100\n${TRANSCRIPT}\n\n`,
			};
		case 'vtt':
			return {
				type: 'text/plain; charset=utf-8',
				body: `WEBVTT\n\n00:00:00.000 --> 00:00:01.100\n${TRANSCRIPT}\n\n`,
			};
		case 'verbose_json':
			return {
				type: 'application/json',
				body: JSON.stringify({
					task,
					language: 'english',
					duration: 1.23,
					text: TRANSCRIPT,
					segments,
					words: [
						{ word: 'hello', start: 0.1, end: 0.5 },
						{ word: 'world', start: 0.55, end: 1.0 },
					],
				}),
			};
		case 'diarized_json':
			return {
				type: 'application/json',
				body: JSON.stringify({
					task: 'transcribe',
					duration: 1.23,
					text: TRANSCRIPT,
					segments: [
						{
							type: 'transcript.text.segment',
							id: 'seg_0',
							start: 0,
							end: 1.1,
							text: TRANSCRIPT,
							speaker: 'A',
						},
					],
				}),
			};
		default:
			return {
				type: 'application/json',
				body: JSON.stringify({ text: TRANSCRIPT, usage: { type: 'duration', seconds: 2 } }),
			};
	}
}

function openAiError(
	message: string,
	type: string,
	code: string | null,
	param: string | null = null,
) {
	return { error: { message, type, param, code } };
}

/** The test server. Create, `start()`, point a credential at `baseUrl`, `stop()` when done. */
/**
 * The media type and bytes of a base64 `data:` URI, or undefined for anything else. Read by
 * position: a regular expression over a 30 MB URI can exhaust V8's backtracking stack.
 */
function parseDataUri(uri: string): { contentType: string; bytes: Buffer } | undefined {
	const comma = uri.indexOf(',');
	if (!uri.startsWith('data:') || comma < 0) return undefined;
	const header = uri.slice(5, comma);
	if (!header.endsWith(';base64')) return undefined;
	const contentType = header.split(';')[0];
	if (!contentType) return undefined;
	return { contentType, bytes: Buffer.from(uri.slice(comma + 1), 'base64') };
}

/** Server-sent events, one `data:` line per payload. */
function eventStream(...payloads: object[]): string {
	return payloads.map((payload) => `data: ${JSON.stringify(payload)}\n\n`).join('');
}

export class OpenAiTestServer {
	readonly requests: ReceivedRequest[] = [];

	/** When set, requests without the key get 401: `Authorization: Bearer <apiKey>`, or the `keyHeader`. */
	apiKey: string | undefined;

	/** The header that must carry the bare key instead of `Authorization: Bearer` (Azure: `api-key`). */
	keyHeader: string | undefined;

	constructor(readonly style: ServerStyle = 'openai') {
		if (style === 'azure') this.keyHeader = 'api-key';
	}

	private readonly scripted: ScriptedReply[] = [];

	private readonly sockets = new Set<Socket>();

	private server: http.Server | undefined;

	baseUrl = '';

	/** Every request that did not match the OpenAPI document, as `METHOD path: errors`. */
	contractViolations(): string[] {
		return this.requests
			.filter((r) => r.contractErrors.length > 0)
			.map((r) => `${r.method} ${r.apiPath}: ${r.contractErrors.join('; ')}`);
	}

	/** Queues replies for the next requests, in order; after them the default replies resume. */
	script(...replies: ScriptedReply[]): void {
		this.scripted.push(...replies);
	}

	async start(): Promise<string> {
		this.server = http.createServer((req, res) => {
			this.handle(req, res).catch((error: Error) => {
				res.writeHead(500, { 'content-type': 'application/json' });
				res.end(
					JSON.stringify(
						openAiError(`test server failure: ${error.message}`, 'server_error', null),
					),
				);
			});
		});
		this.server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		const { port } = this.server.address() as AddressInfo;
		const prefix = { openai: '/v1', azure: '', gateway: '/api/client/v1', opper: '/v3' }[
			this.style
		];
		this.baseUrl = `http://127.0.0.1:${port}${prefix}`;
		return this.baseUrl;
	}

	async stop(): Promise<void> {
		for (const socket of this.sockets) socket.destroy();
		await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
	}

	private async readBody(
		req: http.IncomingMessage,
	): Promise<Pick<ReceivedRequest, 'json' | 'fields' | 'files'>> {
		const contentType = req.headers['content-type'] ?? '';
		if (contentType.startsWith('multipart/form-data')) {
			return await new Promise((resolve, reject) => {
				const fields: Record<string, string | string[]> = {};
				const files: ReceivedFile[] = [];
				const parser = busboy({ headers: req.headers });
				parser.on('field', (name, value) => {
					if (name.endsWith('[]')) {
						const key = name.slice(0, -2);
						fields[key] = [...((fields[key] as string[] | undefined) ?? []), value];
					} else {
						fields[name] = value;
					}
				});
				parser.on('file', (field, stream, info) => {
					const chunks: Buffer[] = [];
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
				parser.on('close', () => resolve({ fields, files }));
				parser.on('error', reject);
				req.pipe(parser);
			});
		}
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const text = Buffer.concat(chunks).toString('utf8');
		return text ? { json: JSON.parse(text) as Record<string, unknown> } : {};
	}

	private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const prefix = { openai: /^\/v1/, azure: /^$/, gateway: /^\/api\/client\/v1/, opper: /^\/v3/ }[
			this.style
		];
		let apiPath = url.pathname.replace(prefix, '');
		const azure: Pick<ReceivedRequest, 'deployment' | 'apiVersion'> = {};
		if (this.style === 'azure') {
			const route =
				/^\/openai\/deployments\/([^/]+)\/audio\/(speech|transcriptions|translations)$/.exec(
					url.pathname,
				);
			apiPath = route
				? `/audio/${route[2]}`
				: url.pathname === '/openai/models'
					? '/models'
					: url.pathname;
			if (route) azure.deployment = decodeURIComponent(route[1]);
			azure.apiVersion = url.searchParams.get('api-version');
		}
		const body = await this.readBody(req);
		const contractBody = body.fields
			? {
					...body.fields,
					...Object.fromEntries(
						(body.files ?? []).map((f) => [f.field, `<${f.bytes.length} bytes>`]),
					),
				}
			: body.json;
		const jsonUpload =
			this.style === 'gateway' &&
			(apiPath === '/audio/transcriptions' || apiPath === '/audio/translations') &&
			body.json !== undefined;
		const contractErrors = jsonUpload
			? validateJsonUpload(
					body.json,
					apiPath === '/audio/translations' ? 'translations' : 'transcriptions',
				)
			: this.style === 'opper'
				? validateOpperRequest(req.method ?? 'GET', apiPath, body.json)
				: await validateRequest({
						method: req.method ?? 'GET',
						apiPath,
						contentType: req.headers['content-type'],
						body: contractBody,
					});
		const dataUri = parseDataUri(String(body.json?.audio ?? ''));
		if (this.style === 'opper' && dataUri) {
			body.files = [{ field: 'audio', fileName: '', ...dataUri }];
		}
		if (jsonUpload && contractErrors.length === 0) {
			// The decoded audio is recorded as a file, so tests compare bytes as for multipart.
			const audio = body.json!.audio as { data: string; fileName: string; contentType: string };
			body.files = [
				{
					field: 'audio',
					fileName: audio.fileName,
					contentType: audio.contentType,
					bytes: Buffer.from(audio.data, 'base64'),
				},
			];
			body.fields = Object.fromEntries(
				Object.entries(body.json!)
					.filter(([k]) => k !== 'audio')
					.map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]),
			);
		}
		const received: ReceivedRequest = {
			method: req.method ?? 'GET',
			apiPath,
			headers: req.headers,
			...body,
			contractErrors,
			...azure,
		};
		this.requests.push(received);

		const send = (
			status: number,
			payload: string | Buffer | object,
			headers: Record<string, string> = {},
		) => {
			const isObject = typeof payload === 'object' && !Buffer.isBuffer(payload);
			const all: Record<string, string> = {
				'x-request-id': `req_${this.requests.length}`,
				...(isObject ? { 'content-type': 'application/json' } : {}),
				...headers,
			};
			// An empty value means "send no such header".
			for (const [name, value] of Object.entries(all)) if (value === '') delete all[name];
			res.writeHead(status, all);
			res.end(isObject ? JSON.stringify(payload) : payload);
		};

		if (this.style === 'azure' && !azure.apiVersion) {
			send(404, { error: { code: '404', message: 'Resource not found' } });
			return;
		}
		const given = this.keyHeader
			? String(req.headers[this.keyHeader.toLowerCase()] ?? '')
			: String(req.headers.authorization ?? '').replace(/^Bearer /, '');
		const expected = this.keyHeader ? this.apiKey : `Bearer ${this.apiKey}`;
		const presented = this.keyHeader ? given : req.headers.authorization;
		if (this.apiKey !== undefined && presented !== expected) {
			// Echoes the key like some careless servers do, so that redaction is tested.
			send(
				401,
				openAiError(
					`Incorrect API key provided: ${given}.`,
					'invalid_request_error',
					'invalid_api_key',
				),
			);
			return;
		}

		const next = this.scripted.shift();
		if (next === 'reset') {
			req.socket.destroy();
			return;
		}
		if (next === 'hang') return;
		if (next) {
			send(next.status, next.body ?? '', next.headers);
			return;
		}

		if (contractErrors.length > 0) {
			send(
				400,
				openAiError(
					`Invalid request: ${contractErrors.join('; ')}`,
					'invalid_request_error',
					'invalid_request',
				),
			);
			return;
		}
		this.defaultReply(received, send);
	}

	private opperReply(
		request: ReceivedRequest,
		send: (
			status: number,
			payload: string | Buffer | object,
			headers?: Record<string, string>,
		) => void,
	): void {
		if (request.apiPath === '/audio/models') {
			send(200, {
				data: [
					{
						id: 'openai/tts-1',
						type: 'tts',
						voices: ['alloy', 'nova', 'onyx'],
						formats: ['mp3', 'wav', 'opus'],
					},
					{ id: 'openai/whisper-1', type: 'stt', formats: ['mp3', 'wav', 'm4a'] },
					{ id: 'elevenlabs/scribe', tags: ['stt'], formats: ['mp3'] },
				],
			});
			return;
		}
		if (request.apiPath === '/audio/speech') {
			const format = String(request.json?.format ?? 'mp3');
			const fixture = SPEECH_FIXTURE[format];
			const stored = request.json?.store !== false;
			send(200, {
				audio: {
					b64_json: readFileSync(path.join(FIXTURES, fixture.file)).toString('base64'),
					mime_type: fixture.type,
				},
				...(stored
					? { file_id: 'file_speech_1', url: 'https://files.opper.example/file_speech_1?sig=abc' }
					: {}),
				usage: { cost: 0.00015, characters: String(request.json?.input ?? '').length },
			});
			return;
		}
		if (request.apiPath === '/audio/transcriptions') {
			const diarize = request.json?.diarize === true;
			send(200, {
				text: 'hello world',
				language: 'en',
				segments: [
					{ start: 0, end: 1.1, text: 'hello world', ...(diarize ? { speaker: 'speaker_0' } : {}) },
				],
			});
			return;
		}
		send(404, {
			error: { message: `Unknown path ${request.apiPath}`, type: 'not_found', code: 'not_found' },
		});
	}

	private defaultReply(
		request: ReceivedRequest,
		send: (
			status: number,
			payload: string | Buffer | object,
			headers?: Record<string, string>,
		) => void,
	): void {
		if (this.style === 'opper') {
			this.opperReply(request, send);
			return;
		}
		if (request.method === 'GET' && request.apiPath === '/models') {
			send(200, { object: 'list', data: DEFAULT_MODELS });
			return;
		}
		if (request.apiPath === '/audio/speech') {
			const format = String(request.json?.response_format ?? 'mp3');
			const fixture = SPEECH_FIXTURE[format];
			const bytes = readFileSync(path.join(FIXTURES, fixture.file));
			if (request.json?.stream_format === 'sse') {
				// Seed 004: speech.audio.delta events with base64 audio, then speech.audio.done.
				const half = Math.floor(bytes.length / 2);
				send(
					200,
					eventStream(
						{ type: 'speech.audio.delta', audio: bytes.subarray(0, half).toString('base64') },
						{ type: 'speech.audio.delta', audio: bytes.subarray(half).toString('base64') },
						{
							type: 'speech.audio.done',
							usage: { input_tokens: 4, output_tokens: 60, total_tokens: 64 },
						},
					),
					{ 'content-type': 'text/event-stream' },
				);
				return;
			}
			// pcm is the WAV's samples without the 44-byte header.
			send(200, format === 'pcm' ? bytes.subarray(44) : bytes, { 'content-type': fixture.type });
			return;
		}
		if (request.apiPath === '/chat/completions') {
			const spoken = (request.json?.modalities as string[] | undefined)?.includes('audio');
			const answer = 'The speaker says hello world.';
			const message = spoken
				? {
						role: 'assistant',
						content: null,
						refusal: null,
						audio: {
							id: 'audio_1',
							expires_at: 1790000000,
							transcript: answer,
							data: readFileSync(path.join(FIXTURES, 'hello.mp3')).toString('base64'),
						},
					}
				: { role: 'assistant', content: answer, refusal: null };
			send(200, {
				id: 'chatcmpl-1',
				object: 'chat.completion',
				created: 1790000000,
				model: String(request.json?.model),
				choices: [{ index: 0, message, finish_reason: 'stop' }],
				usage: { prompt_tokens: 30, completion_tokens: 8, total_tokens: 38 },
			});
			return;
		}
		if (request.apiPath === '/audio/transcriptions' && request.fields?.stream === 'true') {
			// Seed 001: transcript.text.delta events, then transcript.text.done with the text.
			const logprobs = [{ token: 'hello', logprob: -0.1, bytes: [104] }];
			const withLogprobs = ([] as string[])
				.concat(request.fields.include ?? [])
				.includes('logprobs');
			send(
				200,
				eventStream(
					{ type: 'transcript.text.delta', delta: 'hello' },
					{ type: 'transcript.text.delta', delta: ' world' },
					{
						type: 'transcript.text.done',
						text: TRANSCRIPT,
						...(withLogprobs ? { logprobs } : {}),
						usage: { type: 'tokens', input_tokens: 14, output_tokens: 2, total_tokens: 16 },
					},
				),
				{ 'content-type': 'text/event-stream' },
			);
			return;
		}
		if (request.apiPath === '/audio/transcriptions' || request.apiPath === '/audio/translations') {
			const reply = transcriptReply(
				String(request.fields?.response_format ?? 'json'),
				request.apiPath === '/audio/translations' ? 'translate' : 'transcribe',
			);
			if (this.style === 'gateway' && reply.type === 'application/json') {
				// Seed 002: transcripts carry request_id in the body, not in X-Request-Id.
				const body = { ...JSON.parse(reply.body), request_id: `req_gw_${this.requests.length}` };
				send(200, JSON.stringify(body), { 'content-type': reply.type, 'x-request-id': '' });
				return;
			}
			send(200, reply.body, { 'content-type': reply.type });
			return;
		}
		send(
			404,
			openAiError(`Unknown path ${request.apiPath}`, 'invalid_request_error', 'unknown_url'),
		);
	}
}
