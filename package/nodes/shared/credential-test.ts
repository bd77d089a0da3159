import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import {
	parseProviderError,
	providerErrorHint,
	redactSecrets,
} from '../../lib/http/provider-error';
import { credentialHeaders, providerFor, type CredentialAuth } from '../../lib/providers';

/** How long the credential test waits for the provider, in milliseconds. */
const TEST_TIMEOUT_MS = 15_000;

/**
 * Tests the Audio API credential by listing the provider's models, as the editor's credential
 * dialog does when the user saves or retests it. A refusal shows the provider's own message
 * ("Incorrect API key provided: ...") and the fix, never only "Unauthorized"; the key is redacted
 * from it. The request follows no redirect, so the key goes to the Base URL's host only.
 *
 * The test sends its request with the platform's `fetch`: a credential test runs without a node,
 * and n8n hands it no request helper but the deprecated `request`, which n8n's own lint rules
 * refuse. A proxy configured for n8n's HTTP helpers is therefore not used by this test.
 */
export async function audioApiConnectionTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = (credential.data ?? {}) as CredentialAuth & {
		baseUrl?: unknown;
		apiVersion?: unknown;
	};
	const baseUrl = String(data.baseUrl ?? '')
		.trim()
		.replace(/\/+$/, '');
	if (!/^https?:\/\/[^/]/i.test(baseUrl)) {
		return {
			status: 'Error',
			message: `The Base URL "${baseUrl}" is not an http or https URL: set it to the API root, for example https://api.openai.com/v1`,
		};
	}
	const provider = providerFor(data.apiStyle);
	const route = provider.route('models', undefined, String(data.apiVersion ?? ''));
	const url = new URL(`${baseUrl}${route.path}`);
	for (const [key, value] of Object.entries(route.qs ?? {})) url.searchParams.set(key, value);
	const secrets = [String(data.apiKey ?? ''), String(data.customHeaderSecret ?? '')];

	let response: Response;
	try {
		response = await fetch(url, {
			headers: { Accept: 'application/json', ...credentialHeaders(data) },
			redirect: 'manual',
			signal: AbortSignal.timeout(TEST_TIMEOUT_MS),
		});
	} catch (error) {
		const cause = (error as { cause?: { code?: string } }).cause?.code;
		return {
			status: 'Error',
			message: `Could not reach ${url.host}${cause ? ` (${cause})` : ''}: check the Base URL and that n8n can reach the server`,
		};
	}
	const text = redactSecrets(await response.text().catch(() => ''), secrets);
	if (response.status >= 300 && response.status < 400) {
		return {
			status: 'Error',
			message: `The server redirects to ${response.headers.get('location') ?? 'another address'}: set the Base URL to the API's own address`,
		};
	}
	if (!response.ok) {
		const headers = Object.fromEntries(response.headers.entries());
		const error = parseProviderError(response.status, headers, text);
		const hint = providerErrorHint(error);
		return {
			status: 'Error',
			message: `${response.status}: ${error.message}${hint ? ` — ${hint}` : ''}`,
		};
	}
	return { status: 'OK', message: 'Connection successful' };
}
