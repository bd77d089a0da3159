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
import * as chat from './chat.operation';

export class AudioChat implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Audio Chat',
		name: 'audioChat',
		icon: { light: 'file:../shared/audio.svg', dark: 'file:../shared/audio.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["prompt"] }}',
		description: 'Ask a chat model about a recording, and get a text or spoken answer',
		defaults: { name: 'Audio Chat' },
		// The audio comes from a binary field that an AI agent calling a tool never sees.
		usableAsTool: undefined,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'audioApi', required: true, testedBy: 'audioApiConnectionTest' }],
		properties: chat.properties,
	};

	methods = {
		credentialTest: { audioApiConnectionTest },
		listSearch: { searchChatModels: searchModels('chat') },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await forEachItem(this, (item) => chat.execute.call(this, item), itemConcurrency(this));
	}
}
