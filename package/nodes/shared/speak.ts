import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { speechFormatInfo } from '../../lib/audio/container';
import { joinAudio, JOINABLE_FORMATS, JoinError } from '../../lib/audio/join';
import { mapConcurrent } from '../../lib/concurrency';
import { jsonBody } from '../../lib/http/body';
import { SPEECH_INPUT_MAX_CHARS } from '../../lib/providers/openai';
import type { Provider, SpeechReply, SpeechRequest } from '../../lib/providers/types';
import { splitText } from '../../lib/text/split-text';
import type { ItemRun } from './items';
import { audioApiRequest, endpoint, requestIdOf, type RetryOptions } from './transport';

/** What one item's speech asks for. */
export interface SpeakRequest {
	/** The request for the whole text; `input` is split into parts when it is long. */
	speech: SpeechRequest;
	/** Split text over 4,096 characters into parts and join their audio. */
	splitLongText: boolean;
	/** The most requests one text may become. */
	maxParts: number;
	/** Parts spoken at once. */
	partConcurrency: number;
	/** The output file's name without extension. */
	fileName: string;
	/** The output binary field. */
	binaryProperty: string;
	retry: RetryOptions;
}

/** One spoken part: its audio, and what the provider said about it. */
interface SpokenPart extends SpeechReply {
	requestId?: string;
}

/**
 * Speaks one item's text with `POST /audio/speech` in the credential's API style and returns the
 * audio as a binary. Text over 4,096 characters (OpenAI's `input` limit) is split at paragraphs,
 * sentences or words, the parts are spoken at most `partConcurrency` at a time, and their audio
 * is joined into one file (mp3, wav, aac or pcm). Each reply is read whole (audio, server-sent
 * events, or Opper's JSON); a part's audio is a few megabytes at most.
 *
 * Output JSON: `model`, `voice`, `response_format`, `bytes`, `fileName`, `mimeType`,
 * `characters`, and for one part its `usage`, `request_id` and Opper's `file_id`, `url` and `id`;
 * for several, `parts: [{index, characters, bytes, ...}]`.
 *
 * @throws NodeOperationError (via AudioApiError) for an empty or too long text, too many parts, a
 *   format that cannot be joined, or a reply that is not audio; NodeApiError when the provider
 *   refuses.
 */
export async function speak(
	ctx: IExecuteFunctions,
	item: ItemRun,
	request: SpeakRequest,
): Promise<INodeExecutionData> {
	const { provider } = await endpoint(ctx);
	const { speech } = request;
	const split = request.splitLongText && speech.input.length > SPEECH_INPUT_MAX_CHARS;
	const texts = split ? splitText(speech.input, SPEECH_INPUT_MAX_CHARS) : [speech.input];
	if (texts.length > request.maxParts) {
		throw new NodeOperationError(
			ctx.getNode(),
			`The text is ${speech.input.length} characters: it would be spoken in ${texts.length} requests, over Max Parts (${request.maxParts})`,
			{
				itemIndex: item.index,
				description:
					'Raise Max Parts (in Options) if that many requests are meant, or shorten the text, for example by splitting it into one item per chapter.',
			},
		);
	}
	if (texts.length > 1 && !JOINABLE_FORMATS.has(speech.response_format)) {
		throw new JoinError(
			`The text is ${speech.input.length} characters, so it is spoken in ${texts.length} parts, and ${speech.response_format} parts cannot be joined without re-encoding`,
			'Choose mp3, wav, aac or pcm as the Response Format, or shorten the text to 4,096 characters.',
		);
	}
	const bodies = texts.map((input) => provider.speechBody({ ...speech, input }));

	const parts = await mapConcurrent(bodies, request.partConcurrency, async (body) =>
		speakPart(ctx, item, provider, speech.model, body, request.retry),
	);

	const audio = joinAudio(
		speech.response_format,
		parts.map((part) => part.audio),
	);
	return await speechItem(ctx, request, texts, parts, audio);
}

/**
 * Speaks one part: its audio read whole, whatever the reply is (audio, events, or the style's
 * JSON); events and JSON are read as text with the key redacted, and an error page is never
 * stored as audio.
 */
async function speakPart(
	ctx: IExecuteFunctions,
	item: ItemRun,
	provider: Provider,
	model: string,
	body: Record<string, unknown>,
	retry: RetryOptions,
): Promise<SpokenPart> {
	return await audioApiRequest(
		ctx,
		{ method: 'POST', operation: 'speech', model, body: jsonBody(body) },
		async (reply) => {
			const read = provider.speechReplyIsAudio(reply.contentType)
				? { audio: await reply.buffer(), details: {} }
				: provider.readSpeech(reply.contentType, Buffer.from(await reply.text(), 'utf8'));
			const requestId = requestIdOf(reply, read.details);
			return { ...read, ...(requestId ? { requestId } : {}) };
		},
		retry,
		item.index,
	);
}

/** The output item: the audio as a binary, and what was asked and answered as JSON. */
async function speechItem(
	ctx: IExecuteFunctions,
	request: SpeakRequest,
	texts: string[],
	parts: SpokenPart[],
	audio: Buffer,
): Promise<INodeExecutionData> {
	const { speech } = request;
	const { extension, mimeType: formatMimeType } = speechFormatInfo(speech.response_format);
	const mimeType = parts[0].mimeType ?? formatMimeType;
	const fileName = `${request.fileName.replace(/\.[A-Za-z0-9]+$/, '') || 'speech'}.${extension}`;
	const binary = await ctx.helpers.prepareBinaryData(audio, fileName, mimeType);
	const about = (part: SpokenPart): IDataObject => ({
		...(part.details as IDataObject),
		...(part.requestId ? { request_id: part.requestId } : {}),
	});
	return {
		json: {
			model: speech.model,
			voice: typeof speech.voice === 'object' ? speech.voice.id : (speech.voice ?? null),
			response_format: speech.response_format,
			bytes: audio.length,
			fileName,
			mimeType,
			characters: speech.input.length,
			...(parts.length === 1
				? about(parts[0])
				: {
						// Opper's file_id and url name one part's audio, so they stay with their part.
						parts: parts.map((part, index) => ({
							index,
							characters: texts[index].length,
							bytes: part.audio.length,
							...about(part),
						})),
					}),
		},
		binary: { [request.binaryProperty]: binary },
	};
}
