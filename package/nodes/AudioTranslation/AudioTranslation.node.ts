import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { audioApiConnectionTest } from '../shared/credential-test';
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
		description: 'Translate speech in any language into English text or subtitles',
		defaults: { name: 'Audio Translation' },
		// The audio comes from a binary field or a URL that an AI agent would have to provide.
		usableAsTool: undefined,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'audioApi', required: true, testedBy: 'audioApiConnectionTest' }],
		properties: translation.properties,
	};

	methods = {
		credentialTest: { audioApiConnectionTest },
		listSearch: { searchTranslationModels: searchModels('translate') },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await forEachItem(
			this,
			(item) => translation.execute.call(this, item),
			itemConcurrency(this),
		);
	}
}
