import {
	parseProviderError,
	providerErrorHint,
	redactSecret,
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

describe('redactSecret', () => {
	it('removes every occurrence of the key', () => {
		expect(redactSecret('key sk-abc1 and sk-abc1 again', 'sk-abc1')).toBe('key *** and *** again');
		expect(redactSecret('short keys are left', 'ab')).toBe('short keys are left');
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
