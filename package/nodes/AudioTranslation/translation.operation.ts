import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import type { TranscriptFormat } from '../../lib/transcript/transcript';
import {
	audioSourceProperties,
	getModel,
	modelProperty,
	optionsCollection,
	retryOptions,
	transcriptFormatProperty,
	transcriptionOptions,
	getResponseFormat,
} from '../shared/descriptions';
import type { ItemRun } from '../shared/items';
import { audioSourceOf, transcribe, transcribeOptions } from '../shared/transcribe';

export const properties: INodeProperties[] = [
	...audioSourceProperties(false),
	modelProperty(
		'searchTranslationModels',
		'whisper-1',
		'OpenAI offers only whisper-1 for translation; Groq: whisper-large-v3',
	),
	transcriptFormatProperty(false),
	optionsCollection([
		...transcriptionOptions(),
		{
			displayName: 'Prompt',
			name: 'prompt',
			type: 'string',
			typeOptions: { rows: 2 },
			default: '',
			description:
				'English text to guide the style or spelling, or to continue a previous part of the audio',
		},
	]),
];

/**
 * Translates one item's audio into English with `POST /audio/translations` (see `transcribe` for
 * the output).
 *
 * @throws NodeOperationError for input that is not audio or empty fields; NodeApiError when the
 *   provider refuses.
 */
export async function execute(this: IExecuteFunctions, item: ItemRun): Promise<INodeExecutionData> {
	const i = item.index;
	const options = this.getNodeParameter('options', i, {}) as IDataObject;
	const format = getResponseFormat<TranscriptFormat>(this, i);
	return await transcribe(
		this,
		item,
		{
			endpoint: 'translations',
			model: getModel(this, i),
			response_format: format,
			...(options.prompt ? { prompt: String(options.prompt) } : {}),
			...(options.temperature !== undefined ? { temperature: Number(options.temperature) } : {}),
			uploadAs: options.uploadAs === 'json' ? 'json' : 'multipart',
		},
		audioSourceOf(this, i),
		transcribeOptions(options, retryOptions(options), format),
	);
}
