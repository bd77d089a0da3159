import type { IExecuteFunctions, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { readModelList, type ModelInfo, type ModelKind } from '../../lib/openai/models';
import { readOpperModels } from '../../lib/providers/opper';
import { apiStyle, audioApiRequest, type RetryOptions } from './transport';

/** A provider's model list, with the request ID the provider gave the listing (if any). */
export interface ModelList {
	models: Array<ModelInfo & { voices?: string[]; formats?: string[] }>;
	requestId?: string;
}

/**
 * Fetches the provider's models from `GET /models` (Opper: `GET /audio/models`, with each
 * model's voices and formats).
 *
 * @returns the models, and `requestId` from `X-Request-Id` or a `request_id` body field.
 * @throws NodeApiError when the provider refuses; NodeOperationError when the reply is not a model list.
 */
export async function listModels(
	this: IExecuteFunctions | ILoadOptionsFunctions,
	options?: RetryOptions,
	itemIndex?: number,
): Promise<ModelList> {
	const response = await audioApiRequest.call(
		this,
		{ method: 'GET', operation: 'models' },
		options,
		itemIndex,
	);
	const opper = (await apiStyle(this)) === 'opper';
	try {
		const body: unknown = JSON.parse(response.body.toString('utf8'));
		const models = opper ? readOpperModels(body) : readModelList(body);
		const bodyRequestId = (body as { request_id?: unknown } | null)?.request_id;
		const requestId =
			(typeof bodyRequestId === 'string' ? bodyRequestId : undefined) ?? response.requestId;
		return { models, ...(requestId ? { requestId } : {}) };
	} catch (error) {
		throw new NodeOperationError(
			this.getNode(),
			`The provider's /models reply is not a model list: ${(error as Error).message}`,
			{
				itemIndex,
				description:
					'Check that the Base URL points at an OpenAI-compatible API root (usually ending in /v1)',
			},
		);
	}
}

/**
 * A listSearch method for the `model` parameter: models of `kind` first, then the rest, so a
 * server whose model names say nothing about their kind can still be used.
 */
export function searchModels(kind: ModelKind) {
	return async function (
		this: ILoadOptionsFunctions,
		filter?: string,
	): Promise<INodeListSearchResult> {
		// Azure routes by deployment name, which its data plane cannot list: type it in By ID.
		if ((await apiStyle(this)) === 'azure') return { results: [] };
		const { models } = await listModels.call(this);
		const needle = (filter ?? '').toLowerCase();
		const matching = models.filter((m) => m.id.toLowerCase().includes(needle));
		const ordered = [
			...matching.filter((m) => m.kind === kind),
			...matching.filter((m) => m.kind !== kind),
		];
		return {
			results: ordered.map((m) => ({
				name:
					m.kind === kind
						? m.id
						: `${m.id} (${m.kind === 'other' ? 'not an audio model' : m.kind})`,
				value: m.id,
			})),
		};
	};
}
