import type {
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
} from 'n8n-workflow';

import { translatesSpeech, type ModelKind } from '../../lib/openai/models';
import type { ModelEntry } from '../../lib/providers/types';
import { parseJson } from '../../lib/errors';
import { audioApiRequest, endpoint, requestIdOf, type RetryOptions } from './transport';

/** A provider's model list, with the request ID the provider gave the listing (if any). */
export interface ModelList {
	models: ModelEntry[];
	requestId?: string;
}

/**
 * Fetches the provider's models (`GET /models`; Opper: `GET /audio/models`, with each model's
 * voices and formats).
 *
 * @returns the models, and `requestId` from a `request_id` body field or `X-Request-Id`.
 * @throws NodeApiError when the provider refuses; AudioApiError when the reply is not a list.
 */
export async function listModels(
	this: IExecuteFunctions | ILoadOptionsFunctions,
	options?: RetryOptions,
	itemIndex?: number,
): Promise<ModelList> {
	const { provider } = await endpoint(this);
	return await audioApiRequest(
		this,
		{ method: 'GET', operation: 'models' },
		async (reply) => {
			const body = parseJson(await reply.text());
			const models = provider.readModels(body);
			const requestId = requestIdOf(reply, body as Record<string, unknown> | undefined);
			return { models, ...(requestId ? { requestId } : {}) };
		},
		options,
		itemIndex,
	);
}

/** Retry settings of the editor's lookups: a dropdown should not wait minutes. */
export const LOOKUP_RETRY_OPTIONS: RetryOptions = { maxRetries: 1, timeoutMs: 15_000 };

/** What a model list is for: speech, transcription, translation or audio chat. */
export type ModelUse = 'tts' | 'stt' | 'translate' | 'chat';

/** OpenAI's models for each use, offered when the provider's list cannot be had. */
export const BUILT_IN_MODELS: Record<ModelUse, string[]> = {
	tts: ['gpt-4o-mini-tts', 'tts-1', 'tts-1-hd'],
	stt: ['whisper-1', 'gpt-4o-transcribe', 'gpt-4o-mini-transcribe', 'gpt-4o-transcribe-diarize'],
	translate: ['whisper-1'],
	chat: ['gpt-4o-audio-preview', 'gpt-4o-mini-audio-preview', 'gpt-audio'],
};

/** Whether a model of the provider's list serves a use: `true`, `false`, or unknown. */
function fits(model: ModelEntry, use: ModelUse): boolean | undefined {
	if (model.kind === 'other') return undefined;
	if (use === 'translate') return model.kind === 'stt' && translatesSpeech(model.id);
	return model.kind === (use as ModelKind);
}

/**
 * The models to offer for a use: those of the provider's list that serve it, then those whose
 * kind their name does not tell, marked; models for other uses are left out. Without a
 * credential, with a style that cannot list models (Azure deployments), or when the listing
 * fails, the built-in list stands in, so the field never shows "Error fetching options".
 */
export async function modelsFor(
	this: ILoadOptionsFunctions,
	use: ModelUse,
): Promise<INodeListSearchItems[]> {
	const builtIn = () => BUILT_IN_MODELS[use].map((id) => ({ name: id, value: id }));
	const listed = await endpoint(this)
		.then(async ({ provider }) =>
			provider.listsModels ? (await listModels.call(this, LOOKUP_RETRY_OPTIONS)).models : undefined,
		)
		.catch(() => undefined);
	if (!listed) return builtIn();
	const serving = listed.filter((m) => fits(m, use) === true);
	const unknown = listed.filter((m) => fits(m, use) === undefined);
	if (serving.length + unknown.length === 0) return builtIn();
	return [
		...serving.map((m) => ({ name: m.id, value: m.id })),
		...unknown.map((m) => ({ name: `${m.id} (kind unknown)`, value: m.id })),
	];
}

/** A listSearch method for the `model` parameter of a node, filtered by what the user types. */
export function searchModels(use: ModelUse) {
	return async function (
		this: ILoadOptionsFunctions,
		filter?: string,
	): Promise<INodeListSearchResult> {
		const needle = (filter ?? '').toLowerCase();
		const results = (await modelsFor.call(this, use)).filter((m) =>
			String(m.value).toLowerCase().includes(needle),
		);
		return { results };
	};
}
