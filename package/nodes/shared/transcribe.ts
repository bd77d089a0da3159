import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import {
	notSplittable,
	SPLITTABLE_CONTAINERS,
	readChunk,
	releaseChunk,
	splitAudio,
	type AudioChunk,
} from '../../lib/audio/split';
import { pipeConcurrent } from '../../lib/concurrency';
import { AudioApiError } from '../../lib/errors';
import type { ByteSource } from '../../lib/http/body';
import type { Provider, TranscriptionAudio, TranscriptionRequest } from '../../lib/providers/types';
import { promptTail, stitchTranscripts } from '../../lib/transcript/stitch';
import {
	formatSubtitles,
	formatTimestamp,
	type SubtitleFormat,
} from '../../lib/transcript/subtitles';
import {
	cuesOf,
	subtitleFormatOf,
	type Transcript,
	type TranscriptFormat,
} from '../../lib/transcript/transcript';
import { requiredValue } from './descriptions';
import { fromAudioApiError } from './errors';
import { binaryAudio, measure, urlAudio, type AudioInput } from './input';
import type { ItemRun } from './items';
import { audioApiRequest, endpoint, requestIdOf, type RetryOptions } from './transport';

const SUBTITLE_MIME: Record<SubtitleFormat, string> = {
	srt: 'application/x-subrip',
	vtt: 'text/vtt',
};

/** Where the audio comes from. */
export type AudioSource =
	| { kind: 'binary'; property: string }
	| { kind: 'url'; url: string }
	| { kind: 'fileId'; fileId: string };

/**
 * The item's audio source from the node's Audio Source parameters.
 *
 * @throws NodeOperationError naming the field when the binary field, URL or file ID is empty.
 */
export function audioSourceOf(ctx: IExecuteFunctions, itemIndex: number): AudioSource {
	const kind = ctx.getNodeParameter('audioSource', itemIndex, 'binary') as AudioSource['kind'];
	if (kind === 'url') {
		const url = requiredValue(
			ctx,
			'audioUrl',
			itemIndex,
			'Audio URL',
			'Put the address of the audio file in Audio URL.',
		);
		return { kind, url };
	}
	if (kind === 'fileId') {
		const fix =
			'Put an Opper file ID in File ID, for example {{ $json.file_id }} after an Audio Speech node with Store on.';
		return { kind, fileId: requiredValue(ctx, 'fileId', itemIndex, 'File ID', fix) };
	}
	const fix = 'Name the binary field that holds the audio, e.g. data.';
	return {
		kind: 'binary',
		property: requiredValue(ctx, 'binaryPropertyName', itemIndex, 'Input Binary Field', fix),
	};
}

/** How a transcription runs, from the node's options. */
export interface TranscribeOptions extends RetryOptions {
	/** The provider's upload limit in bytes. */
	maxUploadBytes: number;
	/** What to do over the limit. */
	oversize: 'split' | 'fail';
	/** Chunks of a split file sent at once. */
	chunkConcurrency: number;
	/** Send chunks one after another, each with the text so far as its prompt. */
	keepContext: boolean;
	/** Audio shared by neighbouring chunks around each cut, in seconds (timestamped formats only). */
	overlapSeconds: number;
	/** Also output the subtitles as a file, in this format, into this binary field. */
	subtitlesFile?: { format: SubtitleFormat; property: string };
}

/** Reads options shared by Transcription and Translation from a node's Options collection. */
export function transcribeOptions(
	options: IDataObject,
	retry: RetryOptions,
	format: TranscriptFormat,
): TranscribeOptions {
	return {
		...retry,
		maxUploadBytes: Math.round(Number(options.maxUploadMb ?? 25) * 1e6),
		oversize: options.oversize === 'fail' ? 'fail' : 'split',
		chunkConcurrency: Number(options.chunkConcurrency ?? 4),
		keepContext: options.keepContext === true,
		overlapSeconds: Number(options.chunkOverlap ?? 10),
		...(options.subtitlesAsFile === true
			? {
					subtitlesFile: {
						format: subtitleFileFormat(options.subtitleFileFormat, format),
						property: String(options.subtitlesBinaryPropertyName || 'subtitles'),
					},
				}
			: {}),
	};
}

/** The subtitle file's format: as chosen, else the response format's when it is one, else srt. */
function subtitleFileFormat(chosen: unknown, format: TranscriptFormat): SubtitleFormat {
	if (chosen === 'srt' || chosen === 'vtt') return chosen;
	return subtitleFormatOf(format) ?? 'srt';
}

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const round3 = (seconds: number) => Math.round(seconds * 1000) / 1000;

/** One request: the audio sent, the reply read into a transcript with its request ID. */
async function transcribeOnce(
	ctx: IExecuteFunctions,
	item: ItemRun,
	provider: Provider,
	request: TranscriptionRequest,
	audio: TranscriptionAudio,
	options: TranscribeOptions,
): Promise<Transcript> {
	const body = provider.transcriptionBody(request, audio);
	return await audioApiRequest(
		ctx,
		{ method: 'POST', operation: request.endpoint, model: request.model, body },
		async (reply) => {
			const transcript = provider.readTranscript(
				request.response_format,
				reply.contentType,
				await reply.text(),
			);
			const requestId = requestIdOf(reply, transcript.reply);
			if (requestId) transcript.reply = { ...transcript.reply, request_id: requestId };
			return transcript;
		},
		options,
		item.index,
	);
}

/** The input as a byte source of known length, read afresh for each attempt. */
function inputSource(input: AudioInput, length: number): ByteSource {
	return {
		length,
		read: async function* () {
			yield* await input.open();
		},
	};
}

/** An error of one chunk, naming the chunk and its time range; no partial transcript is kept. */
function chunkError(
	ctx: IExecuteFunctions,
	error: unknown,
	chunk: AudioChunk,
	of: string,
	itemIndex: number,
): Error {
	const named =
		error instanceof NodeApiError || error instanceof NodeOperationError
			? error
			: error instanceof AudioApiError
				? fromAudioApiError(ctx, error, itemIndex)
				: new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
	named.message = `Chunk ${chunk.index + 1}${of} (${formatTimestamp(chunk.start, 'vtt')}–${formatTimestamp(chunk.end, 'vtt')}) failed: ${named.message}`;
	named.description = [
		named.description,
		'The item fails whole: no partial transcript is returned.',
	]
		.filter(Boolean)
		.join(' — ');
	return named;
}

/** A chunk as the file to upload: its bytes while held, else read again from the input. */
function chunkAudio(input: AudioInput, chunk: AudioChunk, base: string): TranscriptionAudio {
	return {
		kind: 'file',
		fileName: `${base}-${String(chunk.index + 1).padStart(3, '0')}.${input.container!.extension}`,
		contentType: input.contentType,
		source: {
			length: chunk.bytes,
			read: async function* () {
				yield* readChunk(chunk, async () => await input.open());
				// Sent: a retry reads the bytes again from the input.
				releaseChunk(chunk);
			},
		},
	};
}

/** Whether a format carries times that overlapping chunks can be joined by. */
const timed = (format: TranscriptionRequest['response_format']) =>
	format !== 'json' && format !== 'text';

/**
 * Splits audio over the limit into chunks while it is read, sends each as soon as it is cut (at
 * most `chunkConcurrency` at once, or one after another with the text so far as `prompt` when
 * `keepContext` is set), and stitches the transcripts. A chunk's bytes are held only until they
 * are sent; a retry reads them again from the input.
 *
 * @throws NodeOperationError when the file cannot be split, naming the fix, or a chunk fails,
 *   naming the chunk and its time range.
 */
async function transcribeInChunks(
	ctx: IExecuteFunctions,
	item: ItemRun,
	provider: Provider,
	request: TranscriptionRequest,
	input: AudioInput,
	options: TranscribeOptions,
	limit: number,
): Promise<{ transcript: Transcript; chunks: IDataObject[] }> {
	const container = input.container!.container;
	const base = input.fileName.replace(/\.[A-Za-z0-9]+$/, '') || 'audio';
	const userPrompt = (request.prompt ?? '').trim();
	const chunks: AudioChunk[] = [];
	let total: number | undefined;
	let textSoFar = '';
	const transcripts = await pipeConcurrent<AudioChunk, Transcript>(
		async (emit, signal) => {
			const split = await splitAudio(await input.open(), container, {
				maxChunkBytes: limit,
				overlapSeconds: timed(request.response_format) ? options.overlapSeconds : 0,
				signal,
				onChunk: async (chunk) => {
					chunks.push(chunk);
					await emit(chunk);
				},
			});
			total = split.length;
		},
		options.keepContext ? 1 : options.chunkConcurrency,
		async (chunk) => {
			const prompt = options.keepContext
				? [userPrompt, promptTail(textSoFar)].filter(Boolean).join(' ')
				: userPrompt;
			const audio = chunkAudio(input, chunk, base);
			const transcript = await transcribeOnce(
				ctx,
				item,
				provider,
				{ ...request, ...(prompt ? { prompt } : {}) },
				audio,
				options,
			).catch((error: unknown) => {
				throw chunkError(ctx, error, chunk, total ? ` of ${total}` : '', item.index);
			});
			releaseChunk(chunk);
			textSoFar = `${textSoFar} ${transcript.text}`;
			return transcript;
		},
	);
	return stitched(request, chunks, transcripts);
}

/** The chunks' transcripts as one, and the chunks as the item lists them. */
function stitched(
	request: TranscriptionRequest,
	chunks: AudioChunk[],
	transcripts: Transcript[],
): { transcript: Transcript; chunks: IDataObject[] } {
	const transcript = stitchTranscripts(
		request.response_format,
		transcripts.map((t, i) => ({
			transcript: t,
			start: chunks[i].start,
			end: chunks[i].end,
			keepFrom: chunks[i].keepFrom,
			keepTo: chunks[i].keepTo,
		})),
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
}

/**
 * Turns a transcript into an output item.
 *
 * JSON: `text` always; every field of a JSON reply (`language`, `duration`, `segments`, `words`,
 * `logprobs`, `usage`, ...); `subtitles` (the file's text) and `cues` for srt and vtt; `model`,
 * `response_format`, `request_id` when the provider gave one, and `chunks` for a split file.
 * Binary: the subtitles as a file when asked, from the cues or the timed segments, named after the
 * audio file.
 *
 * @throws NodeOperationError when a subtitle file is asked of a transcript without times.
 */
async function transcriptItem(
	ctx: IExecuteFunctions,
	item: ItemRun,
	transcript: Transcript,
	request: TranscriptionRequest,
	audioFileName: string,
	options: TranscribeOptions,
	extra: IDataObject = {},
): Promise<INodeExecutionData> {
	const json: IDataObject = {
		...(transcript.reply as IDataObject | undefined),
		text: transcript.text,
		...(transcript.subtitles !== undefined
			? { subtitles: transcript.subtitles, cues: transcript.cues as unknown as IDataObject[] }
			: {}),
		model: request.model,
		response_format: request.response_format,
		...extra,
	};
	const out: INodeExecutionData = { json };
	if (options.subtitlesFile) {
		const { format, property } = options.subtitlesFile;
		const cues = cuesOf(transcript);
		if (!cues) {
			throw new NodeOperationError(
				ctx.getNode(),
				`No subtitles can be made: the ${request.response_format} transcript has no times`,
				{
					itemIndex: item.index,
					description:
						'Pick SRT, VTT or Verbose JSON as the Response Format, or turn off Subtitles as File.',
				},
			);
		}
		const text =
			subtitleFormatOf(request.response_format) === format && transcript.subtitles !== undefined
				? transcript.subtitles
				: formatSubtitles(cues, format);
		const base = audioFileName.replace(/\.[A-Za-z0-9]+$/, '') || 'transcript';
		out.binary = {
			[property]: await ctx.helpers.prepareBinaryData(
				Buffer.from(text, 'utf8'),
				`${base}.${format}`,
				SUBTITLE_MIME[format],
			),
		};
	}
	return out;
}

/**
 * Refuses audio over the limit that will not be split: When Over Max Upload Size is Fail, or the
 * container cannot be cut.
 *
 * @throws NodeOperationError naming the size, the limit and the fix.
 */
function refuseOversize(
	ctx: IExecuteFunctions,
	item: ItemRun,
	input: AudioInput,
	options: TranscribeOptions,
	limit: number,
): void {
	const container = input.container;
	const splittable = container !== undefined && SPLITTABLE_CONTAINERS.has(container.container);
	if (options.oversize === 'split' && splittable) return;
	const size = input.size === undefined ? 'size unknown' : megabytes(input.size);
	const over = `The audio (${size}) is over the Max Upload Size of ${megabytes(limit)}`;
	if (options.oversize === 'fail') {
		throw new NodeOperationError(ctx.getNode(), over, {
			itemIndex: item.index,
			description:
				'Set When Over Max Upload Size to Split Into Chunks, raise Max Upload Size if the provider takes larger files, or compress the audio (for example mp3 at 64 kbps).',
		});
	}
	const why = container ? notSplittable(container.container) : undefined;
	throw new NodeOperationError(
		ctx.getNode(),
		`${over}, and ${why ? why.message : 'files of an unknown format cannot be split'}`,
		{
			itemIndex: item.index,
			description:
				why?.hint ??
				'Convert it to mp3 or wav first (for example with ffmpeg), or raise Max Upload Size if the provider takes larger files.',
		},
	);
}

/**
 * Sends audio to `POST /audio/transcriptions` or `/audio/translations` in the credential's API
 * style and turns the reply into an output item (see `transcriptItem`). Audio over Max Upload
 * Size is split into chunks while it is read and the transcripts stitched; the item then also
 * has `chunks`: `[{index, start, end, bytes, request_id?}]`, times in seconds. A download of
 * unknown size is read up to the limit first: within it, it goes up whole.
 *
 * @throws NodeApiError when the provider refuses; NodeOperationError when the audio cannot be
 *   read, sent or split, a chunk fails, or the reply is not the transcript asked for.
 */
export async function transcribe(
	ctx: IExecuteFunctions,
	item: ItemRun,
	request: TranscriptionRequest,
	source: AudioSource,
	options: TranscribeOptions,
): Promise<INodeExecutionData> {
	const { provider } = await endpoint(ctx);
	if (source.kind === 'fileId' || (source.kind === 'url' && provider.readsRemoteAudio)) {
		const audio: TranscriptionAudio =
			source.kind === 'fileId' ? source : { kind: 'url', url: source.url };
		const transcript = await transcribeOnce(ctx, item, provider, request, audio, options);
		return await transcriptItem(ctx, item, transcript, request, 'audio', options);
	}
	const opened =
		source.kind === 'binary'
			? await binaryAudio(ctx, item, source.property)
			: await urlAudio(ctx, item, source.url, { timeoutMs: options.timeoutMs });
	try {
		const limit = Math.min(options.maxUploadBytes, provider.maxAudioBytes ?? Infinity);
		const input = opened.size === undefined ? await measure(opened, limit) : opened;
		if (input.size !== undefined && input.size <= limit) {
			const audio: TranscriptionAudio = {
				kind: 'file',
				fileName: input.fileName,
				contentType: input.contentType,
				source: inputSource(input, input.size),
			};
			const transcript = await transcribeOnce(ctx, item, provider, request, audio, options);
			return await transcriptItem(ctx, item, transcript, request, input.fileName, options);
		}
		refuseOversize(ctx, item, input, options, limit);
		const { transcript, chunks } = await transcribeInChunks(
			ctx,
			item,
			provider,
			request,
			input,
			options,
			limit,
		);
		return await transcriptItem(ctx, item, transcript, request, input.fileName, options, {
			chunks,
		});
	} finally {
		opened.close();
	}
}
