import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { RetryOptions } from './transport';
import { DEFAULT_RETRY_OPTIONS } from './transport';

// Literal defaults so that the UI and linters can read them; a unit test keeps them equal to
// DEFAULT_RETRY_OPTIONS.

/**
 * The `model` parameter: a list loaded from the provider's `GET /models`, or any ID typed in
 * (self-hosted servers and Azure deployments have names no list can know).
 *
 * @param searchListMethod the node's listSearch method that lists the models of the right kind.
 * @param defaultModel the model ID preselected on a new node.
 */
export function modelProperty(
	searchListMethod: string,
	defaultModel: string,
	hint: string,
): INodeProperties {
	return {
		displayName: 'Model',
		name: 'model',
		type: 'resourceLocator',
		default: { mode: 'id', value: defaultModel },
		required: true,
		description: "The model to use. The list comes from the provider's /models endpoint.",
		hint,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod, searchable: true },
			},
			{
				displayName: 'ID',
				name: 'id',
				type: 'string',
				placeholder: defaultModel,
			},
		],
	};
}

/** The input binary property parameter of the transcription and translation nodes. */
export const inputBinaryProperty: INodeProperties = {
	displayName: 'Input Binary Field',
	name: 'binaryPropertyName',
	type: 'string',
	default: 'data',
	required: true,
	placeholder: 'data',
	hint: 'The name of the input binary field that holds the audio file',
	description:
		'Audio in any container the provider accepts: mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm or flac',
};

/** Options every node offers for how requests are sent, inside its Options collection. */
export const requestOptions: INodeProperties[] = [
	{
		displayName: 'Max Retries',
		name: 'maxRetries',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 10 },
		default: 2,
		description:
			"How many times to retry a request that got 429, 500, 502, 503, 504 or a broken connection. Waits grow exponentially and follow the provider's Retry-After.",
	},
	{
		displayName: 'Timeout (Ms)',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 600000,
		description:
			'How long one request may take, in milliseconds, before it is abandoned (and retried)',
	},
];

/** Reads the request options from a node's Options collection. */
export function retryOptions(options: IDataObject): RetryOptions {
	return {
		maxRetries: Number(options.maxRetries ?? DEFAULT_RETRY_OPTIONS.maxRetries),
		timeoutMs: Number(options.timeout ?? DEFAULT_RETRY_OPTIONS.timeoutMs),
	};
}

/** Reads the `model` resource locator's value, trimmed. */
export function getModel(ctx: IExecuteFunctions, itemIndex: number): string {
	return String(ctx.getNodeParameter('model', itemIndex, '', { extractValue: true })).trim();
}

/** The Item Concurrency option; read by `itemConcurrency` in items.ts. */
export const itemConcurrencyOption: INodeProperties = {
	displayName: 'Item Concurrency',
	name: 'itemConcurrency',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: 32 },
	default: 1,
	description:
		"How many input items to process at once. Output order and paired items are kept. Mind the provider's rate limits.",
};
