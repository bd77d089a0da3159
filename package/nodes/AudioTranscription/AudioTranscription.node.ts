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
import * as transcription from './transcription.operation';

export class AudioTranscription implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Audio Transcription',
		name: 'audioTranscription',
		icon: { light: 'file:../shared/audio.svg', dark: 'file:../shared/audio.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["responseFormat"] }}',
		description:
			'Turn speech into text, subtitles or timestamps with any OpenAI-compatible audio API',
		defaults: { name: 'Audio Transcription' },
		// The audio comes from a binary field or a URL that an AI agent would have to provide.
		usableAsTool: undefined,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'audioApi', required: true, testedBy: 'audioApiConnectionTest' }],
		properties: transcription.properties,
	};

	methods = {
		credentialTest: { audioApiConnectionTest },
		listSearch: { searchTranscriptionModels: searchModels('stt') },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await forEachItem(
			this,
			(item) => transcription.execute.call(this, item),
			itemConcurrency(this),
		);
	}
}
