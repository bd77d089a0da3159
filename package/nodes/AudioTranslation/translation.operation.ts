import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { transcriptionFields } from '../../lib/openai/requests';
import type { TranscriptFormat } from '../../lib/transcript/transcript';
import {
	getModel,
	inputBinaryProperty,
	modelProperty,
	requestOptions,
	itemConcurrencyOption,
} from '../shared/descriptions';
import {
	subtitleFileOptions,
	transcribe,
	uploadAsOption,
	chunkOptions,
} from '../shared/transcribe';
import { readAudioInput } from '../shared/upload';

export const properties: INodeProperties[] = [
	inputBinaryProperty,
	modelProperty(
		'searchTranslationModels',
		'whisper-1',
		'OpenAI offers only whisper-1 for translation',
	),
	{
		displayName: 'Response Format',
		name: 'responseFormat',
		type: 'options',
		default: 'json',
		description:
			'What the provider returns. SRT and VTT are subtitles; Verbose JSON adds segments.',
		options: [
			{ name: 'JSON', value: 'json' },
			{ name: 'SRT', value: 'srt', description: 'SubRip subtitles' },
			{ name: 'Text', value: 'text' },
			{
				name: 'Verbose JSON',
				value: 'verbose_json',
				description: 'Language, duration and segments with timestamps',
			},
			{ name: 'VTT', value: 'vtt', description: 'WebVTT subtitles' },
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			itemConcurrencyOption,
			...requestOptions,
			{
				displayName: 'Prompt',
				name: 'prompt',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				description:
					'English text to guide the style or spelling, or to continue a previous part of the audio',
			},
			...subtitleFileOptions,
			uploadAsOption,
			...chunkOptions,
			{
				displayName: 'Temperature',
				name: 'temperature',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0,
				description: 'Sampling temperature from 0 to 1. 0 lets the model pick its own.',
			},
		],
	},
];

/**
 * Translates one item's audio into English text with `POST /audio/translations`.
 *
 * @throws NodeOperationError for input that is not audio; NodeApiError when the provider refuses.
 */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const format = this.getNodeParameter('responseFormat', itemIndex) as TranscriptFormat;
	const model = getModel(this, itemIndex);
	const upload = await readAudioInput(
		this,
		itemIndex,
		this.getNodeParameter('binaryPropertyName', itemIndex) as string,
	);
	const fields = transcriptionFields(
		{
			model,
			response_format: format,
			prompt: options.prompt as string | undefined,
			temperature: options.temperature === undefined ? undefined : Number(options.temperature),
		},
		'translations',
	);

	return await transcribe(
		this,
		itemIndex,
		{ endpoint: 'translations', upload, fields, model, format },
		options,
	);
}
