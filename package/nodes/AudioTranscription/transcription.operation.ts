import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import type { TranscriptionRequest } from '../../lib/providers/types';
import type { TranscriptFormat } from '../../lib/transcript/transcript';
import {
	audioSourceProperties,
	getModel,
	jsonOption,
	modelProperty,
	opperOptionsCollection,
	optionsCollection,
	retryOptions,
	transcriptFormatProperty,
	transcriptionOptions,
	getResponseFormat,
} from '../shared/descriptions';
import { binaryAudio, readWhole } from '../shared/input';
import type { ItemRun } from '../shared/items';
import { audioSourceOf, transcribe, transcribeOptions } from '../shared/transcribe';

export const properties: INodeProperties[] = [
	...audioSourceProperties(true),
	modelProperty(
		'searchTranscriptionModels',
		'whisper-1',
		'OpenAI: whisper-1 (all formats), gpt-4o-transcribe and gpt-4o-mini-transcribe (json and text), gpt-4o-transcribe-diarize (speaker labels). Groq: whisper-large-v3.',
	),
	transcriptFormatProperty(true),
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
	optionsCollection([
		...transcriptionOptions(),
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
			description: 'Up to 4 speakers to label by name in Diarized JSON (gpt-4o-transcribe-diarize)',
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
	]),
	opperOptionsCollection([
		{
			displayName: 'Diarize',
			name: 'diarize',
			type: 'boolean',
			default: false,
			description:
				'Whether Opper labels speakers on segments (rejected by models that cannot). With OpenAI, pick gpt-4o-transcribe-diarize and Diarized JSON instead.',
		},
		{
			displayName: 'Parameters (JSON)',
			name: 'parameters',
			type: 'json',
			default: '{}',
			description: "Opper's per-provider passthrough: model-specific fields as a JSON object",
		},
	]),
];

/** Known speakers' names and samples, each sample a binary field of the item or a data: URL. */
async function knownSpeakers(
	ctx: IExecuteFunctions,
	item: ItemRun,
	options: IDataObject,
): Promise<Pick<TranscriptionRequest, 'known_speaker_names' | 'known_speaker_references'>> {
	const speakers = ((options.knownSpeakers as IDataObject | undefined)?.speaker ?? []) as Array<{
		name: string;
		reference: string;
	}>;
	if (speakers.length === 0) return {};
	const references = await Promise.all(
		speakers.map(async ({ reference }) => {
			const value = String(reference ?? '').trim();
			if (value.startsWith('data:')) return value;
			const sample = await binaryAudio(ctx, { index: item.index }, value);
			return `data:${sample.contentType};base64,${(await readWhole(sample)).toString('base64')}`;
		}),
	);
	return {
		known_speaker_names: speakers.map((s) => String(s.name ?? '').trim()),
		known_speaker_references: references,
	};
}

/**
 * Transcribes one item's audio with `POST /audio/transcriptions` (see `transcribe` for the
 * output).
 *
 * @throws NodeOperationError for input that is not audio, empty fields or invalid parameters;
 *   NodeApiError when the provider refuses.
 */
export async function execute(this: IExecuteFunctions, item: ItemRun): Promise<INodeExecutionData> {
	const i = item.index;
	const options = this.getNodeParameter('options', i, {}) as IDataObject;
	const opper = this.getNodeParameter('opperOptions', i, {}) as IDataObject;
	const format = getResponseFormat<TranscriptFormat>(this, i);
	const request: TranscriptionRequest = {
		endpoint: 'transcriptions',
		model: getModel(this, i),
		response_format: format,
		...(options.language ? { language: String(options.language).trim() } : {}),
		...(options.prompt ? { prompt: String(options.prompt) } : {}),
		...(options.temperature !== undefined ? { temperature: Number(options.temperature) } : {}),
		timestamp_granularities:
			format === 'verbose_json'
				? (this.getNodeParameter('timestampGranularities', i, []) as Array<'word' | 'segment'>)
				: [],
		include: options.includeLogprobs === true ? ['logprobs'] : [],
		...(options.chunkingStrategy ? { chunking_strategy: 'auto' as const } : {}),
		stream: options.stream === true,
		uploadAs: options.uploadAs === 'json' ? 'json' : 'multipart',
		diarize: opper.diarize === true,
		parameters: jsonOption(this, opper.parameters, 'Parameters (JSON)', i),
		...(await knownSpeakers(this, item, options)),
	};
	const source = audioSourceOf(this, i);
	return await transcribe(
		this,
		item,
		request,
		source,
		transcribeOptions(options, retryOptions(options), format),
	);
}
