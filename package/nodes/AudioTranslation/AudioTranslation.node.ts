import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { forEachItem, itemConcurrency } from '../shared/items';
import { searchModels } from '../shared/models';
import * as translation from './translation.operation';

export class AudioTranslation implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Audio Translation',
		name: 'audioTranslation',
		icon: { light: 'file:../shared/audio.svg', dark: 'file:../shared/audio.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["responseFormat"] }}',
		description:
			'Translate speech in any language into English text or subtitles with any OpenAI-compatible audio API',
		defaults: { name: 'Audio Translation' },
		// Its input is a binary file, which an AI agent calling a tool cannot provide.
		usableAsTool: undefined,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'audioApi', required: true }],
		properties: translation.properties,
	};

	methods = {
		listSearch: { searchTranslationModels: searchModels('stt') },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await forEachItem(
			this,
			(itemIndex) => translation.execute.call(this, itemIndex),
			itemConcurrency(this),
		);
	}
}
