import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';
import { NodeOperationError, sleep } from 'n8n-workflow';

import { AudioApiError, CutOffError } from '../../lib/errors';
import { asBlob, type StreamedBody } from '../../lib/http/body';
import {
	isQuotaError,
	parseProviderError,
	redactSecrets,
	type ProviderError,
} from '../../lib/http/provider-error';
import {
	parseRetryAfter,
	RETRYABLE_ERROR_CODES,
	RETRYABLE_STATUSES,
	retryDelayMs,
} from '../../lib/http/retry';
import { providerFor, type Operation, type Provider } from '../../lib/providers';
import {
	baseUrlError,
	connectionError,
	fromAudioApiError,
	providerApiError,
	redirectError,
	type AttemptFailure,
	type Context,
} from './errors';

export const CREDENTIAL_TYPE = 'audioApi';

/** How hard to try. */
export interface RetryOptions {
	/** Retries after the first attempt, on 429, 500, 502, 503, 504 and broken connections. */
	maxRetries: number;
	/** Time limit of one attempt in milliseconds. */
	timeoutMs: number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = { maxRetries: 2, timeoutMs: 600_000 };

/** Most same-origin redirects followed for one request. */
const MAX_REDIRECTS = 5;

/** Largest error body read, in bytes: enough for any error message, never a whole file. */
const MAX_ERROR_BODY = 1024 * 1024;

/** The credential's provider module, Base URL (no trailing slash) and the secrets to hide. */
export interface Endpoint {
	provider: Provider;
	baseUrl: string;
	apiVersion?: string;
	/** The API key and the custom header's value: never shown in items, errors or logs. */
	secrets: string[];
}

// One lookup per node run: n8n reads and decrypts the credential on every getCredentials call,
// a database query each time in a real n8n.
const credentialsByRun = new WeakMap<object, Promise<ICredentialDataDecryptedObject>>();

/**
 * The credential's endpoint, read once per node run.
 *
 * @throws NodeOperationError when the credential cannot be read, or its custom auth header has
 *   no name.
 */
export async function endpoint(ctx: Context): Promise<Endpoint> {
	let pending = credentialsByRun.get(ctx);
	if (!pending) {
		pending = ctx.getCredentials<ICredentialDataDecryptedObject>(CREDENTIAL_TYPE);
		credentialsByRun.set(ctx, pending);
		pending.catch(() => credentialsByRun.delete(ctx));
	}
	const credentials = await pending;
	const provider = providerFor(credentials.apiStyle);
	if (
		provider.authHeader((credentials.authHeader as 'custom' | undefined) ?? 'bearer') ===
			'custom' &&
		!String(credentials.authHeaderName ?? '').trim()
	) {
		throw new NodeOperationError(
			ctx.getNode(),
			'The credential sends the key in a custom header with no name',
			{
				description:
					'Fill in Header Name in the Audio API credential, or pick another Authentication Header.',
			},
		);
	}
	return {
		provider,
		baseUrl: String(credentials.baseUrl ?? '')
			.trim()
			.replace(/\/+$/, ''),
		apiVersion: credentials.apiVersion ? String(credentials.apiVersion) : undefined,
		secrets: [credentials.apiKey, credentials.customHeaderSecret]
			.map((value) => String(value ?? ''))
			.filter((value) => value.length >= 4),
	};
}

/** Replaces the credential's secrets in `text` (see `redactSecrets`). */
export async function redact(ctx: Context, text: string): Promise<string> {
	return redactSecrets(text, (await endpoint(ctx)).secrets);
}

/** One API call. */
export interface ApiRequest {
	method: 'GET' | 'POST';
	/** What to do; the credential's API style decides the path and query. */
	operation: Operation;
	/** The model ID (for Azure, the deployment name), for styles that route by model. */
	model?: string;
	/** The body; it is produced afresh for each attempt. */
	body?: StreamedBody;
}

/** A provider's successful reply, handed to the reader while its body is still arriving. */
export interface ApiReply {
	status: number;
	/** Header names in lower case, first value only. */
	headers: Record<string, string | undefined>;
	contentType: string;
	/** From `x-request-id`, when the provider sends it. */
	requestId?: string;
	/**
	 * The body as it arrives; read it once. A body that ends before its Content-Length throws a
	 * CutOffError, a connection that breaks throws its socket error: both are retried.
	 */
	body: AsyncIterable<Buffer>;
	/** The whole body as bytes. */
	buffer(): Promise<Buffer>;
	/** The whole body as UTF-8 text, with the credential's secrets replaced by `***`. */
	text(): Promise<string>;
}

/**
 * The request ID of a reply: the body's `request_id` (the `/api/client/v1` gateway documents it
 * in every reply), else the `X-Request-Id` header.
 */
export function requestIdOf(reply: ApiReply, body?: Record<string, unknown>): string | undefined {
	const fromBody = body?.request_id;
	return typeof fromBody === 'string' && fromBody ? fromBody : reply.requestId;
}

/** A readable stream, as n8n's request helpers give a body with `encoding: 'stream'`. */
type BodyStream = AsyncIterable<Uint8Array> & { destroy?: () => void };

const SOCKET_CODE = /^E[A-Z_]+$|^UND_ERR_[A-Z_]+$|^ERR_SOCKET_[A-Z_]+$/;

/**
 * The socket error code of a failed request or body. n8n wraps request errors in a
 * NodeApiError: n8n 2.x keeps the original as `cause`, n8n 1.x only as `httpCode` and in
 * `messages`, so all are read.
 */
function socketCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; current && depth < 5; depth++) {
		const e = current as { code?: unknown; httpCode?: unknown; errorResponse?: { code?: unknown } };
		for (const candidate of [e.code, e.errorResponse?.code, e.httpCode]) {
			if (typeof candidate === 'string' && SOCKET_CODE.test(candidate)) return candidate;
		}
		current = (current as { cause?: unknown }).cause;
	}
	const e = error as { message?: unknown; messages?: unknown };
	const text = [e?.message, ...(Array.isArray(e?.messages) ? e.messages : [])]
		.map(String)
		.join('\n');
	const named = /\b(E[A-Z]{3,}[A-Z_]*)\b/.exec(text)?.[1];
	if (named) return named;
	if (/timeout of \d+ms exceeded/i.test(text)) return 'ECONNABORTED';
	if (/socket hang up|^aborted$|terminated|premature close/im.test(text)) return 'ECONNRESET';
	return undefined;
}

/** Codes of a reply body that broke off: the socket's, and axios's and Node's stream errors. */
const BROKEN_BODY_CODES: ReadonlySet<string> = new Set([
	...RETRYABLE_ERROR_CODES,
	'ERR_BAD_RESPONSE',
	'ERR_STREAM_PREMATURE_CLOSE',
]);

/** Whether an error from reading a reply means the reply broke off (and is worth retrying). */
function brokeOff(error: unknown): boolean {
	if (error instanceof CutOffError) return true;
	if (error instanceof AudioApiError) return false;
	const code = socketCode(error);
	return code !== undefined && BROKEN_BODY_CODES.has(code);
}

const headerValue = (value: unknown) =>
	value === undefined ? undefined : String(Array.isArray(value) ? value[0] : value);

/** Reads a body whole, up to `limit` bytes. */
async function readAll(body: AsyncIterable<Uint8Array>, limit = Infinity): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let length = 0;
	for await (const chunk of body) {
		chunks.push(Buffer.from(chunk));
		length += chunk.length;
		if (length >= limit) break;
	}
	return Buffer.concat(chunks);
}

/** The reply body, counted as it arrives and checked against its Content-Length at the end. */
async function* counted(
	body: BodyStream,
	headers: Record<string, string | undefined>,
	state: AttemptFailure,
): AsyncGenerator<Buffer> {
	state.received = 0;
	const length = Number(headers['content-length']);
	// Decompressed bodies differ in length from the Content-Length of the compressed one.
	state.expected = Number.isFinite(length) && !headers['content-encoding'] ? length : undefined;
	for await (const chunk of body) {
		state.received += chunk.length;
		yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
	}
	if (state.expected !== undefined && state.received < state.expected) {
		throw new CutOffError(`The reply ended after ${state.received} of ${state.expected} bytes`);
	}
}

/**
 * Sends one request to the provider with the Audio API credential and reads its reply with
 * `read`, retrying what can succeed on a later attempt: 429 (not a spent quota), 500, 502, 503,
 * 504, broken connections, and replies that break off while `read` reads them. Waits grow
 * exponentially with jitter and follow `Retry-After`; they use n8n-workflow's `sleep`.
 *
 * Redirects are followed only to the credential's own origin (at most 5), since n8n's request
 * helper would carry the key to any host a redirect names.
 *
 * @param read reads a 2xx reply; it runs inside the retry loop, so a reply that breaks off
 *   midway is requested again. Anything it keeps from a failed attempt is discarded.
 * @param itemIndex the item the request is for, so that errors name it; omit for list lookups.
 * @returns what `read` returns.
 * @throws NodeApiError for a non-2xx reply (with the HTTP status, the provider's message, code
 *   and request ID, and the fix), a redirect elsewhere, or a connection that failed or broke off
 *   on every attempt; NodeOperationError for a Base URL that is not http(s); whatever `read`
 *   throws for a reply it cannot use.
 */
export async function audioApiRequest<T>(
	ctx: Context,
	request: ApiRequest,
	read: (reply: ApiReply) => Promise<T>,
	options: RetryOptions = DEFAULT_RETRY_OPTIONS,
	itemIndex?: number,
): Promise<T> {
	const { secrets } = await endpoint(ctx);
	let { url, qs } = await target(ctx, request, itemIndex);
	let redirects = 0;

	for (let attempt = 0; ; attempt++) {
		const canRetry = attempt < options.maxRetries;
		const wait = async (retryAfterMs?: number) => {
			const delay = retryDelayMs(attempt, retryAfterMs);
			if (delay !== undefined) await sleep(delay);
			return delay !== undefined;
		};
		const sent = await send(ctx, httpOptions(request, url, qs, options));
		if ('code' in sent) {
			const { code } = sent;
			if (canRetry && code && RETRYABLE_ERROR_CODES.has(code) && (await wait())) continue;
			throw connectionError(ctx, url, { code }, attempt + 1, options.timeoutMs, itemIndex);
		}
		const { status, headers, body } = sent;

		if (status >= 300 && status < 400 && headers.location) {
			body.destroy?.();
			const next = new URL(headers.location, url);
			if (next.origin !== new URL(url).origin || redirects >= MAX_REDIRECTS) {
				throw redirectError(ctx, status, next.href, itemIndex);
			}
			redirects++;
			url = next.href;
			qs = undefined;
			attempt--;
			continue;
		}

		if (status < 200 || status >= 300) {
			const error = await errorOf(status, headers, body, secrets);
			const retryable = RETRYABLE_STATUSES.has(status) && !isQuotaError(error);
			if (canRetry && retryable && (await wait(parseRetryAfter(headers)))) continue;
			throw providerApiError(ctx, error, attempt + 1, itemIndex);
		}

		const failure: AttemptFailure = {};
		const outcome = await read(replyOf(status, headers, body, secrets, failure)).then(
			(value) => ({ value }),
			(error: unknown) => ({ error }),
		);
		body.destroy?.();
		if (!('error' in outcome)) return outcome.value;
		if (!brokeOff(outcome.error)) throw outcome.error;
		failure.code = socketCode(outcome.error);
		if (outcome.error instanceof CutOffError) failure.reason = outcome.error.message;
		if (canRetry && (await wait())) continue;
		throw connectionError(ctx, url, failure, attempt + 1, options.timeoutMs, itemIndex);
	}
}

/**
 * Where a request goes: the credential's Base URL and the style's route.
 *
 * @throws NodeOperationError for a Base URL that is not http(s), or an operation the style lacks.
 */
async function target(
	ctx: Context,
	request: ApiRequest,
	itemIndex?: number,
): Promise<{ url: string; qs?: Record<string, string> }> {
	const { provider, baseUrl, apiVersion } = await endpoint(ctx);
	if (!/^https?:\/\/[^/]/i.test(baseUrl)) throw baseUrlError(ctx, baseUrl, itemIndex);
	try {
		const route = provider.route(request.operation, request.model, apiVersion);
		return { url: `${baseUrl}${route.path}`, ...(route.qs ? { qs: route.qs } : {}) };
	} catch (error) {
		if (error instanceof AudioApiError) throw fromAudioApiError(ctx, error, itemIndex);
		throw new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
	}
}

/** n8n's request options for one attempt: the reply as a stream, no redirect followed. */
function httpOptions(
	request: ApiRequest,
	url: string,
	qs: Record<string, string> | undefined,
	options: RetryOptions,
): IHttpRequestOptions {
	return {
		method: request.method,
		url,
		...(qs ? { qs } : {}),
		json: false,
		encoding: 'stream',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		// The key must not follow a redirect to another host; same-origin ones are followed by hand.
		disableFollowRedirect: true,
		timeout: options.timeoutMs,
		headers: { Accept: 'application/json, text/plain, audio/*, */*' },
		...(request.body ? { body: asBlob(request.body) } : {}),
	};
}

/** Sends one attempt: the reply's status, headers (lower case) and body, or the socket error code. */
async function send(
	ctx: Context,
	options: IHttpRequestOptions,
): Promise<
	| { status: number; headers: Record<string, string | undefined>; body: BodyStream }
	| { code: string | undefined }
> {
	try {
		const response = (await ctx.helpers.httpRequestWithAuthentication.call(
			ctx,
			CREDENTIAL_TYPE,
			options,
		)) as { statusCode: number; headers?: Record<string, unknown>; body: unknown };
		return {
			status: response.statusCode,
			headers: Object.fromEntries(
				Object.entries(response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), headerValue(v)]),
			),
			body: response.body as BodyStream,
		};
	} catch (error) {
		return { code: socketCode(error) };
	}
}

/** A non-2xx reply read into what the provider said, its text free of the secrets. */
async function errorOf(
	status: number,
	headers: Record<string, string | undefined>,
	body: BodyStream,
	secrets: string[],
): Promise<ProviderError> {
	const text = await readAll(body, MAX_ERROR_BODY).then(
		(bytes) => redactSecrets(bytes.toString('utf8'), secrets),
		() => '',
	);
	body.destroy?.();
	return parseProviderError(status, headers, text);
}

/** A 2xx reply for the reader, its body counted into `failure` as it arrives. */
function replyOf(
	status: number,
	headers: Record<string, string | undefined>,
	body: BodyStream,
	secrets: string[],
	failure: AttemptFailure,
): ApiReply {
	const stream = counted(body, headers, failure);
	return {
		status,
		headers,
		contentType: headers['content-type'] ?? '',
		...(headers['x-request-id'] ? { requestId: headers['x-request-id'] } : {}),
		body: stream,
		buffer: async () => await readAll(stream),
		text: async () => redactSecrets((await readAll(stream)).toString('utf8'), secrets),
	};
}
