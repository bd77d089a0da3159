import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { transcriptionFields, type TranscriptionRequest } from '../../lib/openai/requests';
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
import { binaryAsDataUrl, readAudioInput } from '../shared/upload';

export const properties: INodeProperties[] = [
	{
		displayName: 'Audio Source',
		name: 'audioSource',
		type: 'options',
		default: 'binary',
		description: 'Where the audio comes from. File IDs and URLs work with the Opper API style.',
		options: [
			{ name: 'Binary File', value: 'binary', description: 'A binary field of the input item' },
			{
				name: 'Opper File ID',
				value: 'fileId',
				description: 'A file stored at Opper, for example the file_id of an Audio Speech node',
			},
			{ name: 'URL', value: 'url', description: 'An https URL Opper downloads the audio from' },
		],
	},
	{ ...inputBinaryProperty, displayOptions: { show: { audioSource: ['binary'] } } },
	{
		displayName: 'File ID',
		name: 'fileId',
		type: 'string',
		default: '={{ $json.file_id }}',
		required: true,
		displayOptions: { show: { audioSource: ['fileId'] } },
	},
	{
		displayName: 'Audio URL',
		name: 'audioUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://example.com/episode.mp3',
		displayOptions: { show: { audioSource: ['url'] } },
	},
	modelProperty(
		'searchTranscriptionModels',
		'whisper-1',
		'OpenAI: whisper-1 (all formats), gpt-4o-transcribe and gpt-4o-mini-transcribe (json and text), gpt-4o-transcribe-diarize (speaker labels). Groq: whisper-large-v3.',
	),
	{
		displayName: 'Response Format',
		name: 'responseFormat',
		type: 'options',
		default: 'json',
		description:
			'What the provider returns. SRT and VTT are subtitles; Verbose JSON adds segments and word timings.',
		options: [
			{
				name: 'Diarized JSON',
				value: 'diarized_json',
				description: 'Segments labelled by speaker (gpt-4o-transcribe-diarize)',
			},
			{
				name: 'JSON',
				value: 'json',
				description: 'The text, plus logprobs and usage when the model gives them',
			},
			{ name: 'SRT', value: 'srt', description: 'SubRip subtitles (whisper-1)' },
			{ name: 'Text', value: 'text', description: 'Plain text' },
			{
				name: 'Verbose JSON',
				value: 'verbose_json',
				description:
					'Language, duration, segments and, if asked, words with timestamps (whisper-1)',
			},
			{ name: 'VTT', value: 'vtt', description: 'WebVTT subtitles (whisper-1)' },
		],
	},
	{
		displayName: 'Timestamp Granularities',
		name: 'timestampGranularities',
		type: 'multiOptions',
		default: [],
		description: 'Which timestamps to return with Verbose JSON. Word timestamps take longer.',
		options: [
			{ name: 'Segment', value: 'segment' },
			{ name: 'Word', value: 'word' },
		],
		displayOptions: { show: { responseFormat: ['verbose_json'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Chunking Strategy',
				name: 'chunkingStrategy',
				type: 'options',
				default: 'auto',
				description:
					'Let the provider cut long audio at pauses (voice activity detection). Required by gpt-4o-transcribe-diarize for audio over 30 seconds.',
				options: [{ name: 'Auto', value: 'auto' }],
			},
			{
				displayName: 'Diarize (Opper)',
				name: 'diarize',
				type: 'boolean',
				default: false,
				description:
					'Whether Opper should label speakers on segments. With OpenAI, pick gpt-4o-transcribe-diarize and Diarized JSON instead.',
			},
			{
				displayName: 'Include Logprobs',
				name: 'includeLogprobs',
				type: 'boolean',
				default: false,
				description:
					'Whether to return the log probability of each token (JSON format, gpt-4o-transcribe models only)',
			},
			{
				displayName: 'Known Speakers',
				name: 'knownSpeakers',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true, maxValue: 4 },
				default: {},
				placeholder: 'Add Speaker',
				description:
					'Up to 4 speakers to label by name in Diarized JSON (gpt-4o-transcribe-diarize)',
				options: [
					{
						displayName: 'Speaker',
						name: 'speaker',
						values: [
							{
								displayName: 'Name',
								name: 'name',
								type: 'string',
								default: '',
								placeholder: 'agent',
								description: 'The label to give this speaker',
							},
							{
								displayName: 'Reference Audio',
								name: 'reference',
								type: 'string',
								default: '',
								placeholder: 'agentSample',
								description:
									'A 2 to 10 second sample of the speaker: the name of a binary field of the same item, or a data: URL',
							},
						],
					},
				],
			},
			{
				displayName: 'Language',
				name: 'language',
				type: 'string',
				default: '',
				placeholder: 'en',
				description:
					'The language of the audio as an ISO-639-1 code. Setting it improves accuracy and speed.',
			},
			itemConcurrencyOption,
			...requestOptions,
			{
				displayName: 'Prompt',
				name: 'prompt',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				description:
					"Text to guide the style or spelling, or to continue a previous part of the audio; in the audio's language",
			},
			{
				displayName: 'Stream',
				name: 'stream',
				type: 'boolean',
				default: false,
				description:
					'Whether to ask for the transcript as server-sent events, put together into the final text (gpt-4o-transcribe models; whisper-1 ignores it)',
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

async function knownSpeakers(
	ctx: IExecuteFunctions,
	itemIndex: number,
	options: IDataObject,
): Promise<Pick<TranscriptionRequest, 'known_speaker_names' | 'known_speaker_references'>> {
	const speakers = ((options.knownSpeakers as IDataObject | undefined)?.speaker ?? []) as Array<{
		name: string;
		reference: string;
	}>;
	if (speakers.length === 0) return {};
	const references = await Promise.all(
		speakers.map(async ({ reference }) =>
			reference.trim().startsWith('data:')
				? reference.trim()
				: await binaryAsDataUrl(ctx, itemIndex, reference.trim()),
		),
	);
	return {
		known_speaker_names: speakers.map((s) => s.name.trim()),
		known_speaker_references: references,
	};
}

/**
 * Transcribes one item's audio with `POST /audio/transcriptions`.
 *
 * @throws NodeOperationError for input that is not audio or invalid parameters; NodeApiError
 *   when the provider refuses.
 */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const format = this.getNodeParameter('responseFormat', itemIndex) as TranscriptFormat;
	const model = getModel(this, itemIndex);
	const source = this.getNodeParameter('audioSource', itemIndex, 'binary') as string;
	const upload =
		source === 'binary'
			? await readAudioInput(
					this,
					itemIndex,
					this.getNodeParameter('binaryPropertyName', itemIndex) as string,
				)
			: undefined;
	const remote =
		source === 'fileId'
			? { kind: 'fileId' as const, fileId: String(this.getNodeParameter('fileId', itemIndex)) }
			: source === 'url'
				? { kind: 'url' as const, url: String(this.getNodeParameter('audioUrl', itemIndex)) }
				: undefined;

	let fields;
	try {
		fields = transcriptionFields(
			{
				model,
				response_format: format,
				language: (options.language as string | undefined)?.trim(),
				prompt: options.prompt as string | undefined,
				temperature: options.temperature === undefined ? undefined : Number(options.temperature),
				timestamp_granularities:
					format === 'verbose_json'
						? (this.getNodeParameter('timestampGranularities', itemIndex, []) as Array<
								'word' | 'segment'
							>)
						: [],
				include: options.includeLogprobs === true ? ['logprobs'] : [],
				chunking_strategy: options.chunkingStrategy as 'auto' | undefined,
				stream: options.stream === true,
				...(await knownSpeakers(this, itemIndex, options)),
			},
			'transcriptions',
		);
	} catch (error) {
		throw new NodeOperationError(this.getNode(), (error as Error).message, { itemIndex });
	}

	return await transcribe(
		this,
		itemIndex,
		{ endpoint: 'transcriptions', upload, remote, fields, model, format },
		options,
	);
}
