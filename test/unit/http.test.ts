import {
	isQuotaError,
	parseProviderError,
	providerErrorHint,
	redactSecrets,
} from '../../package/lib/http/provider-error';
import { MAX_BACKOFF_MS, parseRetryAfter, retryDelayMs } from '../../package/lib/http/retry';
import { requestOptions, retryOptions } from '../../package/nodes/shared/descriptions';
import { DEFAULT_RETRY_OPTIONS } from '../../package/nodes/shared/transport';

describe('parseRetryAfter', () => {
	const now = Date.parse('2026-11-20T12:00:00Z');
	it('reads retry-after-ms, seconds and HTTP dates', () => {
		expect(parseRetryAfter({ 'retry-after-ms': '250' }, now)).toBe(250);
		expect(parseRetryAfter({ 'retry-after': '2' }, now)).toBe(2000);
		expect(parseRetryAfter({ 'retry-after': '0.5' }, now)).toBe(500);
		expect(parseRetryAfter({ 'retry-after': 'Fri, 20 Nov 2026 12:00:30 GMT' }, now)).toBe(30_000);
		expect(parseRetryAfter({ 'retry-after': 'Fri, 20 Nov 2026 11:00:00 GMT' }, now)).toBe(0);
	});
	it('ignores missing and unreadable values', () => {
		expect(parseRetryAfter({}, now)).toBeUndefined();
		expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
	});
});

describe('retryDelayMs', () => {
	it('grows exponentially with jitter between half and the full step, capped', () => {
		expect(retryDelayMs(0, undefined, () => 0)).toBe(250);
		expect(retryDelayMs(0, undefined, () => 0.999999)).toBe(500);
		expect(retryDelayMs(3, undefined, () => 0)).toBe(2000);
		expect(retryDelayMs(20, undefined, () => 0.999999)).toBe(MAX_BACKOFF_MS);
	});
	it('follows the server, but not for longer than a minute', () => {
		expect(retryDelayMs(0, 1500)).toBe(1500);
		expect(retryDelayMs(0, 60_001)).toBeUndefined();
	});
});

describe('parseProviderError', () => {
	it('reads OpenAI error bodies and the request ID header', () => {
		expect(
			parseProviderError(
				400,
				{ 'x-request-id': 'req_9', 'content-type': 'application/json' },
				'{"error":{"message":"Invalid file format. Supported formats: mp3, mp4, mpeg, mpga, m4a, wav, webm","type":"invalid_request_error","code":"invalid_file_format","param":null}}',
			),
		).toEqual({
			status: 400,
			message: 'Invalid file format. Supported formats: mp3, mp4, mpeg, mpga, m4a, wav, webm',
			type: 'invalid_request_error',
			code: 'invalid_file_format',
			requestId: 'req_9',
		});
	});
	it('reads a body request_id (the /api/client/v1 gateway) and Apertis audio_requires_payg', () => {
		const error = parseProviderError(
			403,
			{},
			'{"error":{"message":"Audio requires a PAYG token","type":"permission_error","code":"audio_requires_payg"},"request_id":"req_abc123"}',
		);
		expect(error).toMatchObject({ requestId: 'req_abc123', code: 'audio_requires_payg' });
		expect(providerErrorHint(error)).toMatch(/pay-as-you-go/);
	});
	it('reads FastAPI details, plain strings and plain text', () => {
		expect(
			parseProviderError(422, {}, '{"detail":[{"loc":["body","voice"],"msg":"field required"}]}')
				.message,
		).toBe('body.voice: field required');
		expect(parseProviderError(404, {}, '{"detail":"Model not found"}').message).toBe(
			'Model not found',
		);
		expect(parseProviderError(400, {}, '{"error":"bad voice"}').message).toBe('bad voice');
		expect(parseProviderError(503, {}, 'Service is shutting down').message).toBe(
			'Service is shutting down',
		);
	});
	it('describes HTML pages and empty bodies', () => {
		const html = parseProviderError(
			502,
			{ 'content-type': 'text/html' },
			'<html><title>502 Bad Gateway</title></html>',
		);
		expect(html).toMatchObject({
			html: true,
			message: 'The server answered with an HTML page ("502 Bad Gateway"), not an API reply',
		});
		expect(parseProviderError(504, {}, '').message).toBe('Gateway timeout');
		expect(parseProviderError(599, {}, '').message).toBe('HTTP 599');
	});
	it('gives a fix for the statuses that have one', () => {
		expect(providerErrorHint({ status: 401, message: '' })).toMatch(/API Key/);
		expect(providerErrorHint({ status: 404, message: 'x', param: 'model' })).toMatch(/model name/);
		expect(providerErrorHint({ status: 404, message: 'Not found' })).toMatch(/Base URL/);
		expect(providerErrorHint({ status: 400, message: 'x' })).toBeUndefined();
	});
});

describe('providerErrorHint: the right fix for each cause', () => {
	const hint = (error: Parameters<typeof providerErrorHint>[0]) => providerErrorHint(error) ?? '';
	it.each([
		[
			{
				status: 404,
				message: 'The API deployment for this resource does not exist.',
				code: 'DeploymentNotFound',
			},
			/deployment's name/,
		],
		[
			{
				status: 400,
				message: 'The audio operation does not work with the specified model',
				code: 'OperationNotSupported',
			},
			/cannot do this operation/,
		],
		[
			{ status: 404, message: 'file not found', code: 'file_not_found' },
			/no file with this file_id/,
		],
		[{ status: 400, message: 'could not read', code: 'invalid_audio' }, /could not read the audio/],
		[{ status: 400, message: 'Unsupported Content-Type: multipart/form-data' }, /Upload As/],
		[{ status: 415, message: 'Unsupported Media Type' }, /Upload As/],
		[{ status: 401, message: 'Incorrect API key provided' }, /API Key and Authentication Header/],
		[{ status: 403, message: 'x', code: 'audio_requires_payg' }, /pay-as-you-go/],
		[{ status: 403, message: 'forbidden' }, /permissions/],
		[{ status: 413, message: 'Payload too large' }, /lower Max Upload Size/],
		[{ status: 429, message: 'Rate limit reached for requests' }, /limits how fast/],
		[
			{ status: 429, message: 'You exceeded your current quota', code: 'insufficient_quota' },
			/quota or budget is spent/,
		],
		[{ status: 429, message: 'Budget has been exceeded' }, /retrying does not help/],
		[{ status: 503, message: 'Service is shutting down' }, /restarting/],
		[{ status: 404, message: 'x', html: true }, /API root/],
		[{ status: 413, message: 'x', html: true }, /lower Max Upload Size/],
	])('%o', (error, expected) => {
		expect(hint(error)).toMatch(expected);
	});

	it('tells a spent quota from a rate limit, so that only the rate limit is retried', () => {
		expect(isQuotaError({ status: 429, message: 'Rate limit reached' })).toBe(false);
		expect(isQuotaError({ status: 429, message: 'x', code: 'insufficient_quota' })).toBe(true);
		expect(isQuotaError({ status: 500, message: 'quota' })).toBe(false);
	});
});

describe('redactSecrets', () => {
	const key = 'sk-test-0123456789abcdef';
	it('hides the key plain, URL-encoded, and base64-encoded at any alignment', () => {
		expect(redactSecrets(`key ${key} and ${key} again`, [key])).toBe('key *** and *** again');
		expect(redactSecrets('short keys are left', ['ab'])).toBe('short keys are left');
		const special = 'k3y+with/and=';
		expect(redactSecrets(`q=${encodeURIComponent(special)}`, [special])).toBe('q=***');
		for (const prefix of ['', 'a', 'ab', 'Bearer ', 'user:']) {
			const encoded = Buffer.from(`${prefix}${key}`).toString('base64');
			expect(redactSecrets(`Authorization: Basic ${encoded}`, [key])).not.toContain(
				Buffer.from(key).toString('base64').slice(4, 20),
			);
			const decoded = Buffer.from(
				redactSecrets(encoded, [key]).replace(/\*\*\*/g, ''),
				'base64',
			).toString('latin1');
			expect(decoded).not.toContain(key.slice(3, 15));
		}
		const urlSafe = Buffer.from(`x${key}`).toString('base64url');
		expect(redactSecrets(urlSafe, [key])).toContain('***');
	});
});

describe('request options', () => {
	it('offers the same defaults the transport uses', () => {
		expect(requestOptions.find((o) => o.name === 'maxRetries')?.default).toBe(
			DEFAULT_RETRY_OPTIONS.maxRetries,
		);
		expect(requestOptions.find((o) => o.name === 'timeout')?.default).toBe(
			DEFAULT_RETRY_OPTIONS.timeoutMs,
		);
		expect(retryOptions({})).toEqual(DEFAULT_RETRY_OPTIONS);
		expect(retryOptions({ maxRetries: 0, timeout: 5 })).toEqual({ maxRetries: 0, timeoutMs: 5 });
	});
});
