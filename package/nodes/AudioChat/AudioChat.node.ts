import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { forEachItem } from '../shared/items';
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
		// Its input is a binary file, which an AI agent calling a tool cannot provide.
		usableAsTool: undefined,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'audioApi', required: true }],
		properties: chat.properties,
	};

	methods = {
		listSearch: { searchChatModels: searchModels('chat') },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await forEachItem(this, (itemIndex) => chat.execute.call(this, itemIndex));
	}
}
