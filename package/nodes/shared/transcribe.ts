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
import { pipeConcurrent } from '../../lib/concurrency';
import {
	chunkDirectory,
	openChunk,
	splitAudio,
	SplitError,
	type AudioChunk,
} from '../../lib/audio/split';
import { promptTail, stitchTranscripts } from '../../lib/transcript/stitch';
import { formatTimestamp } from '../../lib/transcript/subtitles';
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

/**
 * Options of the transcription and translation nodes for files over the upload limit, in the
 * collection's alphabetical places: Chunk Concurrency, Keep Context Between Chunks, Max Upload
 * Size (MB), When Over Max Upload Size.
 */
export const chunkOptions: INodeProperties[] = [
	{
		displayName: 'Chunk Concurrency',
		name: 'chunkConcurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 16 },
		default: 4,
		description:
			'How many chunks of a split file to upload at once. Each chunk is retried on its own.',
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
					'Cut WAV, MP3 or AAC inside the file (no re-encoding), transcribe the chunks and stitch the transcripts',
			},
			{ name: 'Fail', value: 'fail', description: 'Fail the item with an error' },
		],
	},
];

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
 * Reads a transcription or translation reply, streamed (asked for or not) or whole.
 *
 * @throws NodeOperationError when the reply does not match `response_format`.
 */
function readReply(
	ctx: IExecuteFunctions,
	itemIndex: number,
	reply: ApiResponse,
	format: TranscriptFormat,
): Transcript {
	let transcript: Transcript;
	try {
		transcript = isEventStream(reply.headers['content-type'])
			? { text: '', reply: assembleTranscriptStream(reply.body.toString('utf8')) }
			: readTranscript(format, reply.body.toString('utf8'));
		if (transcript.reply && !transcript.text) transcript.text = String(transcript.reply.text ?? '');
	} catch (error) {
		const streamed = error instanceof StreamError;
		throw new NodeOperationError(ctx.getNode(), (error as Error).message, {
			itemIndex,
			description: streamed
				? undefined
				: `The provider ignored response_format "${format}". Pick a format this model supports (gpt-4o models answer only json or text).`,
		});
	}
	// The body's request_id is what the gateway documents (seed 002); the header is the fallback.
	const requestId = (transcript.reply?.request_id as string | undefined) ?? reply.requestId;
	if (requestId) transcript.reply = { ...transcript.reply, request_id: requestId };
	return transcript;
}

/**
 * Turns a transcript into an output item.
 *
 * JSON: `text` always; every field of a JSON reply (`language`, `duration`, `segments`, `words`,
 * `logprobs`, `usage`, ...); `subtitles` (the file's text) and `cues` for srt and vtt; `model`,
 * `response_format` and `request_id` when the provider gave one; `chunks` for a split file.
 * Binary: the subtitle file when `subtitlesAsFile` is set, named after the audio file.
 */
async function transcriptItem(
	ctx: IExecuteFunctions,
	transcript: Transcript,
	request: { model: string; format: TranscriptFormat; audioFileName: string },
	options: IDataObject,
	extra: IDataObject = {},
): Promise<INodeExecutionData> {
	const json: IDataObject = {
		...(transcript.reply as IDataObject | undefined),
		text: transcript.text,
		...(transcript.subtitles !== undefined
			? { subtitles: transcript.subtitles, cues: transcript.cues as unknown as IDataObject[] }
			: {}),
		model: request.model,
		response_format: request.format,
		...extra,
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

type TranscribeRequest = {
	endpoint: 'transcriptions' | 'translations';
	upload?: AudioUpload;
	remote?: Exclude<OpperAudioSource, { kind: 'data' }>;
	fields: FormField[];
	model: string;
	format: TranscriptFormat;
};

/** One request to the provider, read into a transcript. */
async function transcribeOnce(
	ctx: IExecuteFunctions,
	itemIndex: number,
	style: ApiStyle,
	request: TranscribeRequest,
	options: IDataObject,
): Promise<Transcript> {
	const body = await requestBody(ctx, itemIndex, style, request, options);
	const reply = await audioApiRequest.call(
		ctx,
		{ method: 'POST', operation: request.endpoint, model: request.model, ...body },
		retryOptions(options),
		itemIndex,
	);
	return readReply(ctx, itemIndex, reply, request.format);
}

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * Splits an upload over the limit into chunks, transcribes them (at most `chunkConcurrency` at
 * once, or one after another with the previous text as `prompt` when `keepContext` is set) and
 * stitches the transcripts. A chunk that fails after its retries fails the item; a partial
 * transcript is never returned.
 *
 * @throws NodeOperationError when the file cannot be split, naming the fix, or when a chunk
 *   fails, naming the chunk and its time range.
 */
async function transcribeInChunks(
	ctx: IExecuteFunctions,
	itemIndex: number,
	style: ApiStyle,
	request: TranscribeRequest & { upload: AudioUpload },
	options: IDataObject,
	limit: number,
): Promise<{ transcript: Transcript; chunks: IDataObject[] }> {
	const { upload } = request;
	const where = `The audio in item ${itemIndex} (${megabytes(upload.size)})`;
	if (options.oversize === 'fail') {
		throw new NodeOperationError(
			ctx.getNode(),
			`${where} is over the Max Upload Size of ${megabytes(limit)}`,
			{
				itemIndex,
				description:
					'Set When Over Max Upload Size to Split Into Chunks, raise Max Upload Size if the provider takes larger files, or compress the audio (for example mp3 at 64 kbps).',
			},
		);
	}
	const container = upload.container?.container;
	if (!container) {
		throw new NodeOperationError(
			ctx.getNode(),
			`${where} is over the Max Upload Size and its format is unknown, so it cannot be split`,
			{ itemIndex, description: 'Convert it to mp3 or wav first, or raise Max Upload Size.' },
		);
	}

	const directory = await chunkDirectory();
	try {
		const base = upload.fileName.replace(/\.[A-Za-z0-9]+$/, '') || 'audio';
		const userPrompt = (request.fields.find(([name]) => name === 'prompt')?.[1] ?? '').trim();
		const keepContext = options.keepContext === true;
		const chunks: AudioChunk[] = [];
		let split = false;
		let textSoFar = '';
		// Chunks are sent as soon as they are cut, while the rest of the file is still being read.
		const transcripts = await pipeConcurrent(
			async (emit: (chunk: AudioChunk) => void, signal) => {
				try {
					const opened = await upload.open();
					await splitAudio(Buffer.isBuffer(opened) ? [opened] : opened, container, {
						maxChunkBytes: limit,
						directory: directory.path,
						baseName: 'chunk',
						signal,
						onChunk: (chunk) => {
							chunks.push(chunk);
							emit(chunk);
						},
					});
					split = true;
				} catch (error) {
					const reason = error instanceof SplitError ? '' : ' while writing the chunk files';
					throw new NodeOperationError(
						ctx.getNode(),
						`${where} cannot be split${reason}: ${(error as Error).message}`,
						{ itemIndex },
					);
				}
			},
			keepContext ? 1 : Number(options.chunkConcurrency ?? 4),
			async (chunk) => {
				const fields = request.fields.filter(([name]) => name !== 'prompt');
				const prompt = keepContext
					? [userPrompt, promptTail(textSoFar)].filter(Boolean).join(' ')
					: userPrompt;
				if (prompt) fields.push(['prompt', prompt]);
				const chunkUpload: AudioUpload = {
					...upload,
					fileName: `${base}-${String(chunk.index + 1).padStart(3, '0')}.${upload.container!.extension}`,
					size: chunk.bytes,
					open: async () => openChunk(chunk),
				};
				try {
					const transcript = await transcribeOnce(
						ctx,
						itemIndex,
						style,
						{ ...request, upload: chunkUpload, fields },
						options,
					);
					textSoFar = `${textSoFar} ${transcript.text}`;
					return transcript;
				} catch (error) {
					const cause = error as NodeOperationError;
					const of = split ? ` of ${chunks.length}` : '';
					throw new NodeOperationError(
						ctx.getNode(),
						`Chunk ${chunk.index + 1}${of} (${formatTimestamp(chunk.start, 'vtt')}–${formatTimestamp(chunk.end, 'vtt')}) failed: ${cause.message}`,
						{
							itemIndex,
							description: [
								cause.description,
								'The item fails whole: no partial transcript is returned.',
							]
								.filter(Boolean)
								.join(' — '),
						},
					);
				}
			},
		);
		const transcript = stitchTranscripts(
			request.format,
			transcripts.map((t, i) => ({ transcript: t, start: chunks[i].start, end: chunks[i].end })),
		);
		return {
			transcript,
			chunks: chunks.map((chunk, i) => ({
				index: chunk.index,
				start: round3(chunk.start),
				end: round3(chunk.end),
				bytes: chunk.bytes,
				...(transcripts[i].reply?.request_id
					? { request_id: transcripts[i].reply!.request_id as string }
					: {}),
			})),
		};
	} finally {
		await directory.remove();
	}
}

const round3 = (seconds: number) => Math.round(seconds * 1000) / 1000;

/**
 * Sends audio to `POST /audio/transcriptions` or `/audio/translations` in the credential's API
 * style (multipart, JSON with base64 audio, or Opper's JSON with a data-URI, file_id or URL) and
 * turns the reply into an output item (see {@link transcriptItem} for its shape). A binary over
 * Max Upload Size (default 25 MB) is split into chunks and the transcripts stitched; the item
 * then also has `chunks`: `[{index, start, end, bytes, request_id?}]`, times in seconds.
 *
 * @param request.fields the form fields besides `file`, from `transcriptionFields`.
 * @param request.remote for Opper without a binary: the file_id or URL to transcribe.
 * @throws NodeApiError when the provider refuses; NodeOperationError when the audio cannot be
 *   sent or split, a chunk fails, or the reply does not match `response_format`.
 */
export async function transcribe(
	ctx: IExecuteFunctions,
	itemIndex: number,
	request: TranscribeRequest,
	options: IDataObject,
): Promise<INodeExecutionData> {
	const style = await apiStyle(ctx);
	// Opper has no response_format: its replies are JSON.
	const format = style === 'opper' ? 'json' : request.format;
	const meta = {
		model: request.model,
		format,
		audioFileName: request.upload?.fileName ?? 'audio',
	};
	const limit = Math.round(Number(options.maxUploadMb ?? 25) * 1e6);
	const { upload } = request;
	if (upload && upload.size > limit) {
		const { transcript, chunks } = await transcribeInChunks(
			ctx,
			itemIndex,
			style,
			{ ...request, upload, format },
			options,
			limit,
		);
		return await transcriptItem(ctx, transcript, meta, options, { chunks });
	}
	const transcript = await transcribeOnce(ctx, itemIndex, style, { ...request, format }, options);
	return await transcriptItem(ctx, transcript, meta, options);
}
