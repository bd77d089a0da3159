import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { requestOptions, retryOptions } from '../shared/descriptions';
import { listModels } from '../shared/models';

export const properties: INodeProperties[] = [
	{
		displayName: 'Audio Models Only',
		name: 'audioOnly',
		type: 'boolean',
		default: true,
		description:
			'Whether to keep only models that look like text-to-speech or speech-to-text models, judged by their IDs',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [...requestOptions],
	},
];

/**
 * Lists the provider's models with `GET /models`: one output item per model, with `id`,
 * `owned_by`, `created` (Unix seconds), `kind` (`tts`, `stt`, `chat` or `other`), Opper's `voices`
 * and `formats`, and `request_id` when the provider gave one.
 *
 * @throws NodeApiError when the provider refuses; NodeOperationError when the reply is not a list.
 */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const audioOnly = this.getNodeParameter('audioOnly', itemIndex, true) as boolean;
	const { models, requestId } = await listModels.call(this, retryOptions(options), itemIndex);
	return models
		.filter((model) => !audioOnly || model.kind !== 'other')
		.map((model) => ({ json: { ...model, ...(requestId ? { request_id: requestId } : {}) } }));
}
