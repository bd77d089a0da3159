import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
// form-data streams a stored binary with a known length; native FormData would buffer it whole.
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports
import FormData from 'form-data';

import {
	containerForExtension,
	SNIFF_BYTES,
	sniffContainer,
	type ContainerInfo,
} from '../../lib/audio/container';
import type { FormField } from '../../lib/openai/requests';

/** What n8n's binary store streams a file as. */
type Readable = Awaited<ReturnType<IExecuteFunctions['helpers']['getBinaryStream']>>;

/** An input binary ready to upload, read lazily so that each attempt gets a fresh stream. */
export interface AudioUpload {
	/** The name sent in the multipart `filename`, with an extension that matches the bytes. */
	fileName: string;
	/** The content type sent with the file. */
	contentType: string;
	/** Size in bytes. */
	size: number;
	/** The container found in the first bytes, when it is one this package knows. */
	container?: ContainerInfo;
	/** Opens the bytes: a stream from n8n's binary store in filesystem mode, else the buffer. */
	open(): Promise<Readable | Buffer>;
}

async function firstBytes(stream: Readable, count: number): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let length = 0;
	for await (const chunk of stream) {
		chunks.push(chunk as Buffer);
		length += (chunk as Buffer).length;
		if (length >= count) break;
	}
	stream.destroy();
	return Buffer.concat(chunks).subarray(0, count);
}

function extensionOf(fileName: string | undefined): string | undefined {
	const match = /\.([A-Za-z0-9]+)$/.exec(fileName ?? '');
	return match?.[1]?.toLowerCase();
}

/**
 * Reads an item's binary property as audio to upload.
 *
 * The container is sniffed from the first bytes, so a file with a missing or wrong name or MIME
 * type is still sent with a matching extension and content type. Bytes that are no known
 * container are sent as declared when the binary says it is audio or video; anything else is
 * refused before a request is made.
 *
 * @throws NodeOperationError when the property is missing, the file is empty, or it is not audio.
 */
export async function readAudioInput(
	ctx: IExecuteFunctions,
	itemIndex: number,
	propertyName: string,
): Promise<AudioUpload> {
	const binary: IBinaryData = ctx.helpers.assertBinaryData(itemIndex, propertyName);

	let size: number;
	let head: Buffer;
	let open: () => Promise<Readable | Buffer>;
	if (binary.id) {
		const id = binary.id;
		size = (await ctx.helpers.getBinaryMetadata(id)).fileSize;
		open = async () => await ctx.helpers.getBinaryStream(id);
		head =
			size > 0
				? await firstBytes(await ctx.helpers.getBinaryStream(id), SNIFF_BYTES)
				: Buffer.alloc(0);
	} else {
		const buffer = await ctx.helpers.getBinaryDataBuffer(itemIndex, propertyName);
		size = buffer.length;
		open = async () => buffer;
		head = buffer.subarray(0, SNIFF_BYTES);
	}

	const where = `the binary field "${propertyName}" of item ${itemIndex}`;
	if (size === 0) {
		throw new NodeOperationError(ctx.getNode(), `The audio file in ${where} is empty`, {
			itemIndex,
			description: 'Check the node that produced the file: it wrote no bytes.',
		});
	}

	const declaredExtension = binary.fileExtension ?? extensionOf(binary.fileName);
	const declaredMime = (binary.mimeType ?? '').split(';')[0].trim().toLowerCase();
	const sniffed = sniffContainer(head);
	if (
		!sniffed &&
		!/^(audio|video)\//.test(declaredMime) &&
		!containerForExtension(declaredExtension)
	) {
		throw new NodeOperationError(
			ctx.getNode(),
			`The file in ${where} is not audio${binary.fileName ? ` ("${binary.fileName}"` : ' ('}${declaredMime ? `, ${declaredMime})` : ')'}`,
			{
				itemIndex,
				description:
					'Send an audio file (mp3, wav, ogg, flac, m4a, mp4 or webm), or set Input Binary Field to the field that holds the audio.',
			},
		);
	}

	const container = sniffed ?? containerForExtension(declaredExtension);
	const base = (binary.fileName ?? '').replace(/\.[A-Za-z0-9]+$/, '') || 'audio';
	const nameMatches =
		container !== undefined &&
		containerForExtension(declaredExtension)?.container === container.container;
	const fileName =
		nameMatches || !container
			? (binary.fileName ?? `${base}.bin`)
			: `${base}.${container.extension}`;
	const contentType =
		sniffed?.mimeType ?? (declaredMime || container?.mimeType || 'application/octet-stream');

	return { fileName, contentType, size, ...(container ? { container } : {}), open };
}

/**
 * Builds a multipart body: the text fields in order, then the file as `file` with its name,
 * content type and known length, so that a streamed file still gets a Content-Length.
 */
export async function multipartBody(upload: AudioUpload, fields: FormField[]): Promise<FormData> {
	const form = new FormData();
	for (const [name, value] of fields) form.append(name, value);
	form.append('file', await upload.open(), {
		filename: upload.fileName,
		contentType: upload.contentType,
		knownLength: upload.size,
	});
	return form;
}

/** An item's binary property as a `data:` URL, for fields such as `known_speaker_references[]`. */
export async function binaryAsDataUrl(
	ctx: IExecuteFunctions,
	itemIndex: number,
	propertyName: string,
): Promise<string> {
	const upload = await readAudioInput(ctx, itemIndex, propertyName);
	return `data:${upload.contentType};base64,${(await readAll(upload)).toString('base64')}`;
}

/** The whole upload in memory, for bodies that carry the file inline (data URLs, base64 JSON). */
export async function readAll(upload: AudioUpload): Promise<Buffer> {
	const opened = await upload.open();
	if (Buffer.isBuffer(opened)) return opened;
	const chunks: Buffer[] = [];
	for await (const chunk of opened) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}
