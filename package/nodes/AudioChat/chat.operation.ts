import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	audioChatBody,
	chatAudioInfo,
	readAudioChatReply,
	type ChatAudioFormat,
	type ChatInputFormat,
} from '../../lib/openai/chat';
import { BUILT_IN_VOICES } from '../../lib/openai/requests';
import {
	getModel,
	inputBinaryProperty,
	modelProperty,
	requestOptions,
	retryOptions,
} from '../shared/descriptions';
import { audioApiRequest } from '../shared/transport';
import { readAll, readAudioInput } from '../shared/upload';

export const properties: INodeProperties[] = [
	inputBinaryProperty,
	modelProperty(
		'searchChatModels',
		'gpt-4o-audio-preview',
		'A chat model that takes audio: gpt-4o-audio-preview, gpt-4o-mini-audio-preview, gpt-audio',
	),
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 3 },
		default: 'What is said in this recording?',
		required: true,
		description: 'The question or instruction about the audio',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			...requestOptions,
			{
				displayName: 'Spoken Answer',
				name: 'spokenAnswer',
				type: 'boolean',
				default: false,
				description:
					'Whether the model should also speak its answer (modalities text and audio), output as a binary',
			},
			{
				displayName: 'Spoken Answer Binary Field',
				name: 'answerBinaryPropertyName',
				type: 'string',
				default: 'answer',
				displayOptions: { show: { spokenAnswer: [true] } },
				description: 'The output binary field for the spoken answer',
			},
			{
				displayName: 'Spoken Answer Format',
				name: 'answerFormat',
				type: 'options',
				default: 'mp3',
				displayOptions: { show: { spokenAnswer: [true] } },
				options: [
					{ name: 'AAC', value: 'aac' },
					{ name: 'FLAC', value: 'flac' },
					{ name: 'MP3', value: 'mp3' },
					{ name: 'Opus', value: 'opus' },
					{ name: 'PCM16 (Raw 24 kHz Mono)', value: 'pcm16' },
					{ name: 'WAV', value: 'wav' },
				],
			},
			{
				displayName: 'Spoken Answer Voice',
				name: 'answerVoice',
				type: 'string',
				default: 'alloy',
				displayOptions: { show: { spokenAnswer: [true] } },
				description: `One of ${BUILT_IN_VOICES.join(', ')}`,
			},
			{
				displayName: 'System Message',
				name: 'systemMessage',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				description: 'Instructions for the model, sent before the audio',
			},
			{
				displayName: 'Temperature',
				name: 'temperature',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 2, numberPrecision: 2 },
				default: 1,
				description: 'Sampling temperature from 0 to 2',
			},
		],
	},
];

/**
 * Asks a chat model about one item's audio with `POST /chat/completions` and an `input_audio`
 * part. Output JSON: `text` (the answer), `transcript` of a spoken answer, `finish_reason`,
 * `usage`, `model`, `id`, `request_id`; binary: the spoken answer when asked.
 *
 * @throws NodeOperationError for audio that is neither wav nor mp3 (the only input formats
 *   `input_audio` takes) or a reply without a message; NodeApiError when the provider refuses
 *   (a subscription key at Apertis gets 403 audio_requires_payg, with a fix).
 */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const model = getModel(this, itemIndex);
	const property = this.getNodeParameter('binaryPropertyName', itemIndex) as string;
	const upload = await readAudioInput(this, itemIndex, property);
	const container = upload.container?.container;
	if (container !== 'wav' && container !== 'mp3') {
		throw new NodeOperationError(
			this.getNode(),
			`Audio Chat takes wav or mp3 audio; the binary field "${property}" of item ${itemIndex} holds ${container ?? 'an unknown format'} ("${upload.fileName}")`,
			{
				itemIndex,
				description:
					'Convert it to mp3 or wav first, for example with an Execute Command node running ffmpeg.',
			},
		);
	}

	const spoken = options.spokenAnswer === true;
	const answerFormat = (options.answerFormat as ChatAudioFormat | undefined) ?? 'mp3';
	const body = audioChatBody({
		model,
		prompt: this.getNodeParameter('prompt', itemIndex) as string,
		systemMessage: (options.systemMessage as string | undefined) || undefined,
		audio: {
			data: (await readAll(upload)).toString('base64'),
			format: container as ChatInputFormat,
		},
		...(spoken
			? { spokenAnswer: { voice: String(options.answerVoice || 'alloy'), format: answerFormat } }
			: {}),
		...(options.temperature !== undefined ? { temperature: Number(options.temperature) } : {}),
	});

	const response = await audioApiRequest.call(
		this,
		{ method: 'POST', operation: 'chat', model, json: body },
		retryOptions(options),
		itemIndex,
	);
	let reply;
	try {
		reply = readAudioChatReply(JSON.parse(response.body.toString('utf8')));
	} catch (error) {
		throw new NodeOperationError(
			this.getNode(),
			`The chat reply could not be read: ${(error as Error).message}`,
			{ itemIndex },
		);
	}

	const item: INodeExecutionData = {
		json: {
			text: reply.text,
			...(reply.audio?.transcript ? { transcript: reply.audio.transcript } : {}),
			...(reply.finish_reason ? { finish_reason: reply.finish_reason } : {}),
			...(reply.usage ? { usage: reply.usage as IDataObject } : {}),
			model: reply.model ?? model,
			...(reply.id ? { id: reply.id } : {}),
			...(response.requestId ? { request_id: response.requestId } : {}),
		},
	};
	if (reply.audio) {
		const { extension, mimeType } = chatAudioInfo(answerFormat);
		item.binary = {
			[String(options.answerBinaryPropertyName || 'answer')]: await this.helpers.prepareBinaryData(
				reply.audio.bytes,
				`answer.${extension}`,
				mimeType,
			),
		};
	}
	return item;
}
