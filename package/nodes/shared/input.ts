import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	containerForExtension,
	SNIFF_BYTES,
	sniffContainer,
	type ContainerInfo,
} from '../../lib/audio/container';
import { AudioApiError } from '../../lib/errors';
import type { ItemRun } from './items';

/** Bytes read from the start, as n8n's binary store or an HTTP download give them. */
type ByteStream = AsyncIterable<Uint8Array> & { destroy?: () => void };

/** Audio to send: its name, type and container, and a way to read it (again). */
export interface AudioInput {
	/** The name to send, with an extension that matches the bytes. */
	fileName: string;
	/** The content type to send with the file. */
	contentType: string;
	/** Size in bytes when known before reading: a stored binary, or a download with a length. */
	size?: number;
	/** The container found in the first bytes, when it is one this package knows. */
	container?: ContainerInfo;
	/**
	 * The bytes from the start. The first call hands over the stream that was opened to look at
	 * the first bytes, so one read of the input serves both; later calls (retries) read again.
	 */
	open(): Promise<AsyncIterable<Uint8Array>>;
	/** Releases the first stream if it was never handed over. */
	close(): void;
}

/**
 * V8's longest string, which is what n8n's PostgreSQL driver turns a binary into (as hex, two
 * characters a byte): a database binary over half of it cannot be read back.
 */
const MAX_DATABASE_BINARY_BYTES = Math.floor((0x1fffffe8 - 2) / 2);

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Bytes already in memory (n8n's default binary mode), as a stream of one block. */
async function* inMemory(bytes: Buffer): AsyncGenerator<Uint8Array> {
	yield bytes;
}

/** Reads the first `count` bytes of a stream and returns them with a stream of all its bytes. */
async function peek(
	stream: ByteStream,
	count: number,
): Promise<{ head: Buffer; whole: AsyncGenerator<Uint8Array> }> {
	const iterator = stream[Symbol.asyncIterator]();
	const seen: Uint8Array[] = [];
	let length = 0;
	let done = false;
	while (length < count) {
		const next = await iterator.next();
		if (next.done) {
			done = true;
			break;
		}
		seen.push(next.value);
		length += next.value.length;
	}
	async function* whole(): AsyncGenerator<Uint8Array> {
		yield* seen;
		if (done) return;
		for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
			yield next.value;
		}
	}
	return { head: Buffer.concat(seen).subarray(0, count), whole: whole() };
}

function extensionOf(fileName: string | undefined): string | undefined {
	const match = /\.([A-Za-z0-9]+)$/.exec(fileName ?? '');
	return match?.[1]?.toLowerCase();
}

/** What a file is: its name, type and container, from its first bytes and what it was called. */
function describe(
	head: Buffer,
	declaredName: string | undefined,
	declaredType: string,
): { audio: boolean; info: Pick<AudioInput, 'fileName' | 'contentType' | 'container'> } {
	const declaredExtension = extensionOf(declaredName);
	const mime = declaredType.split(';')[0].trim().toLowerCase();
	const sniffed = sniffContainer(head);
	const container = sniffed ?? containerForExtension(declaredExtension);
	const base = (declaredName ?? '').replace(/\.[A-Za-z0-9]+$/, '') || 'audio';
	const nameMatches =
		container !== undefined &&
		containerForExtension(declaredExtension)?.container === container.container;
	return {
		audio:
			sniffed !== undefined ||
			/^(audio|video)\//.test(mime) ||
			containerForExtension(declaredExtension) !== undefined,
		info: {
			fileName:
				nameMatches || !container
					? (declaredName ?? `${base}.bin`)
					: `${base}.${container.extension}`,
			contentType: sniffed?.mimeType ?? (mime || container?.mimeType || 'application/octet-stream'),
			...(container ? { container } : {}),
		},
	};
}

/** An input whose first read is the stream already opened, and whose later reads reopen it. */
function reopening(
	first: AsyncGenerator<Uint8Array>,
	stream: ByteStream,
	reopen: () => Promise<ByteStream>,
) {
	let handedOver = false;
	return {
		open: async () => {
			if (handedOver) return await reopen();
			handedOver = true;
			return first;
		},
		close: () => {
			if (!handedOver) stream.destroy?.();
			handedOver = true;
		},
	};
}

/**
 * An item's binary property as audio to send. The container is recognised from the first bytes
 * of the same stream that is then uploaded or split, so a file with a missing or wrong name or
 * MIME type is still sent with a matching extension and content type, and the input is read once.
 * Bytes that are no known container are sent as declared when the binary says it is audio or
 * video; anything else is refused before a request is made.
 *
 * @throws NodeOperationError when the property is missing, the file is empty, not audio, or a
 *   database binary too big for n8n to hand over.
 */
export async function binaryAudio(
	ctx: IExecuteFunctions,
	item: ItemRun,
	propertyName: string,
): Promise<AudioInput> {
	const itemIndex = item.index;
	const binary: IBinaryData = ctx.helpers.assertBinaryData(itemIndex, propertyName);
	item.fileName = binary.fileName;
	const where = `the binary field "${propertyName}"`;

	let size: number;
	let stream: ByteStream;
	let reopen: () => Promise<ByteStream>;
	if (binary.id) {
		const id = binary.id;
		size = (await ctx.helpers.getBinaryMetadata(id)).fileSize;
		if (id.startsWith('database:') && size > MAX_DATABASE_BINARY_BYTES) {
			throw new NodeOperationError(
				ctx.getNode(),
				`The audio in ${where} is ${megabytes(size)}, over the ${megabytes(MAX_DATABASE_BINARY_BYTES)} that n8n's database binary store can hand over`,
				{
					itemIndex,
					description:
						'Use Audio Source: URL to stream the file from where it is hosted, or run n8n with N8N_DEFAULT_BINARY_DATA_MODE=filesystem (or s3).',
				},
			);
		}
		reopen = async () => await ctx.helpers.getBinaryStream(id);
		stream = await reopen();
	} else {
		const buffer = await ctx.helpers.getBinaryDataBuffer(itemIndex, propertyName);
		size = buffer.length;
		reopen = async () => inMemory(buffer);
		stream = inMemory(buffer);
	}
	if (size === 0) {
		throw new NodeOperationError(ctx.getNode(), `The audio file in ${where} is empty`, {
			itemIndex,
			description: 'Check the node that produced the file: it wrote no bytes.',
		});
	}
	const { head, whole } = await peek(stream, SNIFF_BYTES);
	const found = describe(
		head,
		binary.fileName ?? (binary.fileExtension ? `audio.${binary.fileExtension}` : undefined),
		binary.mimeType ?? '',
	);
	if (!found.audio) {
		stream.destroy?.();
		throw new NodeOperationError(
			ctx.getNode(),
			`The file in ${where} is not audio (${binary.fileName ? `"${binary.fileName}", ` : ''}${binary.mimeType || 'no MIME type'})`,
			{
				itemIndex,
				description:
					'Send an audio file (mp3, wav, ogg, flac, m4a, mp4 or webm), or set Input Binary Field to the field that holds the audio.',
			},
		);
	}
	return { ...found.info, size, ...reopening(whole, stream, reopen) };
}

/** Options of a download. */
export interface DownloadOptions {
	/** Time limit of the download's request in milliseconds (until the reply starts). */
	timeoutMs: number;
}

/**
 * Audio at a URL, downloaded as it is sent: without the provider's credential (the URL's host
 * gets no key), following redirects as an anonymous download may, never stored in n8n's binary
 * store. The size is the download's Content-Length when it gives one.
 *
 * @throws NodeOperationError for a URL that is not http(s), a download that fails, or a file that
 *   is not audio.
 */
export async function urlAudio(
	ctx: IExecuteFunctions,
	item: ItemRun,
	url: string,
	options: DownloadOptions,
): Promise<AudioInput> {
	const itemIndex = item.index;
	let parsed: URL | undefined;
	try {
		parsed = new URL(url);
	} catch {
		parsed = undefined;
	}
	if (!parsed || !/^https?:$/.test(parsed.protocol)) {
		throw new NodeOperationError(
			ctx.getNode(),
			`The Audio URL "${url}" is not an http or https URL`,
			{
				itemIndex,
				description:
					'Put the full address of the audio file in Audio URL, e.g. {{ $json.enclosure.url }}.',
			},
		);
	}
	const name = decodeURIComponent(parsed.pathname.split('/').pop() ?? '') || 'audio';
	item.fileName = name;
	const download = async (from = 0) => {
		const response = (await ctx.helpers
			.httpRequest({
				method: 'GET',
				url,
				...(from > 0 ? { headers: { Range: `bytes=${from}-` } } : {}),
				encoding: 'stream',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: options.timeoutMs,
			})
			.catch((error: Error) => {
				throw new NodeOperationError(ctx.getNode(), `Could not download ${url}: ${error.message}`, {
					itemIndex,
					description: 'Check the Audio URL and that n8n can reach its host.',
				});
			})) as { statusCode: number; headers: Record<string, unknown>; body: ByteStream };
		if (response.statusCode < 200 || response.statusCode >= 300) {
			response.body.destroy?.();
			throw new NodeOperationError(
				ctx.getNode(),
				`Downloading ${url} failed: the server answered ${response.statusCode}`,
				{ itemIndex, description: 'Check the Audio URL: it must lead to the audio file itself.' },
			);
		}
		return response;
	};
	const first = await download();
	const header = (key: string) => {
		const value = first.headers[key];
		return value === undefined ? undefined : String(Array.isArray(value) ? value[0] : value);
	};
	const length = Number(header('content-length'));
	// A length and no Content-Encoding: byte offsets of what arrived are offsets in the file.
	const size =
		Number.isFinite(length) && length > 0 && !header('content-encoding') ? length : undefined;
	const body = downloadBody(url, size, download);
	const { head, whole } = await peek(body(first.body), SNIFF_BYTES);
	const found = describe(head, name, header('content-type') ?? '');
	if (!found.audio) {
		first.body.destroy?.();
		throw new NodeOperationError(
			ctx.getNode(),
			`The file at ${url} is not audio (${header('content-type') ?? 'no Content-Type'})`,
			{ itemIndex, description: 'Check the Audio URL: it must lead to the audio file itself.' },
		);
	}
	return {
		...found.info,
		...(size !== undefined ? { size } : {}),
		...reopening(whole, first.body, async () => body((await download()).body)),
	};
}

/** A download's reply: its status, headers and body. */
interface Download {
	statusCode: number;
	headers: Record<string, unknown>;
	body: ByteStream;
}

/**
 * How a download's body is read: resumed from the byte reached when it breaks and its `size` is
 * known, and in any case failing with an error that names the URL and the bytes that arrived.
 *
 * @param download opens the URL, from a byte offset when given one (a Range request).
 */
function downloadBody(
	url: string,
	size: number | undefined,
	download: (from?: number) => Promise<Download>,
): (stream: ByteStream) => AsyncIterable<Uint8Array> {
	const fix =
		'run the item again, or download the file with an HTTP Request node and use Audio Source: Binary.';
	const broke = (offset: number, error: unknown) =>
		new AudioApiError(
			`The download of ${url} broke off after ${offset}${size !== undefined ? ` of ${size}` : ''} bytes${
				error instanceof Error && error.message ? ` (${error.message})` : ''
			}`,
			size !== undefined
				? `The host closed the connection and did not resume it from that byte (Range request): ${fix}`
				: `The host closed the connection and sent no length to resume by: ${fix}`,
		);
	const resume = async (from: number) => {
		const next = await download(from);
		const range = String(next.headers['content-range'] ?? '');
		if (next.statusCode === 206 && range.startsWith(`bytes ${from}-`)) return next.body;
		next.body.destroy?.();
		return undefined;
	};
	return (stream) =>
		size !== undefined ? resumable(stream, size, resume, broke) : named(stream, broke);
}

/**
 * A download's body that picks up where it broke. When the connection drops before `size` bytes
 * (a host closing a connection left idle while earlier chunks upload, or a reset), the rest is
 * asked for with an HTTP Range request from the byte reached (RFC 9110, section 14.2), so a long
 * episode is not downloaded again from the start.
 *
 * @param resume opens the rest from a byte offset; `undefined` when the host does not answer 206
 *   from that byte.
 * @throws the error `broke` makes, when the host cannot resume, or after three breaks in a row
 *   that brought no new byte.
 */
async function* resumable(
	first: ByteStream,
	size: number,
	resume: (from: number) => Promise<ByteStream | undefined>,
	broke: (offset: number, error: unknown) => Error,
): AsyncGenerator<Uint8Array> {
	let stream = first;
	let offset = 0;
	let fruitless = 0;
	for (;;) {
		const before = offset;
		let broken: unknown;
		try {
			for await (const block of stream) {
				offset += block.length;
				yield block;
			}
		} catch (error) {
			broken = error;
		}
		if (offset >= size) return;
		fruitless = offset > before ? 0 : fruitless + 1;
		const next = fruitless < 3 ? await resume(offset).catch(() => undefined) : undefined;
		if (!next) throw broke(offset, broken);
		stream = next;
	}
}

/** A download's body whose break is told as one, with the bytes that arrived. */
async function* named(
	stream: ByteStream,
	broke: (offset: number, error: unknown) => Error,
): AsyncGenerator<Uint8Array> {
	let offset = 0;
	try {
		for await (const block of stream) {
			offset += block.length;
			yield block;
		}
	} catch (error) {
		throw broke(offset, error);
	}
}

/**
 * Reads an input of unknown size (a download without a length) up to `limit` bytes. When it ends
 * there, its size is known and its bytes are kept for the upload; otherwise the bytes read so far
 * come first in its next read, which goes on with the same stream.
 */
export async function measure(input: AudioInput, limit: number): Promise<AudioInput> {
	const iterator = (await input.open())[Symbol.asyncIterator]();
	const held: Uint8Array[] = [];
	let length = 0;
	for (let next = await iterator.next(); ; next = await iterator.next()) {
		if (next.done) {
			const bytes = Buffer.concat(held);
			return { ...input, size: bytes.length, open: async () => inMemory(bytes) };
		}
		held.push(next.value);
		length += next.value.length;
		if (length > limit) break;
	}
	let handedOver = false;
	async function* rest(): AsyncGenerator<Uint8Array> {
		yield* held;
		for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
			yield next.value;
		}
	}
	return {
		...input,
		open: async () => {
			if (handedOver) return await input.open();
			handedOver = true;
			return rest();
		},
	};
}

/** Reads an input whole, for bodies that carry a small file inline (known speakers' samples). */
export async function readWhole(input: AudioInput): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of await input.open()) chunks.push(Buffer.from(chunk));
	return Buffer.concat(chunks);
}
