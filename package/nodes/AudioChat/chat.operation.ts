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
import { parseJson } from '../../lib/errors';
import { jsonBodyWithFile } from '../../lib/http/body';
import { BUILT_IN_VOICES } from '../../lib/providers/openai';
import {
	getModel,
	inputBinaryProperty,
	itemConcurrencyOption,
	modelProperty,
	optionsCollection,
	requestOptions,
	requiredValue,
	retryOptions,
} from '../shared/descriptions';
import { binaryAudio } from '../shared/input';
import type { ItemRun } from '../shared/items';
import { audioApiRequest, requestIdOf } from '../shared/transport';

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
	optionsCollection([
		itemConcurrencyOption(),
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
	]),
];

/**
 * Asks a chat model about one item's audio with `POST /chat/completions` and an `input_audio`
 * part (the audio is base64-encoded as it is sent). Output JSON: `text` (the answer),
 * `transcript` of a spoken answer, `finish_reason`, `usage`, `model`, `id`, `request_id`; binary:
 * the spoken answer when asked.
 *
 * @throws NodeOperationError for audio that is neither wav nor mp3 (the only input formats
 *   `input_audio` takes) or a reply without a message; NodeApiError when the provider refuses
 *   (a subscription key at Apertis gets 403 audio_requires_payg, with a fix).
 */
export async function execute(this: IExecuteFunctions, item: ItemRun): Promise<INodeExecutionData> {
	const i = item.index;
	const options = this.getNodeParameter('options', i, {}) as IDataObject;
	const model = getModel(this, i);
	const property = requiredValue(
		this,
		'binaryPropertyName',
		i,
		'Input Binary Field',
		'Name the binary field that holds the audio, e.g. data.',
	);
	const input = await binaryAudio(this, item, property);
	const container = input.container?.container;
	if (container !== 'wav' && container !== 'mp3') {
		input.close();
		throw new NodeOperationError(
			this.getNode(),
			`Audio Chat takes wav or mp3 audio; the binary field "${property}" holds ${container ?? 'an unknown format'} ("${input.fileName}")`,
			{ itemIndex: i, description: 'Convert it to mp3 or wav first, for example with ffmpeg.' },
		);
	}
	const spoken = options.spokenAnswer === true;
	const answerFormat = (options.answerFormat as ChatAudioFormat | undefined) ?? 'mp3';
	const placeholder = '\u0000audio\u0000';
	const body = audioChatBody({
		model,
		prompt: requiredValue(
			this,
			'prompt',
			i,
			'Prompt',
			'Ask something about the recording in Prompt.',
		),
		systemMessage: (options.systemMessage as string | undefined) || undefined,
		audio: { data: placeholder, format: container as ChatInputFormat },
		...(spoken
			? { spokenAnswer: { voice: String(options.answerVoice || 'alloy'), format: answerFormat } }
			: {}),
		...(options.temperature !== undefined ? { temperature: Number(options.temperature) } : {}),
	});
	const source = {
		length: input.size!,
		read: async function* () {
			yield* await input.open();
		},
	};
	const { reply, requestId } = await audioApiRequest(
		this,
		{ method: 'POST', operation: 'chat', model, body: jsonBodyWithFile(body, placeholder, source) },
		async (response) => {
			const parsed = parseJson(await response.text());
			return { reply: readAudioChatReply(parsed), requestId: requestIdOf(response) };
		},
		retryOptions(options),
		i,
	).finally(() => input.close());

	const out: INodeExecutionData = {
		json: {
			text: reply.text,
			...(reply.audio?.transcript ? { transcript: reply.audio.transcript } : {}),
			...(reply.finish_reason ? { finish_reason: reply.finish_reason } : {}),
			...(reply.usage ? { usage: reply.usage as IDataObject } : {}),
			model: reply.model ?? model,
			...(reply.id ? { id: reply.id } : {}),
			...(requestId ? { request_id: requestId } : {}),
		},
	};
	if (reply.audio) {
		const { extension, mimeType } = chatAudioInfo(answerFormat);
		out.binary = {
			[String(options.answerBinaryPropertyName || 'answer')]: await this.helpers.prepareBinaryData(
				reply.audio.bytes,
				`answer.${extension}`,
				mimeType,
			),
		};
	}
	return out;
}
