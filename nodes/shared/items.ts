import type { IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

/**
 * Runs `handle` for every input item, in order, and returns the node's output.
 *
 * `handle` returns one output item or several. Each output item gets `pairedItem` pointing at its input item. An error names the item: n8n
 * errors get `itemIndex` set; anything else becomes a NodeOperationError with it. With Continue
 * On Fail on, a failed item becomes `{error, description?, httpCode?}` with its `pairedItem` and
 * the other items still run; otherwise the first error stops the node.
 */
export async function forEachItem(
	ctx: IExecuteFunctions,
	handle: (itemIndex: number) => Promise<INodeExecutionData | INodeExecutionData[]>,
): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const result = await handle(itemIndex);
			for (const item of Array.isArray(result) ? result : [result]) {
				output.push({ ...item, pairedItem: { item: itemIndex } });
			}
		} catch (caught) {
			const error = asNodeError(ctx, caught, itemIndex);
			if (!ctx.continueOnFail()) throw error;
			const json: JsonObject = { error: error.message };
			if (error.description) json.description = error.description;
			if (error instanceof NodeApiError && error.httpCode) json.httpCode = error.httpCode;
			output.push({ json, pairedItem: { item: itemIndex } });
		}
	}
	return [output];
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
