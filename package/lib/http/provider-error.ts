/**
 * Reading a provider's error reply into a message, code and request ID; the one-line fix for each
 * cause; and keeping the key out of any text a provider sends back. No n8n imports.
 *
 * Shapes handled:
 * - OpenAI and compatible gateways: `{"error": {"message", "type", "code", "param"}}`
 *   (OpenAI OpenAPI `ErrorResponse`; Apertis and the `/api/client/v1` gateway use it too).
 * - Azure OpenAI: the same, with codes such as `DeploymentNotFound` and `OperationNotSupported`
 *   (Azure OpenAI REST API reference, "Error response").
 * - `{"error": "text"}`, `{"message": "text"}`, FastAPI's `{"detail": "text"}` and
 *   `{"detail": [{"msg", "loc"}]}` (speaches, Kokoro-FastAPI, LocalAI).
 * - HTML pages from proxies and load balancers (the `<title>` is used), and plain text.
 */
import { parseJson } from '../errors';

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
	const json = text.startsWith('{') ? parseJson(text) : undefined;
	if (json && typeof json === 'object') {
		const record = json as Record<string, unknown>;
		parsed = fromJson(record);
		result.requestId =
			str(record.request_id) ??
			str((record.error as Record<string, unknown> | undefined)?.request_id);
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
 * Whether a 429 is a spent quota or budget rather than a rate limit: waiting does not help, so
 * it is not retried (OpenAI: `insufficient_quota`, "You exceeded your current quota").
 */
export function isQuotaError(error: ProviderError): boolean {
	if (error.status !== 429 && error.status !== 402) return false;
	const code = `${error.code ?? ''} ${error.type ?? ''}`;
	if (/insufficient_quota|billing|budget|credit/i.test(code)) return true;
	// Only a message that says the quota is spent: a gateway's "Rate limit, budget, or
	// per-request quota exceeded" may be a rate limit, and is retried.
	return /exceeded your (current )?quota|budget (has been|was|is) (exceeded|reached|spent)|billing (hard )?limit|credit balance|out of credits?/i.test(
		error.message,
	);
}

/** Whether a 400 or 415 is the server refusing the upload's Content-Type (multipart or JSON). */
function contentTypeRefused(error: ProviderError): boolean {
	if (error.status === 415) return true;
	if (error.status !== 400) return false;
	return /content[- ]type|media type|multipart|form-data|application\/json|unsupported.*(body|format of the request)/i.test(
		error.message,
	);
}

/**
 * The one-line fix for a provider error, or `undefined` when there is nothing better to say than
 * the provider's own message.
 */
export function providerErrorHint(error: ProviderError): string | undefined {
	const code = error.code ?? '';
	if (code === 'audio_requires_payg') {
		return 'This provider serves audio only to pay-as-you-go keys: create a PAYG API key and put it in the Audio API credential.';
	}
	// Apertis (https://docs.apertis.ai/api/audio-video/audio): "Invalid file format" → "Convert to MP3/WAV".
	if (code === 'invalid_file_format' || /invalid file format/i.test(error.message)) {
		return 'Convert the audio to mp3 or wav first (for example with ffmpeg), then send it again.';
	}
	if (code === 'DeploymentNotFound') {
		return "Azure has no deployment by the name in the Model field: put the deployment's name (Azure portal, Deployments), not the model's, and check the Resource Endpoint.";
	}
	if (code === 'OperationNotSupported') {
		return "This deployment's model cannot do this operation: pick a deployment of a model that can (a whisper or gpt-4o transcribe model to transcribe, a tts model to speak).";
	}
	if (code === 'file_not_found') {
		return 'Opper has no file with this file_id: check the File ID (an Audio Speech node with Store on gives one) and that the file has not expired.';
	}
	if (code === 'invalid_audio') {
		return 'Opper could not read the audio: give it a stored file_id, an https URL it can download, or the file as a binary.';
	}
	if (contentTypeRefused(error)) {
		return 'The server does not take this kind of upload: switch Upload As (in Options) between Multipart Form and JSON With Base64 Audio.';
	}
	if (isQuotaError(error)) {
		return "The account's quota or budget is spent, so retrying does not help: add credit or raise the limit with the provider, then run the items again.";
	}
	// A proxy's page for these statuses says what the API would; any other page means the Base
	// URL leads somewhere else.
	if (error.html && ![401, 403, 413, 429, 502, 503, 504].includes(error.status)) {
		return "The Base URL does not lead to the API: set it to the API root (usually ending in /v1), not a website or a proxy's sign-in page.";
	}
	switch (error.status) {
		case 401:
			return 'Check the API Key and Authentication Header in the Audio API credential.';
		case 403:
			return "The key is valid but not allowed to use this model or endpoint: check the key's permissions and project.";
		case 404:
			return error.param === 'model' || /model/i.test(error.message)
				? 'Check the model name: pick one from the list, or use the Audio Models node to see what the provider offers.'
				: 'Check the Base URL in the credential (OpenAI-compatible servers usually end in /v1) and that the server offers this endpoint.';
		case 413:
			return "The file is over the provider's upload limit: lower Max Upload Size (in Options) so that the node splits it, or compress it (for example mp3 at 64 kbps).";
		case 429:
			return 'The provider limits how fast requests may come: wait and run again, raise Max Retries, or lower Item Concurrency or Chunk Concurrency.';
		case 503:
			return /shutting down|restart/i.test(error.message)
				? 'The provider is restarting: run the items again in a minute.'
				: 'The provider or a proxy in front of it is unavailable: try again later.';
		case 500:
		case 502:
		case 504:
			return 'The provider or a proxy in front of it is unavailable: try again later.';
		default:
			return undefined;
	}
}

/**
 * The forms a secret may take in text a server sends back: as it is, URL-encoded, and
 * base64-encoded (standard and URL-safe alphabets), also inside a longer base64 string (as in an
 * echoed `Authorization: Basic` header), where it shows as one of three alignments.
 */
export function secretForms(secret: string): string[] {
	const forms = new Set<string>([secret, encodeURIComponent(secret)]);
	const bytes = Buffer.from(secret, 'utf8');
	for (let offset = 0; offset < 3; offset++) {
		const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
		// Drop the characters that depend on the bytes before and after the secret.
		const start = Math.ceil((offset * 4) / 3);
		const end = Math.floor(((offset + bytes.length) * 4) / 3);
		const core = encoded.slice(start, end);
		if (core.length >= 8) {
			forms.add(core);
			forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
		}
	}
	return [...forms].filter((form) => form.length >= 4).sort((a, b) => b.length - a.length);
}

/**
 * Replaces every form of every secret in `text` (see {@link secretForms}) with `***`. Some
 * servers echo the key they were given, in errors and in successful replies alike; this keeps it
 * out of n8n's items, errors and logs.
 *
 * @param secrets the values to hide; those shorter than 4 characters are left alone.
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
	let out = text;
	for (const secret of secrets) {
		if (!secret || secret.length < 4) continue;
		for (const form of secretForms(secret)) out = out.split(form).join('***');
	}
	return out;
}
