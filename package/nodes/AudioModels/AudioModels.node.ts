import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { audioApiConnectionTest } from '../shared/credential-test';
import { forEachItem, itemConcurrency } from '../shared/items';
import * as models from './models.operation';

export class AudioModels implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Audio Models',
		name: 'audioModels',
		icon: { light: 'file:../shared/audio.svg', dark: 'file:../shared/audio.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["audioOnly"] ? "audio models" : "all models" }}',
		description: 'List the speech and transcription models an OpenAI-compatible audio API offers',
		defaults: { name: 'Audio Models' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'audioApi', required: true, testedBy: 'audioApiConnectionTest' }],
		properties: models.properties,
	};

	methods = {
		credentialTest: { audioApiConnectionTest },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await forEachItem(
			this,
			(item) => models.execute.call(this, item),
			itemConcurrency(this),
		);
	}
}
