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
import * as speech from './speech.operation';

export class AudioSpeech implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Audio Speech',
		name: 'audioSpeech',
		icon: { light: 'file:../shared/audio.svg', dark: 'file:../shared/audio.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ $parameter["responseFormat"] + " · " + ($parameter["voice"] || "default voice") }}',
		description: 'Turn text into speech with any OpenAI-compatible audio API',
		defaults: { name: 'Audio Speech' },
		// The audio goes into a binary field, which an AI agent calling a tool never sees.
		usableAsTool: undefined,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'audioApi', required: true, testedBy: 'audioApiConnectionTest' }],
		properties: speech.properties,
	};

	methods = {
		credentialTest: { audioApiConnectionTest },
		listSearch: { searchSpeechModels: searchModels('tts') },
		loadOptions: { getVoices: speech.getVoices },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await forEachItem(
			this,
			(item) => speech.execute.call(this, item),
			itemConcurrency(this),
		);
	}
}
