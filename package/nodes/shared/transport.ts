import type {
	ICredentialDataDecryptedObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';
// form-data streams a stored binary with a known length; native FormData would buffer it whole.
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports
import type FormData from 'form-data';

import {
	parseProviderError,
	providerErrorHint,
	redactSecret,
	type ProviderError,
} from '../../lib/http/provider-error';
import {
	parseRetryAfter,
	RETRYABLE_ERROR_CODES,
	RETRYABLE_STATUSES,
	retryDelayMs,
} from '../../lib/http/retry';
import { route, type ApiStyle, type Operation, type Route } from '../../lib/providers/style';

export const CREDENTIAL_TYPE = 'audioApi';

type Context = IExecuteFunctions | ILoadOptionsFunctions;

/** One API call, described independently of retries. */
export interface ApiRequest {
	method: IHttpRequestMethods;
	/** What to do; the credential's API style decides the path and query. */
	operation: Operation;
	/** The model ID (for Azure, the deployment name), for styles that route by model. */
	model?: string;
	/** A JSON body. */
	json?: object;
	/**
	 * A multipart body. A factory, because a body that streams a file can be sent only once and a
	 * retry needs a fresh one.
	 */
	multipart?: () => FormData | Promise<FormData>;
	/**
	 * Hand a successful reply's body over as a stream (`ApiResponse.stream`) instead of reading
	 * it: for audio replies that go straight into n8n's binary store. Error replies are still
	 * read whole, for their message.
	 */
	streamReply?: boolean;
}

/** The provider's successful reply. */
export interface ApiResponse {
	statusCode: number;
	/** Header names in lower case. */
	headers: Record<string, string | string[] | undefined>;
	/** The body; empty when it is handed over as `stream`. */
	body: Buffer;
	/** With `streamReply`: the body, not yet read. */
	stream?: Readable;
	/** From `x-request-id`, when the provider sends it. */
	requestId?: string;
}

/** A readable stream, as n8n's request helpers give a body with `encoding: 'stream'`. */
export type Readable = Awaited<ReturnType<IExecuteFunctions['helpers']['getBinaryStream']>>;

function isReadable(value: unknown): value is Readable {
	return (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as { pipe?: unknown }).pipe === 'function' &&
		Symbol.asyncIterator in value
	);
}

/** Reads a reply body of any shape n8n's request helpers give (Buffer, ArrayBuffer, stream, string) into a Buffer. */
export async function bodyBuffer(raw: unknown): Promise<Buffer> {
	if (Buffer.isBuffer(raw)) return raw;
	if (raw instanceof ArrayBuffer) return Buffer.from(new Uint8Array(raw));
	if (isReadable(raw)) {
		const chunks: Buffer[] = [];
		for await (const chunk of raw) chunks.push(Buffer.from(chunk as Uint8Array));
		return Buffer.concat(chunks);
	}
	return Buffer.from(typeof raw === 'string' ? raw : '');
}

/** How hard to try. */
export interface RetryOptions {
	/** Retries after the first attempt, on 429, 500, 502, 503, 504 and broken connections. */
	maxRetries: number;
	/** Time limit of one attempt in milliseconds. */
	timeoutMs: number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = { maxRetries: 2, timeoutMs: 600_000 };

const SOCKET_CODE = /^E[A-Z_]+$|^UND_ERR_[A-Z_]+$|^ERR_SOCKET_[A-Z_]+$/;

/**
 * The socket error code of a failed request. n8n wraps the error in a NodeApiError: n8n 2.x keeps
 * the original as `cause`, n8n 1.x only as `httpCode` and in `messages`, so all are read.
 */
function errorCode(error: unknown): string | undefined {
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
	if (/socket hang up/i.test(text)) return 'ECONNRESET';
	return undefined;
}

function connectionMessage(code: string | undefined, url: string, timeoutMs: number): string {
	const host = (() => {
		try {
			return new URL(url).host;
		} catch {
			return url;
		}
	})();
	switch (code) {
		case 'ECONNREFUSED':
			return `Could not connect to ${host}: the connection was refused (is the server running?)`;
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return `Could not resolve the host ${host}`;
		case 'ECONNABORTED':
		case 'ETIMEDOUT':
			return `${host} did not answer within the timeout of ${timeoutMs} ms`;
		case 'ECONNRESET':
		case 'EPIPE':
			return `The connection to ${host} was reset`;
		default:
			return `The request to ${host} failed${code ? ` (${code})` : ''}`;
	}
}

function connectionHint(code: string | undefined): string {
	if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
		return 'Raise the Timeout option, or send shorter audio.';
	}
	return 'Check the Base URL in the Audio API credential and that the server is reachable from n8n.';
}

/** The credential's API style, Base URL (no trailing slash), Azure api-version, and key (for redaction). */
// One lookup per node run: n8n reads and decrypts the credential on every getCredentials call,
// a database query each time in a real n8n.
const credentialsByRun = new WeakMap<object, Promise<ICredentialDataDecryptedObject>>();

async function endpoint(
	ctx: Context,
): Promise<{ style: ApiStyle; baseUrl: string; apiKey: string; apiVersion?: string }> {
	let pending = credentialsByRun.get(ctx);
	if (!pending) {
		pending = ctx.getCredentials<ICredentialDataDecryptedObject>(CREDENTIAL_TYPE);
		credentialsByRun.set(ctx, pending);
		pending.catch(() => credentialsByRun.delete(ctx));
	}
	const credentials = await pending;
	return {
		style:
			credentials.apiStyle === 'azure' || credentials.apiStyle === 'opper'
				? credentials.apiStyle
				: 'openai',
		baseUrl: String(credentials.baseUrl ?? '')
			.trim()
			.replace(/\/+$/, ''),
		apiKey: String(credentials.apiKey ?? ''),
		apiVersion: credentials.apiVersion ? String(credentials.apiVersion) : undefined,
	};
}

/** The credential's API style, for nodes whose behaviour differs by style. */
export async function apiStyle(ctx: Context): Promise<ApiStyle> {
	return (await endpoint(ctx)).style;
}

/** Builds the NodeApiError for a provider's error reply; the key never appears in it. */
function providerApiError(
	ctx: Context,
	error: ProviderError,
	apiKey: string,
	attempts: number,
	itemIndex?: number,
): NodeApiError {
	const message = redactSecret(error.message, apiKey);
	const details = [
		error.code ? `code: ${error.code}` : undefined,
		error.type ? `type: ${error.type}` : undefined,
		error.param ? `param: ${error.param}` : undefined,
		error.requestId ? `request ID: ${error.requestId}` : undefined,
		attempts > 1 ? `attempts: ${attempts}` : undefined,
	].filter(Boolean);
	const hint = providerErrorHint(error);
	const response: JsonObject = {
		status: error.status,
		message,
		...(error.code ? { code: error.code } : {}),
		...(error.type ? { type: error.type } : {}),
		...(error.param ? { param: error.param } : {}),
		...(error.requestId ? { requestId: error.requestId } : {}),
	};
	return new NodeApiError(ctx.getNode(), response, {
		message: `The provider answered ${error.status}: ${message}`,
		description: [hint, details.join(', ')].filter(Boolean).join(' — ') || undefined,
		httpCode: String(error.status),
		itemIndex,
	});
}

/**
 * Sends one request to the provider with the Audio API credential, retrying rate limits,
 * transient server errors and broken connections with exponential backoff and jitter, and
 * honouring `Retry-After`. Waits use n8n-workflow's `sleep`.
 *
 * @param itemIndex the item the request is for, so that errors name it; omit for list lookups.
 * @returns the 2xx reply with the body as bytes.
 * @throws NodeApiError for a non-2xx reply (with the HTTP status, the provider's message, code and
 *   request ID, and a one-line fix) or for a connection that failed on every attempt.
 */
export async function audioApiRequest(
	this: Context,
	request: ApiRequest,
	options: RetryOptions = DEFAULT_RETRY_OPTIONS,
	itemIndex?: number,
): Promise<ApiResponse> {
	const { style, baseUrl, apiKey, apiVersion } = await endpoint(this);
	let target: Route;
	try {
		target = route(style, request.operation, request.model, apiVersion);
	} catch (error) {
		throw new NodeOperationError(this.getNode(), (error as Error).message, { itemIndex });
	}
	const url = `${baseUrl}${target.path}`;

	for (let attempt = 0; ; attempt++) {
		const canRetry = attempt < options.maxRetries;
		const httpOptions: IHttpRequestOptions = {
			method: request.method,
			url,
			...(target.qs ? { qs: target.qs } : {}),
			json: false,
			encoding: request.streamReply ? 'stream' : 'arraybuffer',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: options.timeoutMs,
			headers: { Accept: 'application/json, text/plain, audio/*, */*' },
		};
		if (request.json !== undefined) {
			httpOptions.body = JSON.stringify(request.json);
			httpOptions.headers!['Content-Type'] = 'application/json';
		} else if (request.multipart) {
			const form = await request.multipart();
			httpOptions.body = form;
			// Following redirects makes axios keep every byte written, to replay the body: a 25 MB
			// chunk per upload in memory. Audio APIs do not redirect uploads.
			httpOptions.disableFollowRedirect = true;
			httpOptions.headers = { ...httpOptions.headers, ...form.getHeaders() };
		}

		let response: {
			statusCode: number;
			headers: Record<string, string | string[] | undefined>;
			body: unknown;
		};
		try {
			response = await this.helpers.httpRequestWithAuthentication.call(
				this,
				CREDENTIAL_TYPE,
				httpOptions,
			);
		} catch (error) {
			const code = errorCode(error);
			if (canRetry && code && RETRYABLE_ERROR_CODES.has(code)) {
				await sleep(retryDelayMs(attempt)!);
				continue;
			}
			// Built afresh rather than wrapping: the caught error carries the request's headers.
			// The socket code stays out of errorResponse, where n8n would swap our message for its
			// generic one.
			const message = connectionMessage(code, url, options.timeoutMs);
			const details = [code, attempt > 0 ? `attempts: ${attempt + 1}` : undefined]
				.filter(Boolean)
				.join(', ');
			throw new NodeApiError(
				this.getNode(),
				{ message },
				{
					message,
					description: `${connectionHint(code)}${details ? ` (${details})` : ''}`,
					itemIndex,
				},
			);
		}

		const headers = Object.fromEntries(
			Object.entries(response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
		);
		const ok = response.statusCode >= 200 && response.statusCode < 300;
		if (ok && request.streamReply && isReadable(response.body)) {
			const requestId = headers['x-request-id'];
			return {
				statusCode: response.statusCode,
				headers,
				body: Buffer.alloc(0),
				stream: response.body,
				...(requestId ? { requestId: String(requestId) } : {}),
			};
		}
		const body = await bodyBuffer(response.body);
		if (ok) {
			const requestId = headers['x-request-id'];
			return {
				statusCode: response.statusCode,
				headers,
				body,
				...(requestId ? { requestId: String(requestId) } : {}),
			};
		}

		const providerError = parseProviderError(response.statusCode, headers, body.toString('utf8'));
		if (canRetry && RETRYABLE_STATUSES.has(response.statusCode)) {
			const delay = retryDelayMs(attempt, parseRetryAfter(headers));
			if (delay !== undefined) {
				await sleep(delay);
				continue;
			}
		}
		throw providerApiError(this, providerError, apiKey, attempt + 1, itemIndex);
	}
}
