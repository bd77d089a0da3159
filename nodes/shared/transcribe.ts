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
import type { ApiResponse } from './transport';
import { audioApiRequest } from './transport';
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

	const requestId = reply.requestId ?? (transcript.reply?.request_id as string | undefined);
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

/**
 * Sends an upload to `POST /audio/transcriptions` or `/audio/translations` as multipart and
 * turns the reply into an output item (see {@link transcriptItem} for its shape).
 *
 * @param fields the form fields besides `file`, from `transcriptionFields`.
 * @throws NodeApiError when the provider refuses; NodeOperationError when the reply does not
 *   match `response_format`.
 */
export async function transcribe(
	ctx: IExecuteFunctions,
	itemIndex: number,
	request: {
		endpoint: 'transcriptions' | 'translations';
		upload: AudioUpload;
		fields: FormField[];
		model: string;
		format: TranscriptFormat;
	},
	options: IDataObject,
): Promise<INodeExecutionData> {
	const { upload, fields } = request;
	const body =
		options.uploadAs === 'json'
			? {
					json: jsonUploadBody(fields, {
						data: (await readAll(upload)).toString('base64'),
						fileName: upload.fileName,
						contentType: upload.contentType,
					}),
				}
			: { multipart: async () => await multipartBody(upload, fields) };
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
		{ model: request.model, format: request.format, audioFileName: upload.fileName },
		options,
	);
}
