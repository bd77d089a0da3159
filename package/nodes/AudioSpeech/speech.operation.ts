import type {
	IDataObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import { SPEECH_FORMATS, type SpeechFormat } from '../../lib/audio/container';
import { BUILT_IN_VOICES } from '../../lib/providers/openai';
import {
	getModel,
	isExpression,
	itemConcurrencyOption,
	jsonOption,
	modelProperty,
	opperOptionsCollection,
	optionsCollection,
	requestOptions,
	requiredValue,
	retryOptions,
	getResponseFormat,
} from '../shared/descriptions';
import type { ItemRun } from '../shared/items';
import { listModels, LOOKUP_RETRY_OPTIONS } from '../shared/models';
import { speak } from '../shared/speak';
import { endpoint } from '../shared/transport';

const CUSTOM_VOICE_ID = '__customVoiceId';
const OTHER_VOICE_NAME = '__otherVoiceName';

const FORMAT_LABELS: Record<SpeechFormat, string> = {
	mp3: 'MP3',
	opus: 'Opus (Ogg)',
	aac: 'AAC',
	flac: 'FLAC',
	wav: 'WAV',
	pcm: 'PCM (Raw 24 kHz 16-Bit Mono)',
};

export const properties: INodeProperties[] = [
	modelProperty(
		'searchSpeechModels',
		'gpt-4o-mini-tts',
		'OpenAI: gpt-4o-mini-tts, tts-1 or tts-1-hd. Self-hosted servers use their own names (e.g. kokoro).',
	),
	{
		displayName: 'Text',
		name: 'input',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		placeholder: 'e.g. Today is a wonderful day to build something people love!',
		description:
			'The text to speak. Text over 4,096 characters is spoken in parts joined into one file (see Split Long Text).',
	},
	{
		displayName: 'Voice Name or ID',
		name: 'voice',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getVoices', loadOptionsDependsOn: ['model.value'] },
		default: 'alloy',
		description:
			'The voice to speak with: the model\'s own voices where the provider lists them (Opper), else OpenAI\'s built-in voices. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Custom Voice ID',
		name: 'customVoiceId',
		type: 'string',
		default: '',
		placeholder: 'voice_1234',
		description: 'The ID of a custom voice made with the provider, sent as an object with an ID',
		displayOptions: { show: { voice: [CUSTOM_VOICE_ID] } },
	},
	{
		displayName: 'Voice Name',
		name: 'voiceName',
		type: 'string',
		default: '',
		placeholder: 'af_bella',
		description: "A voice the provider knows by name, e.g. Kokoro's af_bella",
		displayOptions: { show: { voice: [OTHER_VOICE_NAME] } },
	},
	{
		displayName: 'Response Format',
		name: 'responseFormat',
		type: 'options',
		default: 'mp3',
		description: 'The audio format of the file',
		options: SPEECH_FORMATS.map((format) => ({ name: FORMAT_LABELS[format], value: format })),
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		hint: 'The name of the output binary field to put the audio file in',
	},
	optionsCollection([
		{
			displayName: 'Extra Body Parameters (JSON)',
			name: 'extraBody',
			type: 'json',
			default: '{}',
			description:
				'More fields for the request body, for providers with their own parameters. They cannot replace model, input, voice or response_format.',
		},
		{
			displayName: 'File Name',
			name: 'fileName',
			type: 'string',
			default: 'speech',
			description:
				'Name of the output file, without extension; the extension follows the response format',
		},
		{
			displayName: 'Instructions',
			name: 'instructions',
			type: 'string',
			typeOptions: { rows: 2 },
			default: '',
			placeholder: 'e.g. Speak in a cheerful and positive tone.',
			description: 'How to speak: tone, accent, pace. Not supported by tts-1 and tts-1-hd.',
		},
		itemConcurrencyOption(),
		{
			displayName: 'Max Parts',
			name: 'maxParts',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 50,
			description:
				'The most requests one text may become when it is split (a part is at most 4,096 characters); a longer text fails instead of being sent',
		},
		{
			displayName: 'Part Concurrency',
			name: 'partConcurrency',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 16 },
			default: 4,
			description: 'How many parts of a long text to speak at once',
		},
		...requestOptions,
		{
			displayName: 'Speed',
			name: 'speed',
			type: 'number',
			typeOptions: { minValue: 0.25, maxValue: 4, numberPrecision: 2 },
			default: 1,
			description: 'How fast to speak, from 0.25 to 4',
		},
		{
			displayName: 'Split Long Text',
			name: 'splitLongText',
			type: 'boolean',
			default: true,
			description:
				'Whether to speak text over 4,096 characters in parts, split at paragraphs, then sentences, then words, and join the audio into one file. Works for MP3, WAV, AAC and PCM.',
		},
		{
			displayName: 'Stream Format',
			name: 'streamFormat',
			type: 'options',
			default: 'audio',
			description:
				'How the provider sends the audio back. SSE sends it as server-sent events that are put together into one file (gpt-4o-mini-tts; not tts-1).',
			options: [
				{ name: 'Audio', value: 'audio', description: 'The audio file itself' },
				{ name: 'SSE', value: 'sse', description: 'Speech.audio.delta events with base64 audio' },
			],
		},
	]),
	opperOptionsCollection([
		{
			displayName: 'Store',
			name: 'store',
			type: 'boolean',
			default: true,
			description:
				'Whether Opper keeps the audio and returns a file_id and URL, for example to transcribe it later by file_id',
		},
	]),
];

const titleCase = (voice: string) => voice.charAt(0).toUpperCase() + voice.slice(1);

/**
 * The loadOptions method of the `voice` parameter: the chosen model's voices where the provider
 * declares them (Opper's `/audio/models`; before a model is chosen, every speech model's), else
 * OpenAI's built-in voices. The model's default voice, a custom voice ID and another voice name
 * follow. Without a credential, or when the listing fails, the built-in voices stand in, so the
 * field never shows "Error fetching options".
 */
export async function getVoices(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const chosen = String(this.getCurrentNodeParameter('model', { extractValue: true }) ?? '');
	const declared = await endpoint(this)
		.then(async ({ provider }) =>
			provider.declaresVoices
				? provider.voices((await listModels.call(this, LOOKUP_RETRY_OPTIONS)).models, chosen)
				: undefined,
		)
		.catch(() => undefined);
	return [
		...(declared ?? BUILT_IN_VOICES).map((voice) => ({ name: titleCase(voice), value: voice })),
		{ name: "Model's Default", value: '', description: 'Leave the voice to the model' },
		{
			name: 'Custom Voice ID',
			value: CUSTOM_VOICE_ID,
			description: 'The ID of a custom voice made with the provider, sent as an object with an ID',
		},
		{
			name: 'Other Voice Name',
			value: OTHER_VOICE_NAME,
			description: 'A voice name the provider knows, e.g. af_bella on Kokoro',
		},
	];
}

/** The voice to send: a name, a custom voice `{id}`, or `undefined` for the model's default. */
function voiceOf(ctx: IExecuteFunctions, itemIndex: number): string | { id: string } | undefined {
	const voice = String(ctx.getNodeParameter('voice', itemIndex, '') ?? '').trim();
	if (voice === CUSTOM_VOICE_ID) {
		const fix = 'Put the ID of the custom voice in Custom Voice ID.';
		return { id: requiredValue(ctx, 'customVoiceId', itemIndex, 'Custom Voice ID', fix) };
	}
	if (voice === OTHER_VOICE_NAME) {
		return requiredValue(
			ctx,
			'voiceName',
			itemIndex,
			'Voice Name',
			'Put the voice name in Voice Name.',
		);
	}
	if (!voice && isExpression(ctx, 'voice')) {
		return requiredValue(ctx, 'voice', itemIndex, 'Voice', "Pick a voice, or Model's Default.");
	}
	return voice || undefined;
}

/**
 * Speaks one item's text with `POST /audio/speech` (see `speak` for the output).
 *
 * @throws NodeOperationError for empty fields or invalid parameters; NodeApiError when the
 *   provider refuses.
 */
export async function execute(this: IExecuteFunctions, item: ItemRun): Promise<INodeExecutionData> {
	const i = item.index;
	const options = this.getNodeParameter('options', i, {}) as IDataObject;
	const opper = this.getNodeParameter('opperOptions', i, {}) as IDataObject;
	return await speak(this, item, {
		speech: {
			model: getModel(this, i),
			input: String(this.getNodeParameter('input', i, '') ?? ''),
			voice: voiceOf(this, i),
			response_format: getResponseFormat<SpeechFormat>(this, i),
			...(options.speed !== undefined ? { speed: Number(options.speed) } : {}),
			...(options.instructions ? { instructions: String(options.instructions) } : {}),
			...(options.streamFormat === 'sse' ? { stream_format: 'sse' as const } : {}),
			extra: jsonOption(this, options.extraBody, 'Extra Body Parameters', i),
			store: opper.store !== false,
		},
		splitLongText: options.splitLongText !== false,
		maxParts: Number(options.maxParts ?? 50),
		partConcurrency: Number(options.partConcurrency ?? 4),
		fileName: String(options.fileName || 'speech'),
		binaryProperty: requiredValue(
			this,
			'binaryPropertyName',
			i,
			'Put Output File in Field',
			'Name the output binary field, e.g. data.',
		),
		retry: retryOptions(options),
	});
}
