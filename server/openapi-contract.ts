/**
 * Validates requests against the official OpenAI OpenAPI document in ../shared/contracts, with
 * openapi-backend (Ajv underneath). Multipart fields arrive as strings, so the multipart
 * validator coerces types as OpenAPI's form encoding implies; JSON bodies are checked strictly.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import OpenAPIBackend from 'openapi-backend';
import { parse } from 'yaml';

/**
 * Where the OpenAPI document is: `$OPENAI_OPENAPI_PATH`, else the nearest
 * `shared/contracts/openai-openapi.yaml` above this file (the project's CI keeps `shared/` beside
 * the repository). Works from the TypeScript sources and from build/.
 */
export function contractPath(): string | undefined {
	if (process.env.OPENAI_OPENAPI_PATH && existsSync(process.env.OPENAI_OPENAPI_PATH)) {
		return process.env.OPENAI_OPENAPI_PATH;
	}
	for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
		const candidate = path.join(dir, 'shared/contracts/openai-openapi.yaml');
		if (existsSync(candidate)) return candidate;
	}
	return undefined;
}

/**
 * Drops `nullable` where a schema has no `type`: OpenAPI 3.1 has no `nullable` keyword (it uses
 * `type: [..., "null"]`), but Ajv's OpenAPI 3.0 support refuses it without a `type`.
 */
function withoutStrayNullable(node: unknown): void {
	if (Array.isArray(node)) {
		node.forEach(withoutStrayNullable);
	} else if (node && typeof node === 'object') {
		const record = node as Record<string, unknown>;
		if ('nullable' in record && !('type' in record)) delete record.nullable;
		Object.values(record).forEach(withoutStrayNullable);
	}
}

let loaded: Promise<{ strict: OpenAPIBackend; coercing: OpenAPIBackend }> | undefined;

async function backends() {
	loaded ??= (async () => {
		const file = contractPath();
		if (!file)
			throw new Error('The OpenAI OpenAPI document was not found: set OPENAI_OPENAPI_PATH');
		const document = parse(readFileSync(file, 'utf8'));
		withoutStrayNullable(document);
		// quick: openapi-backend's own check of the document only knows OpenAPI 3.0, and this
		// document is 3.1; request validation works on it all the same.
		const make = (coerce: boolean) =>
			new OpenAPIBackend({
				definition: structuredClone(document),
				quick: true,
				strict: false,
				validate: true,
				ajvOpts: {
					strict: false,
					validateFormats: false,
					allErrors: true,
					...(coerce ? { coerceTypes: 'array' } : {}),
				},
			});
		const strict = make(false);
		const coercing = make(true);
		await Promise.all([strict.init(), coercing.init()]);
		return { strict, coercing };
	})();
	return await loaded;
}

/**
 * Validates one request.
 *
 * @param apiPath the path below the API root, e.g. `/audio/speech`.
 * @param body the JSON body, or for multipart the fields (file fields as any string).
 * @returns the validation error messages; empty when the request is valid.
 */
export async function validateRequest(request: {
	method: string;
	apiPath: string;
	contentType?: string;
	body?: unknown;
}): Promise<string[]> {
	const { strict, coercing } = await backends();
	const multipart = (request.contentType ?? '').startsWith('multipart/');
	const api = multipart ? coercing : strict;
	const operation = api.matchOperation({
		method: request.method.toLowerCase(),
		path: request.apiPath,
		headers: {},
	});
	if (!operation)
		return [`${request.method} ${request.apiPath} is not an operation of the OpenAI API`];
	const declared = Object.keys(
		(operation.requestBody as { content?: Record<string, unknown> } | undefined)?.content ?? {},
	);
	const mediaType = (request.contentType ?? '').split(';')[0].trim();
	if (declared.length > 0 && !declared.includes(mediaType)) {
		return [`content type ${mediaType || '(none)'} is not one of ${declared.join(', ')}`];
	}
	const result = api.validateRequest(
		{
			method: request.method.toLowerCase(),
			path: request.apiPath,
			headers: { 'content-type': request.contentType ?? '' },
			body: structuredClone(request.body ?? {}),
			query: {},
		},
		operation,
	);
	return (result.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
}

/**
 * The OpenAPI operationId of a request, e.g. `createSpeech` for `POST /audio/speech`, matched by
 * openapi-backend against the document's paths.
 *
 * @param apiPath the path below the API root.
 * @returns the operationId, or `undefined` when the document has no such operation.
 */
export async function operationOf(method: string, apiPath: string): Promise<string | undefined> {
	const { strict } = await backends();
	return strict.matchOperation({ method: method.toLowerCase(), path: apiPath, headers: {} })
		?.operationId;
}
