import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { assembleTranscriptStream, isEventStream, StreamError } from '../../lib/http/sse';
import {
	readTranscript,
	subtitleFormatOf,
	type Transcript,
	type TranscriptFormat,
} from '../../lib/transcript/transcript';
import { jsonUploadBody, type FormField } from '../../lib/openai/requests';
import type { ApiRequest, ApiResponse } from './transport';
import { apiStyle, audioApiRequest } from './transport';
import { opperTranscriptionBody, type OpperAudioSource } from '../../lib/providers/opper';
import type { ApiStyle } from '../../lib/providers/style';
import { retryOptions } from './descriptions';
import { multipartBody, readAll, type AudioUpload } from './upload';

const SUBTITLE_MIME = { srt: 'application/x-subrip', vtt: 'text/vtt' } as const;

/** The Upload As option of the transcription and translation nodes. */
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
			description: 'The OpenAI way; the file streams from disk in filesystem mode',
		},
		{
			name: 'JSON With Base64 Audio',
			value: 'json',
			description:
				'For gateways that take {"audio": {"data", "fileName", "contentType"}}; the whole file is held in memory',
		},
	],
};

/** Options of the transcription and translation nodes about subtitle files. */
export const subtitleFileOptions: INodeProperties[] = [
	{
		displayName: 'Subtitles as File',
		name: 'subtitlesAsFile',
		type: 'boolean',
		default: false,
		description:
			'Whether to also output the subtitles as a .srt or .vtt file in a binary field. Only applies when Response Format is SRT or VTT.',
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

/**
 * Turns a transcription or translation reply into an output item.
 *
 * JSON: `text` always; every field of a JSON reply (`language`, `duration`, `segments`, `words`,
 * `logprobs`, `usage`, ...); `subtitles` (the file's text) and `cues` for srt and vtt; `model`,
 * `response_format` and `request_id` when the provider gave one. Binary: the subtitle file when
 * `subtitlesAsFile` is set, named after the audio file.
 *
 * @throws NodeOperationError when the reply does not match `response_format`.
 */
async function transcriptItem(
	ctx: IExecuteFunctions,
	itemIndex: number,
	reply: ApiResponse,
	request: { model: string; format: TranscriptFormat; audioFileName: string },
	options: IDataObject,
): Promise<INodeExecutionData> {
	let transcript: Transcript;
	try {
		// Streamed replies (asked for, or sent unasked) are read the same way.
		transcript = isEventStream(reply.headers['content-type'])
			? { text: '', reply: assembleTranscriptStream(reply.body.toString('utf8')) }
			: readTranscript(request.format, reply.body.toString('utf8'));
		if (transcript.reply && !transcript.text) transcript.text = String(transcript.reply.text ?? '');
	} catch (error) {
		const streamed = error instanceof StreamError;
		throw new NodeOperationError(ctx.getNode(), (error as Error).message, {
			itemIndex,
			description: streamed
				? undefined
				: `The provider ignored response_format "${request.format}". Pick a format this model supports (gpt-4o models answer only json or text).`,
		});
	}

	// The body's request_id is what the gateway documents (seed 002); the header is the fallback.
	const requestId = (transcript.reply?.request_id as string | undefined) ?? reply.requestId;
	const json: IDataObject = {
		...(transcript.reply as IDataObject | undefined),
		text: transcript.text,
		...(transcript.subtitles !== undefined
			? { subtitles: transcript.subtitles, cues: transcript.cues as unknown as IDataObject[] }
			: {}),
		model: request.model,
		response_format: request.format,
		...(requestId ? { request_id: requestId } : {}),
	};

	const item: INodeExecutionData = { json };
	const subtitleFormat = subtitleFormatOf(request.format);
	if (subtitleFormat && options.subtitlesAsFile === true) {
		const property = String(options.subtitlesBinaryPropertyName || 'subtitles');
		const base = request.audioFileName.replace(/\.[A-Za-z0-9]+$/, '') || 'transcript';
		item.binary = {
			[property]: await ctx.helpers.prepareBinaryData(
				Buffer.from(transcript.subtitles ?? '', 'utf8'),
				`${base}.${subtitleFormat}`,
				SUBTITLE_MIME[subtitleFormat],
			),
		};
	}
	return item;
}

/** The request body for the credential's API style: multipart, JSON upload, or Opper's JSON. */
async function requestBody(
	ctx: IExecuteFunctions,
	itemIndex: number,
	style: ApiStyle,
	request: Parameters<typeof transcribe>[2],
	options: IDataObject,
): Promise<Pick<ApiRequest, 'json' | 'multipart'>> {
	const { upload, fields } = request;
	const field = (name: string) => fields.find(([key]) => key === name)?.[1];
	if (style === 'opper') {
		const source: OpperAudioSource = upload
			? { kind: 'data', bytes: await readAll(upload), contentType: upload.contentType }
			: request.remote!;
		try {
			return {
				json: opperTranscriptionBody({
					model: request.model,
					source,
					language: field('language'),
					prompt: field('prompt'),
					diarize: options.diarize === true,
				}),
			};
		} catch (error) {
			throw new NodeOperationError(ctx.getNode(), (error as Error).message, { itemIndex });
		}
	}
	if (!upload) {
		throw new NodeOperationError(
			ctx.getNode(),
			'Only the Opper API style reads audio from a file ID or URL',
			{
				itemIndex,
				description:
					'Download the file first (HTTP Request node) and use Binary File, or use an Opper credential.',
			},
		);
	}
	if (options.uploadAs === 'json') {
		const data = (await readAll(upload)).toString('base64');
		return {
			json: jsonUploadBody(fields, {
				data,
				fileName: upload.fileName,
				contentType: upload.contentType,
			}),
		};
	}
	return { multipart: async () => await multipartBody(upload, fields) };
}

/**
 * Sends audio to `POST /audio/transcriptions` or `/audio/translations` in the credential's API
 * style (multipart, JSON with base64 audio, or Opper's JSON with a data-URI, file_id or URL) and
 * turns the reply into an output item (see {@link transcriptItem} for its shape).
 *
 * @param request.fields the form fields besides `file`, from `transcriptionFields`.
 * @param request.remote for Opper without a binary: the file_id or URL to transcribe.
 * @throws NodeApiError when the provider refuses; NodeOperationError when the audio cannot be
 *   sent this way or the reply does not match `response_format`.
 */
export async function transcribe(
	ctx: IExecuteFunctions,
	itemIndex: number,
	request: {
		endpoint: 'transcriptions' | 'translations';
		upload?: AudioUpload;
		remote?: Exclude<OpperAudioSource, { kind: 'data' }>;
		fields: FormField[];
		model: string;
		format: TranscriptFormat;
	},
	options: IDataObject,
): Promise<INodeExecutionData> {
	const style = await apiStyle(ctx);
	const body = await requestBody(ctx, itemIndex, style, request, options);
	const reply = await audioApiRequest.call(
		ctx,
		{ method: 'POST', operation: request.endpoint, model: request.model, ...body },
		retryOptions(options),
		itemIndex,
	);
	return await transcriptItem(
		ctx,
		itemIndex,
		reply,
		{
			model: request.model,
			// Opper has no response_format: its replies are JSON.
			format: style === 'opper' ? 'json' : request.format,
			audioFileName: request.upload?.fileName ?? 'audio',
		},
		options,
	);
}
