/**
 * API styles: where each operation lives and how the key is sent, per provider family.
 * The one place that knows these differences; nodes and the transport ask it. No n8n imports.
 */

/**
 * - `openai`: OpenAI and every compatible server (Groq, Apertis, gateways under `/api/v1` or
 *   `/api/client/v1`, LocalAI, speaches, Azure's `/openai/v1/` path).
 * - `azure`: Azure OpenAI's deployment routes (Azure OpenAI REST reference, "Audio").
 * - `opper`: Opper's `/v3` gateway (seed 000): JSON speech replies, JSON transcription requests.
 */
export type ApiStyle = 'openai' | 'azure' | 'opper';

/** How the API key is sent: `Authorization: Bearer <key>`, `api-key: <key>`, or a named header. */
export type AuthHeader = 'bearer' | 'apiKey' | 'custom';

/** The operations the nodes perform. */
export type Operation = 'speech' | 'transcriptions' | 'translations' | 'models' | 'chat';

/**
 * The newest generally available Azure OpenAI data-plane `api-version` at the time of writing
 * (Azure OpenAI REST API reference, "Data plane – inference", 2024-10-21 GA).
 */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

/** Where one request goes, below the credential's Base URL. */
export interface Route {
	/** Starts with `/`. */
	path: string;
	/** Query string parameters. */
	qs?: Record<string, string>;
}

/** Thrown when a style cannot serve an operation as asked; the message says what to change. */
export class RouteError extends Error {}

/**
 * Where an operation goes in a style.
 *
 * @param model the model ID; for Azure, the deployment name.
 * @param apiVersion Azure's `api-version`; defaults to {@link AZURE_DEFAULT_API_VERSION}.
 * @throws RouteError for Azure without a deployment name.
 */
export function route(
	style: ApiStyle,
	operation: Operation,
	model?: string,
	apiVersion?: string,
): Route {
	const suffix = operation === 'chat' ? '/chat/completions' : `/audio/${operation}`;
	if (style === 'opper') {
		if (operation === 'translations') {
			throw new RouteError(
				'Opper has no translation endpoint: use Audio Transcription (and translate the text), or a credential for another provider',
			);
		}
		if (operation === 'chat')
			throw new RouteError('Audio Chat is not available with the Opper API style');
		return { path: operation === 'models' ? '/audio/models' : suffix };
	}
	if (style === 'openai') {
		return { path: operation === 'models' ? '/models' : suffix };
	}
	const qs = { 'api-version': apiVersion?.trim() || AZURE_DEFAULT_API_VERSION };
	if (operation === 'models') return { path: '/openai/models', qs };
	const deployment = (model ?? '').trim();
	if (!deployment) {
		throw new RouteError('Azure OpenAI needs a deployment name: put it in the Model field');
	}
	return { path: `/openai/deployments/${encodeURIComponent(deployment)}${suffix}`, qs };
}

/**
 * The headers that carry the API key.
 *
 * @param headerName the header for `custom`, e.g. `X-API-Key`.
 * @returns an empty object when there is no key (self-hosted servers without authentication).
 */
export function authHeaders(
	mode: AuthHeader,
	apiKey: string,
	headerName?: string,
): Record<string, string> {
	if (!apiKey) return {};
	switch (mode) {
		case 'apiKey':
			return { 'api-key': apiKey };
		case 'custom': {
			const name = (headerName ?? '').trim();
			if (!name)
				throw new RouteError('Authentication Header is "Custom Header" but no header name is set');
			return { [name]: apiKey };
		}
		default:
			return { Authorization: `Bearer ${apiKey}` };
	}
}
