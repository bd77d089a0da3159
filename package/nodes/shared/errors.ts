import type { IExecuteFunctions, ILoadOptionsFunctions, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { AudioApiError } from '../../lib/errors';
import { providerErrorHint, type ProviderError } from '../../lib/http/provider-error';

/** The contexts requests are made from: a node's run, or the editor filling a list. */
export type Context = IExecuteFunctions | ILoadOptionsFunctions;

/** How a request failed to complete, for an error that says what happened and what to do. */
export interface AttemptFailure {
	/** The socket error code (`ECONNRESET`, `ETIMEDOUT`, ...), when there was one. */
	code?: string;
	/** Bytes of the reply received before it broke, when it broke mid-reply. */
	received?: number;
	/** Bytes the reply announced (Content-Length), when known. */
	expected?: number;
	/** Why a reply that arrived whole counts as cut off, e.g. an event stream without its final event. */
	reason?: string;
}

/** The host of a URL, for messages; the URL itself when it cannot be parsed. */
export function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return url;
	}
}

const joinDetails = (parts: Array<string | undefined>) => parts.filter(Boolean).join(', ');

/**
 * The error for a provider's non-2xx reply: the status, the provider's message, its code and
 * request ID, and the fix for the cause. The message must already be free of the key.
 */
export function providerApiError(
	ctx: Context,
	error: ProviderError,
	attempts: number,
	itemIndex?: number,
): NodeApiError {
	const details = joinDetails([
		error.code ? `code: ${error.code}` : undefined,
		error.type ? `type: ${error.type}` : undefined,
		error.param ? `param: ${error.param}` : undefined,
		error.requestId ? `request ID: ${error.requestId}` : undefined,
		attempts > 1 ? `attempts: ${attempts}` : undefined,
	]);
	const response: JsonObject = {
		status: error.status,
		message: error.message,
		...(error.code ? { code: error.code } : {}),
		...(error.requestId ? { requestId: error.requestId } : {}),
	};
	return new NodeApiError(ctx.getNode(), response, {
		message: `The provider answered ${error.status}: ${error.message}`,
		description: [providerErrorHint(error), details].filter(Boolean).join(' — ') || undefined,
		httpCode: String(error.status),
		itemIndex,
	});
}

/** The error for a request that never got a reply, or whose reply broke off, on every attempt. */
export function connectionError(
	ctx: Context,
	url: string,
	failure: AttemptFailure,
	attempts: number,
	timeoutMs: number,
	itemIndex?: number,
): NodeApiError {
	const host = hostOf(url);
	const { code, received, expected } = failure;
	let message: string;
	let hint: string;
	if (received !== undefined) {
		// "after 26716 of 26716 bytes" would read as no cut at all: say what was missing instead.
		const short = expected !== undefined && received < expected;
		const why = !short && failure.reason ? `: ${failure.reason.replace(/^The /, 'the ')}` : '';
		message = `The provider's reply was cut off after ${received} bytes${short ? ` of ${expected}` : ''}${why}`;
		hint =
			'The connection broke while the reply was arriving: run the item again, raise Max Retries, or check a proxy between n8n and the provider that may cut long replies.';
	} else if (code === 'ECONNREFUSED') {
		message = `Could not connect to ${host}: the connection was refused`;
		hint = 'Check the Base URL in the Audio API credential and that the server is running.';
	} else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
		message = `Could not resolve the host ${host}`;
		hint = 'Check the Base URL in the Audio API credential.';
	} else if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
		message = `${host} did not answer within the timeout of ${timeoutMs} ms`;
		hint = 'Raise the Timeout option, or send shorter audio (lower Max Upload Size).';
	} else if (code === 'ECONNRESET' || code === 'EPIPE') {
		message = `The connection to ${host} was reset`;
		hint =
			'Run the item again, or raise Max Retries; if it keeps happening, check the Base URL and any proxy in between.';
	} else {
		message = `The request to ${host} failed${code ? ` (${code})` : ''}`;
		hint =
			'Check the Base URL in the Audio API credential and that the server is reachable from n8n.';
	}
	// Built afresh, never wrapping the caught error: that one carries the request's headers. The
	// socket code stays out of the response, where n8n would put its generic message instead.
	return new NodeApiError(
		ctx.getNode(),
		{ message },
		{
			message,
			description: `${hint} (${joinDetails([code, `attempts: ${attempts}`])})`,
			itemIndex,
		},
	);
}

/** The error for a redirect the node does not follow: to another origin, or too many. */
export function redirectError(
	ctx: Context,
	status: number,
	target: string,
	itemIndex?: number,
): NodeApiError {
	const message = `The provider answered ${status} and redirects to ${target}`;
	return new NodeApiError(
		ctx.getNode(),
		{ status, message },
		{
			message,
			description:
				"The API key is only sent to the credential's own host, so the redirect was not followed. If the new address is the provider's, set the Base URL in the Audio API credential to it.",
			httpCode: String(status),
			itemIndex,
		},
	);
}

/** The error for a Base URL that is not an http(s) URL. */
export function baseUrlError(
	ctx: Context,
	baseUrl: string,
	itemIndex?: number,
): NodeOperationError {
	return new NodeOperationError(
		ctx.getNode(),
		`The Base URL "${baseUrl}" is not an http or https URL`,
		{
			description:
				'Set the Base URL in the Audio API credential to the API root, for example https://api.openai.com/v1.',
			itemIndex,
		},
	);
}

/** A lib/ error as a node error: its message, and its hint as the description. */
export function fromAudioApiError(
	ctx: Context,
	error: AudioApiError,
	itemIndex?: number,
): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), error.message, {
		description: error.hint,
		itemIndex,
	});
}
