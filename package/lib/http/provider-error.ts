/**
 * Reading a provider's error reply into a message, code and request ID, and the one-line fix
 * for each status. No n8n imports.
 *
 * Shapes handled:
 * - OpenAI and compatible gateways: `{"error": {"message", "type", "code", "param"}}`
 *   (OpenAI OpenAPI `ErrorResponse`; Apertis and the `/api/client/v1` gateway use it too).
 * - `{"error": "text"}`, `{"message": "text"}`, FastAPI's `{"detail": "text"}` and
 *   `{"detail": [{"msg", "loc"}]}` (speaches, Kokoro-FastAPI, LocalAI).
 * - HTML pages from proxies and load balancers (the `<title>` is used).
 * - Plain text.
 */

/** What the provider said went wrong. */
export interface ProviderError {
	/** HTTP status of the reply. */
	status: number;
	/** The provider's message, or a description of the status when it sent none. */
	message: string;
	/** The provider's error code, e.g. `invalid_api_key`, `model_not_found`, `audio_requires_payg`. */
	code?: string;
	/** The provider's error type, e.g. `invalid_request_error`. */
	type?: string;
	/** The request parameter the provider blamed, e.g. `model`. */
	param?: string;
	/** The request ID from `x-request-id` or a body `request_id`, for support tickets. */
	requestId?: string;
	/** True when the body was an HTML page rather than an API error. */
	html?: boolean;
}

const STATUS_TEXT: Record<number, string> = {
	400: 'Bad request',
	401: 'Unauthorized',
	403: 'Forbidden',
	404: 'Not found',
	408: 'Request timeout',
	413: 'Payload too large',
	415: 'Unsupported media type',
	422: 'Unprocessable entity',
	429: 'Too many requests',
	500: 'Internal server error',
	502: 'Bad gateway',
	503: 'Service unavailable',
	504: 'Gateway timeout',
};

function str(value: unknown): string | undefined {
	if (typeof value === 'string' && value.trim() !== '') return value.trim();
	if (typeof value === 'number') return String(value);
	return undefined;
}

function fromJson(body: Record<string, unknown>): Partial<ProviderError> {
	const error = body.error;
	if (error && typeof error === 'object') {
		const e = error as Record<string, unknown>;
		return { message: str(e.message), code: str(e.code), type: str(e.type), param: str(e.param) };
	}
	if (typeof error === 'string') return { message: error, code: str(body.code) };
	if (Array.isArray(body.detail)) {
		const parts = body.detail.map((d) => {
			const item = d as { msg?: unknown; loc?: unknown };
			const where = Array.isArray(item.loc) ? item.loc.join('.') : undefined;
			return [where, str(item.msg)].filter(Boolean).join(': ');
		});
		return { message: parts.join('; ') };
	}
	return { message: str(body.detail) ?? str(body.message), code: str(body.code) };
}

/**
 * Reads an error reply.
 *
 * @param status the HTTP status code.
 * @param headers response headers with lower-case names (for `x-request-id` and `content-type`).
 * @param body the body decoded as UTF-8 text (may be empty).
 */
export function parseProviderError(
	status: number,
	headers: Record<string, unknown>,
	body: string,
): ProviderError {
	const header = (name: string) =>
		str(Array.isArray(headers[name]) ? (headers[name] as unknown[])[0] : headers[name]);
	const result: ProviderError = { status, message: '' };
	const contentType = header('content-type') ?? '';
	const text = body.trim();

	let parsed: Partial<ProviderError> = {};
	let json: Record<string, unknown> | undefined;
	if (text.startsWith('{')) {
		try {
			json = JSON.parse(text) as Record<string, unknown>;
		} catch {
			json = undefined;
		}
	}
	if (json) {
		parsed = fromJson(json);
		result.requestId =
			str(json.request_id) ?? str((json.error as Record<string, unknown> | undefined)?.request_id);
	} else if (contentType.includes('html') || /^<(!doctype|html)/i.test(text)) {
		const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
		parsed = {
			message: `The server answered with an HTML page${title ? ` ("${title}")` : ''}, not an API reply`,
		};
		result.html = true;
	} else if (text) {
		parsed = { message: text.length > 500 ? `${text.slice(0, 500)}…` : text };
	}

	Object.assign(
		result,
		Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)),
	);
	if (!result.message) result.message = STATUS_TEXT[status] ?? `HTTP ${status}`;
	result.requestId = header('x-request-id') ?? header('request-id') ?? result.requestId;
	return result;
}

/**
 * A one-line fix for a provider error, or `undefined` when there is nothing better to say than
 * the provider's own message.
 */
export function providerErrorHint(error: ProviderError): string | undefined {
	if (error.code === 'audio_requires_payg') {
		return 'This provider serves audio only to pay-as-you-go keys: create a PAYG API key and put it in the Audio API credential.';
	}
	// Apertis (seed 003, "Common Errors"): "Invalid file format" → "Convert to MP3/WAV".
	if (error.code === 'invalid_file_format' || /invalid file format/i.test(error.message)) {
		return 'Convert the audio to mp3 or wav first (for example with ffmpeg or a Convert node), then send it again.';
	}
	switch (error.status) {
		case 401:
			return 'Check the API Key in the Audio API credential.';
		case 403:
			return "The key is valid but not allowed to use this model or endpoint: check the key's permissions and project.";
		case 404:
			return error.param === 'model' || /model/i.test(error.message)
				? 'Check the model name: pick one from the list, or use the Audio Models node to see what the provider offers.'
				: 'Check the Base URL in the credential (OpenAI-compatible servers usually end in /v1) and that the server offers this endpoint.';
		case 413:
			return "The file is over the provider's upload limit (25 MB at OpenAI): compress it (for example to mp3) or split it.";
		case 429:
			return "Rate limit or quota reached: wait, raise Max Retries, run fewer items at once, or check the account's billing.";
		case 502:
		case 503:
		case 504:
			return 'The provider or a proxy in front of it is unavailable: try again later.';
		default:
			return undefined;
	}
}

/**
 * Replaces every occurrence of `secret` in `text` with `***`. Some servers echo the key they were
 * given in their error messages; this keeps it out of n8n's output and logs.
 */
export function redactSecret(text: string, secret: string | undefined): string {
	if (!secret || secret.length < 4) return text;
	return text.split(secret).join('***');
}
