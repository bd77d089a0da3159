import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { RetryOptions } from './transport';
import { DEFAULT_RETRY_OPTIONS } from './transport';

// Literal defaults so that the editor and linters can read them; a unit test keeps them equal
// to DEFAULT_RETRY_OPTIONS.

/**
 * How many items a node handles at once by default. n8n's HTTP Request node sends a batch's
 * requests all at once, so a user with a slow provider and many items would wait far longer on
 * one at a time; 8 came out of the benchmark (bench/results.md, "slow provider"), and rate
 * limits are met by Retry-After and backoff.
 */
export const DEFAULT_ITEM_CONCURRENCY = 8;

/**
 * The `model` parameter: a list loaded from the provider (of the models that fit the node), or
 * any ID typed in (self-hosted servers and Azure deployments have names no list can know).
 *
 * @param searchListMethod the node's listSearch method.
 * @param defaultModel the model ID preselected on a new node.
 */
export function modelProperty(
	searchListMethod: string,
	defaultModel: string,
	hint: string,
): INodeProperties {
	return {
		displayName: 'Model',
		name: 'model',
		type: 'resourceLocator',
		default: { mode: 'list', value: defaultModel },
		required: true,
		description:
			"The model to use: from the provider's list, or its ID typed in (for Azure, the deployment name)",
		hint,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod, searchable: true },
			},
			{
				displayName: 'ID',
				name: 'id',
				type: 'string',
				placeholder: defaultModel,
			},
		],
	};
}

/** The input binary property parameter of the nodes that take audio. */
export const inputBinaryProperty: INodeProperties = {
	displayName: 'Input Binary Field',
	name: 'binaryPropertyName',
	type: 'string',
	default: 'data',
	required: true,
	placeholder: 'data',
	hint: 'The name of the input binary field that holds the audio file',
	description:
		'Audio in any container the provider accepts: mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm or flac',
};

/** Options every node offers for how requests are sent, inside its Options collection. */
export const requestOptions: INodeProperties[] = [
	{
		displayName: 'Max Retries',
		name: 'maxRetries',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 10 },
		default: 2,
		description:
			"How many times to retry a request that got 429, 500, 502, 503, 504, a broken connection or a reply cut off midway. Waits grow exponentially and follow the provider's Retry-After.",
	},
	{
		displayName: 'Timeout (Ms)',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 600000,
		description:
			'How long one request may stay silent, in milliseconds, before it is abandoned (and retried)',
	},
];

/** Reads the request options from a node's Options collection. */
export function retryOptions(options: IDataObject): RetryOptions {
	return {
		maxRetries: Number(options.maxRetries ?? DEFAULT_RETRY_OPTIONS.maxRetries),
		timeoutMs: Number(options.timeout ?? DEFAULT_RETRY_OPTIONS.timeoutMs),
	};
}

/** The Item Concurrency option; read by `itemConcurrency` in items.ts. */
export function itemConcurrencyOption(defaultValue = DEFAULT_ITEM_CONCURRENCY): INodeProperties {
	return {
		displayName: 'Item Concurrency',
		name: 'itemConcurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 32 },
		default: defaultValue,
		description: `How many input items to process at once (default ${defaultValue}, as fast as a slow provider allows without flooding it). Output order and paired items are kept; 429s are retried after the provider's Retry-After.`,
	};
}

/**
 * Reads a parameter that must have a value when the node runs. A field may hold an expression,
 * so it is not required in the editor when it only applies to some values; this is where an
 * empty value is caught, instead of being sent as the text "undefined".
 *
 * @param label the field's name as the editor shows it.
 * @param fix what to do, e.g. "Put the file ID in File ID".
 * @throws NodeOperationError naming the field, the item and the fix when the value is empty,
 *   `undefined` or `null`.
 */
export function requiredValue(
	ctx: IExecuteFunctions,
	name: string,
	itemIndex: number,
	label: string,
	fix: string,
): string {
	const value = ctx.getNodeParameter(name, itemIndex, undefined, { extractValue: true }) as unknown;
	const text = value === undefined || value === null ? '' : String(value).trim();
	if (!text) {
		throw new NodeOperationError(ctx.getNode(), `${label} is empty`, {
			itemIndex,
			description: `${fix} If it holds an expression, check that the expression gives a value for this item.`,
		});
	}
	return text;
}

/**
 * Reads the Response Format, which may come from an expression.
 * @throws NodeOperationError naming the field and the item when it resolves to nothing.
 */
export function getResponseFormat<T extends string>(ctx: IExecuteFunctions, itemIndex: number): T {
	return requiredValue(
		ctx,
		'responseFormat',
		itemIndex,
		'Response Format',
		'Pick a format from the list.',
	) as T;
}

/** Reads the `model` resource locator's value. @throws NodeOperationError when it is empty. */
export function getModel(ctx: IExecuteFunctions, itemIndex: number): string {
	return requiredValue(
		ctx,
		'model',
		itemIndex,
		'Model',
		'Pick a model from the list, or type its ID (for Azure, the deployment name).',
	);
}

/** Options sorted by their display name, as n8n lists a collection's options. */
export function sortedOptions(options: INodeProperties[]): INodeProperties[] {
	return [...options].sort((a, b) => a.displayName.localeCompare(b.displayName));
}

/** Whether a parameter holds an expression (as the user wrote it, before it was resolved). */
export function isExpression(ctx: IExecuteFunctions, name: string): boolean {
	const raw = ctx.getNode().parameters[name];
	return typeof raw === 'string' && raw.startsWith('=');
}

/** The Audio Source parameter, and the fields for each source, of Transcription and Translation. */
export function audioSourceProperties(withOpperFileId: boolean): INodeProperties[] {
	return [
		{
			displayName: 'Audio Source',
			name: 'audioSource',
			type: 'options',
			default: 'binary',
			description: 'Where the audio comes from',
			options: [
				{ name: 'Binary File', value: 'binary', description: 'A binary field of the input item' },
				{
					name: 'URL',
					value: 'url',
					description:
						"An http(s) address of the audio file, streamed from there without entering n8n's binary store (Opper downloads it itself)",
				},
				...(withOpperFileId
					? [
							{
								name: 'Opper File ID',
								value: 'fileId',
								description:
									'A file stored at Opper, for example the file_id of an Audio Speech node',
							},
						]
					: []),
			],
		},
		{ ...inputBinaryProperty, displayOptions: { show: { audioSource: ['binary'] } } },
		{
			displayName: 'Audio URL',
			name: 'audioUrl',
			type: 'string',
			default: '',
			placeholder: 'https://example.com/episode.mp3',
			hint: 'Downloaded without the credential: the key is never sent to this host',
			description:
				'The address of the audio file, for example the enclosure URL of an RSS Feed Read item',
			displayOptions: { show: { audioSource: ['url'] } },
		},
		...(withOpperFileId
			? [
					{
						displayName: 'File ID',
						name: 'fileId',
						type: 'string' as const,
						default: '={{ $json.file_id }}',
						description: 'The Opper file_id of the audio',
						displayOptions: { show: { audioSource: ['fileId'] } },
					},
				]
			: []),
	];
}

/** The options of Transcription and Translation for files over the upload limit. */
export const longAudioOptions: INodeProperties[] = [
	{
		displayName: 'Chunk Concurrency',
		name: 'chunkConcurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 16 },
		default: 4,
		description:
			'How many chunks of a split file to send at once. Chunks are cut while the file is read; each is retried on its own.',
	},
	{
		displayName: 'Chunk Overlap (Seconds)',
		name: 'chunkOverlap',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 60, numberPrecision: 1 },
		default: 10,
		description:
			'Audio shared by neighbouring chunks around each cut (half before, half after), so that the sentence across a cut is heard whole, with context. Each segment is kept once, by its time. Only with SRT, VTT, Verbose JSON or Diarized JSON.',
	},
	{
		displayName: 'Keep Context Between Chunks',
		name: 'keepContext',
		type: 'boolean',
		default: false,
		description:
			'Whether to send the chunks of a split file one after another, each with the end of the transcript so far as its prompt. Slower, but names and spellings carry over the cuts.',
	},
	{
		displayName: 'Max Upload Size (MB)',
		name: 'maxUploadMb',
		type: 'number',
		typeOptions: { minValue: 0.1, numberPrecision: 1 },
		default: 25,
		description:
			"The provider's upload limit in megabytes (1 MB = 1,000,000 bytes). OpenAI and most gateways take 25 MB.",
	},
	{
		displayName: 'When Over Max Upload Size',
		name: 'oversize',
		type: 'options',
		default: 'split',
		description: 'What to do with an audio file larger than Max Upload Size',
		options: [
			{
				name: 'Split Into Chunks',
				value: 'split',
				description:
					'Cut WAV, MP3 or AAC in quiet moments (no re-encoding), transcribe the chunks and stitch the transcripts',
			},
			{ name: 'Fail', value: 'fail', description: 'Fail the item with an error' },
		],
	},
];

/** The subtitle file options of Transcription and Translation. */
export const subtitleFileOptions: INodeProperties[] = [
	{
		displayName: 'Subtitles as File',
		name: 'subtitlesAsFile',
		type: 'boolean',
		default: false,
		description:
			'Whether to also output subtitles as a file in a binary field: from SRT or VTT, or built from the segments of Verbose JSON or Diarized JSON',
	},
	{
		displayName: 'Subtitle File Format',
		name: 'subtitleFileFormat',
		type: 'options',
		default: 'srt',
		description:
			'The format of the subtitle file. Without this option the file takes the Response Format when it is SRT or VTT, else SRT.',
		options: [
			{ name: 'SRT', value: 'srt' },
			{ name: 'VTT', value: 'vtt' },
		],
		displayOptions: { show: { subtitlesAsFile: [true] } },
	},
	{
		displayName: 'Subtitles Binary Field',
		name: 'subtitlesBinaryPropertyName',
		type: 'string',
		default: 'subtitles',
		description: 'The binary field to put the subtitle file in',
		displayOptions: { show: { subtitlesAsFile: [true] } },
	},
];

/** The Upload As option of Transcription and Translation. */
export const uploadAsOption: INodeProperties = {
	displayName: 'Upload As',
	name: 'uploadAs',
	type: 'options',
	default: 'multipart',
	description: 'How the audio file is sent',
	options: [
		{
			name: 'Multipart Form',
			value: 'multipart',
			description: 'The OpenAI way',
		},
		{
			name: 'JSON With Base64 Audio',
			value: 'json',
			description: 'For gateways that take {"audio": {"data", "fileName", "contentType"}}',
		},
	],
};

/** Reads a JSON option: an object, or JSON text of one. @throws NodeOperationError naming the field. */
export function jsonOption(
	ctx: IExecuteFunctions,
	value: unknown,
	label: string,
	itemIndex: number,
): IDataObject {
	if (value === undefined || value === null || value === '') return {};
	if (typeof value === 'object' && !Array.isArray(value)) return value as IDataObject;
	let parsed: unknown;
	try {
		parsed = JSON.parse(String(value));
	} catch {
		parsed = undefined;
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
		throw new NodeOperationError(ctx.getNode(), `${label} is not a JSON object`, {
			itemIndex,
			description: `Write ${label} as a JSON object, e.g. {"name": "value"}.`,
		});
	}
	return parsed as IDataObject;
}

/** A node's Options collection, its options sorted by name as n8n lists them. */
export function optionsCollection(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: sortedOptions(options),
	};
}

/** The collection of settings only the Opper API style reads, kept apart from the rest. */
export function opperOptionsCollection(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Opper Options',
		name: 'opperOptions',
		type: 'collection',
		placeholder: 'Add Opper Option',
		default: {},
		description: 'Settings only the Opper API style uses; other providers ignore them',
		options,
	};
}

/** The Temperature option of Transcription and Translation (`temperature`, 0 to 1). */
export const temperatureOption: INodeProperties = {
	displayName: 'Temperature',
	name: 'temperature',
	type: 'number',
	typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
	default: 0,
	description: 'Sampling temperature from 0 to 1. 0 lets the model pick its own.',
};

/**
 * The Response Format parameter of Transcription and Translation.
 *
 * @param diarized whether to offer Diarized JSON (transcriptions only).
 */
export function transcriptFormatProperty(diarized: boolean): INodeProperties {
	return {
		displayName: 'Response Format',
		name: 'responseFormat',
		type: 'options',
		default: 'json',
		description:
			'What the provider returns. SRT and VTT are subtitles; Verbose JSON adds segments and, if asked, word timings.',
		options: [
			...(diarized
				? [
						{
							name: 'Diarized JSON',
							value: 'diarized_json',
							description: 'Segments labelled by speaker (gpt-4o-transcribe-diarize)',
						},
					]
				: []),
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
	};
}

/**
 * The options Transcription and Translation share: items and chunks at once, long recordings,
 * retries, subtitle files, temperature and how the file is sent. Each node adds its own.
 */
export function transcriptionOptions(): INodeProperties[] {
	return [
		itemConcurrencyOption(4),
		...longAudioOptions,
		...requestOptions,
		...subtitleFileOptions,
		temperatureOption,
		uploadAsOption,
	];
}
