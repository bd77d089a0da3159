import type { IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { mapConcurrent } from '../../lib/concurrency';

/**
 * The Item Concurrency option of the first item (default 1): how many items a node handles at
 * once. It is read once, since the whole batch runs under one setting.
 */
export function itemConcurrency(ctx: IExecuteFunctions): number {
	if (ctx.getInputData().length === 0) return 1;
	const options = ctx.getNodeParameter('options', 0, {}) as { itemConcurrency?: unknown };
	return Math.max(1, Math.floor(Number(options.itemConcurrency ?? 1)) || 1);
}

/**
 * Runs `handle` for every input item, at most `concurrency` at once, and returns the node's
 * output in input order.
 *
 * `handle` returns one output item or several. Each output item gets `pairedItem` pointing at its input item. An error names the item: n8n
 * errors get `itemIndex` set; anything else becomes a NodeOperationError with it. With Continue
 * On Fail on, a failed item becomes `{error, description?, httpCode?}` with its `pairedItem` and
 * the other items still run; otherwise the first error stops the node.
 */
export async function forEachItem(
	ctx: IExecuteFunctions,
	handle: (itemIndex: number) => Promise<INodeExecutionData | INodeExecutionData[]>,
	concurrency = 1,
): Promise<INodeExecutionData[][]> {
	const indexes = ctx.getInputData().map((_item, index) => index);
	const results = await mapConcurrent(
		indexes,
		concurrency,
		async (itemIndex): Promise<INodeExecutionData[]> => {
			try {
				const result = await handle(itemIndex);
				return (Array.isArray(result) ? result : [result]).map((item) => ({
					...item,
					pairedItem: { item: itemIndex },
				}));
			} catch (caught) {
				const error = asNodeError(ctx, caught, itemIndex);
				if (!ctx.continueOnFail()) throw error;
				const json: JsonObject = { error: error.message };
				if (error.description) json.description = error.description;
				if (error instanceof NodeApiError && error.httpCode) json.httpCode = error.httpCode;
				return [{ json, pairedItem: { item: itemIndex } }];
			}
		},
	);
	return [results.flat()];
}

function asNodeError(
	ctx: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.context.itemIndex ??= itemIndex;
		return error;
	}
	return new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
}
