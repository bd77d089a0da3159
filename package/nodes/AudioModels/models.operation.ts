import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { optionsCollection, requestOptions, retryOptions } from '../shared/descriptions';
import type { ItemRun } from '../shared/items';
import { listModels } from '../shared/models';

export const properties: INodeProperties[] = [
	{
		displayName: 'Audio Models Only',
		name: 'audioOnly',
		type: 'boolean',
		default: true,
		description:
			'Whether to keep only models that look like text-to-speech, speech-to-text or audio chat models, judged by their IDs',
	},
	optionsCollection([...requestOptions]),
];

/**
 * Lists the provider's models: one output item per model, with `id`, `owned_by`, `created` (Unix
 * seconds), `kind` (`tts`, `stt`, `chat` or `other`), Opper's `voices` and `formats`, and
 * `request_id` when the provider gave one.
 *
 * @throws NodeApiError when the provider refuses; NodeOperationError when the reply is not a list.
 */
export async function execute(
	this: IExecuteFunctions,
	item: ItemRun,
): Promise<INodeExecutionData[]> {
	const options = this.getNodeParameter('options', item.index, {}) as IDataObject;
	const audioOnly = this.getNodeParameter('audioOnly', item.index, true) as boolean;
	const { models, requestId } = await listModels.call(this, retryOptions(options), item.index);
	return models
		.filter((model) => !audioOnly || model.kind !== 'other')
		.map((model) => ({ json: { ...model, ...(requestId ? { request_id: requestId } : {}) } }));
}
