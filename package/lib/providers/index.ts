/**
 * The API style of a credential, as the module that knows it. This is the only place that
 * branches on the style: adding one means adding its module and one line here. No n8n imports.
 */
import { azure } from './azure';
import { openai } from './openai';
import { opper } from './opper';
import type { ApiStyle, AuthHeader, Provider } from './types';

const PROVIDERS: Record<ApiStyle, Provider> = { openai, azure, opper };

/** The module of an API style; anything unknown is the OpenAI style, the credential's default. */
export function providerFor(style: unknown): Provider {
	return PROVIDERS[style as ApiStyle] ?? openai;
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
			return name ? { [name]: apiKey } : {};
		}
		default:
			return { Authorization: `Bearer ${apiKey}` };
	}
}

/** The credential's fields that say how the key is sent. */
export interface CredentialAuth {
	apiStyle?: unknown;
	apiKey?: unknown;
	authHeader?: unknown;
	authHeaderName?: unknown;
	organizationId?: unknown;
	customHeaderName?: unknown;
	customHeaderSecret?: unknown;
}

/**
 * Every header the credential adds to a request: the key in the header its style and
 * Authentication Header choose, OpenAI-Organization when set, and the custom header when named.
 */
export function credentialHeaders(credential: CredentialAuth): Record<string, string> {
	const provider = providerFor(credential.apiStyle);
	const mode = provider.authHeader((credential.authHeader as AuthHeader | undefined) ?? 'bearer');
	const headers = authHeaders(
		mode,
		String(credential.apiKey ?? ''),
		String(credential.authHeaderName ?? ''),
	);
	const organization = String(credential.organizationId ?? '').trim();
	if (organization) headers['OpenAI-Organization'] = organization;
	const name = String(credential.customHeaderName ?? '').trim();
	if (name) headers[name] = String(credential.customHeaderSecret ?? '');
	return headers;
}

export type { ApiStyle, AuthHeader, Operation, Provider, Route } from './types';
export { AZURE_DEFAULT_API_VERSION } from './azure';
