/**
 * A local HTTP server that speaks OpenAI's audio API for integration tests, on loopback only,
 * built on the core in server/openai-core.ts (routing by OpenAPI operationId, body reading,
 * faults on the wire). What it adds: the Azure, gateway and Opper routes and contracts.
 *
 * It records every request it receives (JSON bodies, multipart fields and the exact file bytes),
 * validates each one against the official OpenAPI document, and answers:
 * - an invalid request with an OpenAI-shaped 400;
 * - a wrong key with 401;
 * - otherwise with a scripted reply when a test queued one, else a default reply built from real
 *   fixture audio and transcripts.
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';

import {
	eventStream,
	modelList,
	openAiError,
	openApiErrors,
	startCoreServer,
	transcriptReply,
	type CoreRequest,
	type CoreServer,
	type Fault,
	type ReceivedFile,
	type Reply,
} from '../../server/openai-core';
import { validateJsonUpload } from './gateway-contract';
import { validateOpperRequest } from './opper-contract';

export type { ReceivedFile } from '../../server/openai-core';

export const FIXTURES = path.resolve(__dirname, '../fixtures/audio');

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
	/** The OpenAPI operationId, e.g. `createSpeech`; none for paths outside OpenAI's document. */
	operationId?: string;
	/** The connection was reset while the body arrived (a scripted `reset-upload`). */
	interrupted?: boolean;
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

/**
 * A reply a test scripts: a reply, a fault of the core (`reset`, `hang`, a reset mid-upload or
 * mid-reply, a truncated body), or a function of the request (e.g. one that echoes its headers).
 */
export type ScriptedReply = Reply | Fault | ((request: ReceivedRequest) => Reply | Fault);

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

/** The transcript every default transcription reply carries. */
const HELLO: Parameters<typeof transcriptReply>[2] = {
	text: TRANSCRIPT,
	language: 'english',
	duration: 1.23,
	segments: [
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
	],
	words: [
		{ word: 'hello', start: 0.1, end: 0.5 },
		{ word: 'world', start: 0.55, end: 1.0 },
	],
	extra: { usage: { type: 'duration', seconds: 2 } },
};

const DIARIZED = {
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
};

type Send = (
	status: number,
	payload: string | Buffer | object,
	headers?: Record<string, string>,
) => void;

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

/** The test server. Create, `start()`, point a credential at `baseUrl`, `stop()` when done. */
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

	private core: CoreServer | undefined;

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
		this.core = await startCoreServer({
			apiPath: (url) => this.route(url).apiPath,
			replyHeaders: () => ({ 'x-request-id': `req_${this.requests.length}` }),
			faultBeforeBody: (request) => {
				const next = this.scripted[0];
				if (typeof next !== 'object' || !('fault' in next) || next.fault !== 'reset-upload') return;
				this.scripted.shift();
				this.requests.push({ ...this.recorded(request), interrupted: true });
				return next;
			},
			validate: (request) => this.validate(request),
			answer: (request) => this.answer(request),
		});
		const prefix = { openai: '/v1', azure: '', gateway: '/api/client/v1', opper: '/v3' }[
			this.style
		];
		this.baseUrl = `${this.core.origin}${prefix}`;
		return this.baseUrl;
	}

	async stop(): Promise<void> {
		await this.core?.stop();
	}

	/** The path below the style's root, and for Azure the deployment and api-version. */
	private route(url: URL): Pick<ReceivedRequest, 'apiPath' | 'deployment' | 'apiVersion'> {
		const prefix = { openai: /^\/v1/, azure: /^$/, gateway: /^\/api\/client\/v1/, opper: /^\/v3/ }[
			this.style
		];
		if (this.style !== 'azure') return { apiPath: url.pathname.replace(prefix, '') };
		const route =
			/^\/openai\/deployments\/([^/]+)\/audio\/(speech|transcriptions|translations)$/.exec(
				url.pathname,
			);
		return {
			apiPath: route
				? `/audio/${route[2]}`
				: url.pathname === '/openai/models'
					? '/models'
					: url.pathname,
			...(route ? { deployment: decodeURIComponent(route[1]) } : {}),
			apiVersion: url.searchParams.get('api-version'),
		};
	}

	private recorded(request: CoreRequest): ReceivedRequest {
		const { apiPath: _path, ...azure } = this.route(request.url);
		return {
			method: request.method,
			apiPath: request.apiPath,
			...(request.operationId ? { operationId: request.operationId } : {}),
			headers: request.headers,
			...(request.json ? { json: request.json } : {}),
			...(request.fields ? { fields: request.fields } : {}),
			...(request.files ? { files: request.files } : {}),
			contractErrors: request.contractErrors,
			...azure,
		};
	}

	/** Whether the request is the gateway's JSON upload of seed 002. */
	private jsonUpload(request: CoreRequest): boolean {
		return (
			this.style === 'gateway' &&
			(request.apiPath === '/audio/transcriptions' || request.apiPath === '/audio/translations') &&
			request.json !== undefined
		);
	}

	private async validate(request: CoreRequest): Promise<string[]> {
		if (this.jsonUpload(request))
			return validateJsonUpload(
				request.json,
				request.apiPath === '/audio/translations' ? 'translations' : 'transcriptions',
			);
		if (this.style === 'opper')
			return validateOpperRequest(request.method, request.apiPath, request.json);
		return await openApiErrors(request);
	}

	private async answer(request: CoreRequest): Promise<Reply | Fault> {
		const dataUri = parseDataUri(String(request.json?.audio ?? ''));
		if (this.style === 'opper' && dataUri) {
			request.files = [{ field: 'audio', fileName: '', ...dataUri }];
		}
		if (this.jsonUpload(request) && request.contractErrors.length === 0) {
			// The decoded audio is recorded as a file, so tests compare bytes as for multipart.
			const audio = request.json!.audio as { data: string; fileName: string; contentType: string };
			request.files = [
				{
					field: 'audio',
					fileName: audio.fileName,
					contentType: audio.contentType,
					bytes: Buffer.from(audio.data, 'base64'),
				},
			];
			request.fields = Object.fromEntries(
				Object.entries(request.json!)
					.filter(([k]) => k !== 'audio')
					.map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]),
			);
		}
		const received = this.recorded(request);
		this.requests.push(received);

		if (this.style === 'azure' && !received.apiVersion) {
			return { status: 404, body: { error: { code: '404', message: 'Resource not found' } } };
		}
		const given = this.keyHeader
			? String(request.headers[this.keyHeader.toLowerCase()] ?? '')
			: String(request.headers.authorization ?? '').replace(/^Bearer /, '');
		const expected = this.keyHeader ? this.apiKey : `Bearer ${this.apiKey}`;
		const presented = this.keyHeader ? given : request.headers.authorization;
		if (this.apiKey !== undefined && presented !== expected) {
			// Echoes the key like some careless servers do, so that redaction is tested.
			return {
				status: 401,
				body: openAiError(
					`Incorrect API key provided: ${given}.`,
					'invalid_request_error',
					'invalid_api_key',
				),
			};
		}

		const next = this.scripted.shift();
		if (next) return typeof next === 'function' ? next(received) : next;

		if (request.contractErrors.length > 0) {
			return {
				status: 400,
				body: openAiError(
					`Invalid request: ${request.contractErrors.join('; ')}`,
					'invalid_request_error',
					'invalid_request',
				),
			};
		}
		return this.replyTo(received);
	}

	/** The reply a request gets when no reply is scripted, e.g. to script it cut off. */
	replyTo(request: ReceivedRequest): Reply {
		let reply: Reply | undefined;
		const send: Send = (status, body, headers = {}) => (reply = { status, body, headers });
		if (this.style === 'opper') this.opperReply(request, send);
		else this.defaultReply(request.operationId, request, send);
		return reply!;
	}

	private opperReply(request: ReceivedRequest, send: Send): void {
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

	/** OpenAI's replies, routed by the request's OpenAPI operationId. */
	private defaultReply(
		operationId: string | undefined,
		request: ReceivedRequest,
		send: Send,
	): void {
		if (operationId === 'listModels') {
			const { status, body } = modelList(DEFAULT_MODELS);
			send(status, body!);
			return;
		}
		if (operationId === 'createSpeech') {
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
		if (operationId === 'createChatCompletion') {
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
		if (operationId === 'createTranscription' && request.fields?.stream === 'true') {
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
		if (operationId === 'createTranscription' || operationId === 'createTranslation') {
			const format = String(request.fields?.response_format ?? 'json');
			const reply =
				format === 'diarized_json'
					? { status: 200, body: DIARIZED }
					: transcriptReply(
							['text', 'srt', 'vtt', 'verbose_json'].includes(format) ? format : 'json',
							operationId === 'createTranslation' ? 'translate' : 'transcribe',
							HELLO,
							['segment', 'word'],
						);
			if (this.style === 'gateway' && typeof reply.body === 'object') {
				// Seed 002: transcripts carry request_id in the body, not in X-Request-Id.
				const body = { ...reply.body, request_id: `req_gw_${this.requests.length}` };
				send(200, body, { 'x-request-id': '' });
				return;
			}
			send(reply.status, reply.body!, reply.headers);
			return;
		}
		send(
			404,
			openAiError(`Unknown path ${request.apiPath}`, 'invalid_request_error', 'unknown_url'),
		);
	}
}
