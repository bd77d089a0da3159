import type { IDataObject, IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { mapConcurrent } from '../../lib/concurrency';
import { AudioApiError } from '../../lib/errors';
import { redactSecrets } from '../../lib/http/provider-error';
import { DEFAULT_ITEM_CONCURRENCY } from './descriptions';
import { fromAudioApiError } from './errors';
import { endpoint } from './transport';

/** The item a handler works on; the handler records its input file's name for errors. */
export interface ItemRun {
	/** The input item's index. */
	index: number;
	/** The input binary's file name, once the handler has read it. */
	fileName?: string;
}

/**
 * The Item Concurrency option of the first item: how many items a node handles at once. It is
 * read once, since the whole batch runs under one setting.
 */
export function itemConcurrency(ctx: IExecuteFunctions): number {
	if (ctx.getInputData().length === 0) return 1;
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	const value = Number(options.itemConcurrency ?? DEFAULT_ITEM_CONCURRENCY);
	return Math.max(1, Math.floor(value) || 1);
}

/** The secrets of the node's credential, or none when it has no readable credential. */
async function secretsOf(ctx: IExecuteFunctions): Promise<string[]> {
	return await endpoint(ctx).then(
		(found) => found.secrets,
		() => [],
	);
}

/**
 * Any error as the node error n8n shows: lib/ errors with their hint as the description,
 * unknown errors wrapped, every one naming the item (and its file), the key redacted.
 */
async function asNodeError(
	ctx: IExecuteFunctions,
	caught: unknown,
	item: ItemRun,
): Promise<NodeApiError | NodeOperationError> {
	const error =
		caught instanceof NodeApiError || caught instanceof NodeOperationError
			? caught
			: caught instanceof AudioApiError
				? fromAudioApiError(ctx, caught, item.index)
				: new NodeOperationError(ctx.getNode(), caught as Error, { itemIndex: item.index });
	error.context.itemIndex ??= item.index;
	const secrets = await secretsOf(ctx);
	const which = `Item ${item.index}${item.fileName ? ` ("${item.fileName}")` : ''}`;
	error.message = redactSecrets(error.message, secrets);
	error.description = redactSecrets(
		[error.description, which].filter(Boolean).join(' — '),
		secrets,
	);
	return error;
}

/**
 * Runs `handle` for every input item, at most `concurrency` at once, and returns the node's
 * output in input order.
 *
 * `handle` returns one output item or several. Each output item gets `pairedItem` pointing at its
 * input item. An error names the item (its index, and its input file when it has one) and carries
 * its fix as the description. With Continue On Fail on, a failed item becomes
 * `{error, description, httpCode?, item, fileName?}` with its `pairedItem` and the other items
 * still run; otherwise the first error stops the node.
 *
 * @throws NodeApiError or NodeOperationError for the first failed item, without Continue On Fail.
 */
export async function forEachItem(
	ctx: IExecuteFunctions,
	handle: (item: ItemRun) => Promise<INodeExecutionData | INodeExecutionData[]>,
	concurrency = 1,
): Promise<INodeExecutionData[][]> {
	const indexes = ctx.getInputData().map((_item, index) => index);
	const results = await mapConcurrent(
		indexes,
		concurrency,
		async (index): Promise<INodeExecutionData[]> => {
			const item: ItemRun = { index };
			const outcome = await handle(item).then(
				(value) => ({ value }),
				(error: unknown) => ({ error }),
			);
			if (!('error' in outcome)) {
				return (Array.isArray(outcome.value) ? outcome.value : [outcome.value]).map((out) => ({
					...out,
					pairedItem: { item: index },
				}));
			}
			const error = await asNodeError(ctx, outcome.error, item);
			if (!ctx.continueOnFail()) throw error;
			const json: JsonObject = { error: error.message };
			if (error.description) json.description = error.description;
			if (error instanceof NodeApiError && error.httpCode) json.httpCode = error.httpCode;
			json.item = index;
			if (item.fileName) json.fileName = item.fileName;
			return [{ json, pairedItem: { item: index } }];
		},
	);
	return [results.flat()];
}
