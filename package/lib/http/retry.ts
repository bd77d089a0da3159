/**
 * When and how long to wait before retrying a request. No n8n imports; the caller sleeps.
 */

/** HTTP statuses worth retrying: rate limits and transient server or gateway failures. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Node.js socket error codes worth retrying: the connection broke or never answered in time. */
export const RETRYABLE_ERROR_CODES: ReadonlySet<string> = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'EPIPE',
	'ETIMEDOUT',
	'ECONNABORTED',
	'EAI_AGAIN',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
	'UND_ERR_SOCKET',
]);

/** First backoff step in milliseconds. */
export const BASE_DELAY_MS = 500;
/** Cap on one exponential backoff step in milliseconds. */
export const MAX_BACKOFF_MS = 8_000;
/**
 * Longest `Retry-After` the package will wait, in milliseconds. A provider asking for more
 * (a spent quota says "retry in an hour") fails the item at once instead of hanging the workflow.
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Reads how long the server asked us to wait, from `retry-after-ms` (milliseconds, sent by
 * OpenAI) or `retry-after` (seconds or an HTTP date, RFC 9110 section 10.2.3).
 *
 * @param headers response headers with lower-case names.
 * @param nowMs the current time in milliseconds since the epoch, for HTTP dates.
 * @returns the wait in milliseconds (never negative), or `undefined` when no usable header is present.
 */
export function parseRetryAfter(
	headers: Record<string, unknown>,
	nowMs: number = Date.now(),
): number | undefined {
	const first = (value: unknown) => (Array.isArray(value) ? value[0] : value);
	const ms = first(headers['retry-after-ms']);
	if (ms !== undefined && ms !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
	const value = first(headers['retry-after']);
	if (value === undefined || value === '') return undefined;
	const text = String(value).trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	const date = Date.parse(text);
	return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * The wait before retry number `attempt` (0 for the first retry): exponential backoff from
 * {@link BASE_DELAY_MS}, capped at {@link MAX_BACKOFF_MS}, with jitter between half and the full
 * step so that many items do not retry in lockstep. A server's `Retry-After` wins when given.
 *
 * @param attempt how many retries were already made.
 * @param retryAfterMs the server's asked wait in milliseconds, if any.
 * @param random a source of numbers in [0, 1), for tests.
 * @returns milliseconds to wait, or `undefined` when the server asked for more than
 *   {@link MAX_RETRY_AFTER_MS} and the request should not be retried.
 */
export function retryDelayMs(
	attempt: number,
	retryAfterMs?: number,
	random: () => number = Math.random,
): number | undefined {
	if (retryAfterMs !== undefined) {
		return retryAfterMs > MAX_RETRY_AFTER_MS ? undefined : retryAfterMs;
	}
	const step = Math.min(MAX_BACKOFF_MS, BASE_DELAY_MS * 2 ** attempt);
	return Math.round(step / 2 + (random() * step) / 2);
}
