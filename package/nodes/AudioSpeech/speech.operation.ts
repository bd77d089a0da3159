import type {
	IDataObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';
import { NodeOperationError, jsonParse } from 'n8n-workflow';

import { SPEECH_FORMATS, speechFormatInfo, type SpeechFormat } from '../../lib/audio/container';
import {
	BUILT_IN_VOICES,
	RequestParameterError,
	SPEECH_INPUT_MAX_CHARS,
} from '../../lib/openai/requests';
import {
	NotAudioError,
	readSpeechReply,
	replyIsAudio,
	speechRequestBody,
} from '../../lib/providers/speech';
import {
	getModel,
	modelProperty,
	requestOptions,
	retryOptions,
	itemConcurrencyOption,
} from '../shared/descriptions';
import { joinAudio, JoinError, JOINABLE_FORMATS } from '../../lib/audio/join';
import { mapConcurrent } from '../../lib/concurrency';
import { splitText } from '../../lib/text/split-text';
import { listModels } from '../shared/models';
import { apiStyle, audioApiRequest, bodyBuffer, type Readable } from '../shared/transport';

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
			'The voice to speak with. Opper lists the voices of the chosen model; other providers get OpenAI\'s built-in voices. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Custom Voice ID',
		name: 'customVoiceId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'voice_1234',
		displayOptions: { show: { voice: [CUSTOM_VOICE_ID] } },
	},
	{
		displayName: 'Voice Name',
		name: 'voiceName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'af_bella',
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
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
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
			{
				displayName: 'Part Concurrency',
				name: 'partConcurrency',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 16 },
				default: 4,
				description: 'How many parts of a long text to speak at once',
			},
			itemConcurrencyOption,
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
				displayName: 'Store (Opper)',
				name: 'store',
				type: 'boolean',
				default: true,
				description:
					'Whether Opper keeps the audio and returns a file_id and URL, for example to transcribe it later by file_id. Other providers ignore it.',
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
		],
	},
];

const titleCase = (voice: string) => voice.charAt(0).toUpperCase() + voice.slice(1);

/**
 * The loadOptions method of the `voice` parameter. Opper (seed 000, `GET /v3/audio/models`)
 * declares each model's voices and validates the voice against them, so its list is the chosen
 * model's voices (or every speech model's, before a model is chosen). Other styles have no voice
 * listing, so OpenAI's built-in voices are offered. Custom Voice ID and Other Voice Name always
 * follow.
 *
 * @throws NodeApiError when Opper refuses the model listing.
 */
export async function getVoices(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	let voices: readonly string[] = BUILT_IN_VOICES;
	if ((await apiStyle(this)) === 'opper') {
		const chosen = String(this.getCurrentNodeParameter('model', { extractValue: true }) ?? '');
		const { models } = await listModels.call(this);
		const model = models.find((m) => m.id === chosen);
		const declared = model
			? (model.voices ?? [])
			: models.filter((m) => m.kind === 'tts').flatMap((m) => m.voices ?? []);
		if (declared.length > 0) voices = [...new Set(declared)];
	}
	return [
		...voices.map((voice) => ({ name: titleCase(voice), value: voice })),
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

function voiceOf(ctx: IExecuteFunctions, itemIndex: number): string | { id: string } {
	const voice = ctx.getNodeParameter('voice', itemIndex) as string;
	if (voice === CUSTOM_VOICE_ID) {
		return { id: String(ctx.getNodeParameter('customVoiceId', itemIndex)).trim() };
	}
	if (voice === OTHER_VOICE_NAME)
		return String(ctx.getNodeParameter('voiceName', itemIndex)).trim();
	return voice;
}

/** One spoken part of an item's text: its audio read, or (a whole text in one part) its stream. */
interface SpokenPart {
	audio: Buffer;
	stream?: Readable;
	mimeType?: string;
	details: Record<string, unknown>;
	requestId?: string;
}

/**
 * Speaks one item's text with `POST /audio/speech` and returns the audio as a binary. Text over
 * 4,096 characters (OpenAI's `input` limit, seeds 001 and 004) is split at paragraphs, sentences
 * or words, the parts are spoken at most Part Concurrency at a time, and the audio is joined into
 * one file (mp3, wav, aac or pcm).
 *
 * @throws NodeOperationError for invalid parameters, a format that cannot be joined, or a reply
 *   that is not audio; NodeApiError when the provider refuses.
 */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const format = this.getNodeParameter('responseFormat', itemIndex) as SpeechFormat;
	const binaryPropertyName = this.getNodeParameter('binaryPropertyName', itemIndex) as string;
	const model = getModel(this, itemIndex);
	const voice = voiceOf(this, itemIndex);
	const style = await apiStyle(this);
	const input = this.getNodeParameter('input', itemIndex) as string;
	const split = options.splitLongText !== false && input.length > SPEECH_INPUT_MAX_CHARS;
	const texts = split ? splitText(input, SPEECH_INPUT_MAX_CHARS) : [input];

	const bodies: Array<Record<string, unknown>> = [];
	try {
		const extra =
			typeof options.extraBody === 'string'
				? jsonParse<IDataObject>(options.extraBody || '{}', {
						errorMessage: 'Extra Body Parameters is not valid JSON',
					})
				: ((options.extraBody as IDataObject | undefined) ?? {});
		if ((typeof voice === 'string' && !voice) || (typeof voice === 'object' && !voice.id)) {
			throw new RequestParameterError('No voice is set');
		}
		if (texts.length > 1 && !JOINABLE_FORMATS.has(format)) {
			throw new JoinError(
				`The text is ${input.length} characters, so it is spoken in ${texts.length} parts, and ${format} parts cannot be joined without re-encoding. Choose mp3, wav, aac or pcm, or shorten the text to 4,096 characters.`,
			);
		}
		for (const text of texts) {
			bodies.push(
				speechRequestBody(
					style,
					{
						model,
						input: text,
						voice,
						response_format: format,
						speed: options.speed === undefined ? undefined : Number(options.speed),
						instructions: (options.instructions as string | undefined) ?? undefined,
						stream_format: options.streamFormat === 'sse' ? 'sse' : undefined,
						extra,
					},
					options.store !== false,
				),
			);
		}
	} catch (error) {
		const tooLong = /4,?096/.test((error as Error).message) && options.splitLongText === false;
		throw new NodeOperationError(this.getNode(), (error as Error).message, {
			itemIndex,
			description: tooLong
				? 'Turn on Split Long Text to speak it in parts joined into one file.'
				: undefined,
		});
	}

	const parts = await mapConcurrent(
		bodies,
		Number(options.partConcurrency ?? 4),
		async (body): Promise<SpokenPart> => {
			// A text in one part streams its audio into n8n's binary store; parts are joined in memory.
			const reply = await audioApiRequest.call(
				this,
				{
					method: 'POST',
					operation: 'speech',
					model,
					json: body,
					streamReply: bodies.length === 1,
				},
				retryOptions(options),
				itemIndex,
			);
			const contentType = String(reply.headers['content-type'] ?? '');
			if (reply.stream && replyIsAudio(style, contentType)) {
				return {
					audio: Buffer.alloc(0),
					stream: reply.stream,
					details: {},
					requestId: reply.requestId,
				};
			}
			const replyBody = reply.stream ? await bodyBuffer(reply.stream) : reply.body;
			try {
				// Event streams (asked for or not) and Opper's JSON replies are read into audio; an
				// event stream or an error page is never stored as if it were audio.
				return {
					...readSpeechReply(style, contentType, replyBody),
					requestId: reply.requestId,
				};
			} catch (error) {
				throw new NodeOperationError(this.getNode(), (error as Error).message, {
					itemIndex,
					description:
						error instanceof NotAudioError
							? 'Check the API Style and Base URL in the Audio API credential.'
							: undefined,
				});
			}
		},
	);

	let audio: Buffer | Readable;
	try {
		audio =
			parts[0].stream ??
			joinAudio(
				format,
				parts.map((part) => part.audio),
			);
	} catch (error) {
		throw new NodeOperationError(this.getNode(), (error as Error).message, { itemIndex });
	}

	const { extension, mimeType: formatMimeType } = speechFormatInfo(format);
	const mimeType = parts[0].mimeType ?? formatMimeType;
	const fileName = `${String(options.fileName || 'speech').replace(/\.[A-Za-z0-9]+$/, '')}.${extension}`;
	const binary = await this.helpers.prepareBinaryData(audio, fileName, mimeType);
	const bytes = Buffer.isBuffer(audio)
		? audio.length
		: binary.id
			? (await this.helpers.getBinaryMetadata(binary.id)).fileSize
			: Buffer.byteLength(binary.data, 'base64');
	const single = parts.length === 1 ? parts[0] : undefined;
	return {
		json: {
			model,
			voice: typeof voice === 'string' ? voice : voice.id,
			response_format: format,
			bytes,
			fileName,
			mimeType,
			characters: input.length,
			...(single
				? {
						...(single.details as IDataObject),
						...(single.requestId ? { request_id: single.requestId } : {}),
					}
				: {
						// Opper's file_id and url name one part's audio, so they stay with their part.
						parts: parts.map((part, i) => ({
							index: i,
							characters: texts[i].length,
							bytes: part.audio.length,
							...(part.details as IDataObject),
							...(part.requestId ? { request_id: part.requestId } : {}),
						})),
					}),
		},
		binary: { [binaryPropertyName]: binary },
	};
}
