/**
 * Request bodies that stream a file with a known length: multipart/form-data (RFC 7578) and JSON
 * carrying the file as base64 (RFC 4648), both built from parts whose sizes are known before the
 * first byte is sent, so that the request has a Content-Length and the file is never held whole.
 * No n8n imports.
 */
import { AudioApiError } from '../errors';

/** Bytes that are read when the body is sent: `length` of them, from `read()`. */
export interface ByteSource {
	/** How many bytes `read()` yields, exactly. */
	length: number;
	/** Yields the bytes from the start; each call starts again (a retry sends a fresh body). */
	read(): AsyncIterable<Uint8Array>;
}

/** A request body of known length, produced on demand. */
export interface StreamedBody {
	/** The Content-Type header, with the multipart boundary where there is one. */
	contentType: string;
	/** The Content-Length in bytes. */
	length: number;
	/** Yields the body from the start; a new call gives a new copy of the body. */
	stream(): AsyncGenerator<Uint8Array>;
}

/** One piece of a body: fixed bytes, or a source, optionally sent base64-encoded. */
type Part = Buffer | { source: ByteSource; base64: boolean };

/** Thrown when a source yields a different number of bytes than it declared. */
export class BodyLengthError extends AudioApiError {}

/** Base64 length of `bytes` bytes, with padding (RFC 4648, section 4). */
export function base64Length(bytes: number): number {
	return Math.ceil(bytes / 3) * 4;
}

/** Encodes a stream as base64 in blocks, carrying the bytes that do not fill a 3-byte group. */
async function* base64Blocks(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
	let carry = Buffer.alloc(0);
	for await (const block of source) {
		const bytes = carry.length ? Buffer.concat([carry, block]) : Buffer.from(block);
		const whole = bytes.length - (bytes.length % 3);
		if (whole > 0) yield Buffer.from(bytes.subarray(0, whole).toString('base64'), 'latin1');
		carry = Buffer.from(bytes.subarray(whole));
	}
	if (carry.length > 0) yield Buffer.from(carry.toString('base64'), 'latin1');
}

function partLength(part: Part): number {
	if (Buffer.isBuffer(part)) return part.length;
	return part.base64 ? base64Length(part.source.length) : part.source.length;
}

function streamedBody(contentType: string, parts: Part[]): StreamedBody {
	return {
		contentType,
		length: parts.reduce((sum, part) => sum + partLength(part), 0),
		async *stream() {
			for (const part of parts) {
				if (Buffer.isBuffer(part)) {
					if (part.length > 0) yield part;
					continue;
				}
				let sent = 0;
				const blocks = part.base64 ? base64Blocks(part.source.read()) : part.source.read();
				for await (const block of blocks) {
					sent += block.length;
					yield block;
				}
				if (sent !== partLength(part)) {
					throw new BodyLengthError(
						`The file gave ${sent} bytes where ${partLength(part)} were announced`,
						'The file changed while it was being sent: run the item again.',
					);
				}
			}
		},
	};
}

/** A `multipart/form-data` boundary: 24 hyphens (as browsers and form-data write) and hex. */
function boundary(): string {
	const hex = Array.from({ length: 24 }, () => Math.floor(Math.random() * 16).toString(16));
	return `${'-'.repeat(24)}${hex.join('')}`;
}

/** Quotes a form-data name or file name (RFC 7578 section 4.2: percent-encode `"`, CR and LF). */
function quoted(value: string): string {
	return `"${value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}"`;
}

/** The file part of a multipart body. */
export interface MultipartFile {
	/** The form field name, e.g. `file`. */
	field: string;
	fileName: string;
	contentType: string;
	source: ByteSource;
}

/**
 * A `multipart/form-data` body (RFC 7578): the text fields in order, then the file.
 *
 * @param fields name and value of each text field; repeat a name for arrays (`include[]`).
 */
export function multipartBody(
	fields: ReadonlyArray<readonly [string, string]>,
	file: MultipartFile,
): StreamedBody {
	const mark = boundary();
	const parts: Part[] = [];
	for (const [name, value] of fields) {
		parts.push(
			Buffer.from(
				`--${mark}\r\nContent-Disposition: form-data; name=${quoted(name)}\r\n\r\n${value}\r\n`,
				'utf8',
			),
		);
	}
	parts.push(
		Buffer.from(
			`--${mark}\r\nContent-Disposition: form-data; name=${quoted(file.field)}; filename=${quoted(file.fileName)}\r\nContent-Type: ${file.contentType}\r\n\r\n`,
			'utf8',
		),
		{ source: file.source, base64: false },
		Buffer.from(`\r\n--${mark}--\r\n`, 'utf8'),
	);
	return streamedBody(`multipart/form-data; boundary=${mark}`, parts);
}

/**
 * A JSON body in which one string value is a file, base64-encoded as it is sent: `value` is
 * written with `JSON.stringify`, and the string `placeholder` inside it is replaced by the
 * base64 of `source` (with `prefix` before it, e.g. `data:audio/wav;base64,`).
 *
 * @throws Error when `placeholder` does not occur exactly once in the JSON text.
 */
export function jsonBodyWithFile(
	value: unknown,
	placeholder: string,
	source: ByteSource,
	prefix = '',
): StreamedBody {
	const text = JSON.stringify(value);
	const pieces = text.split(JSON.stringify(placeholder).slice(1, -1));
	if (pieces.length !== 2) throw new Error('The file placeholder must occur once in the body');
	return streamedBody('application/json', [
		Buffer.from(`${pieces[0]}${prefix}`, 'utf8'),
		{ source, base64: true },
		Buffer.from(pieces[1], 'utf8'),
	]);
}

/** A JSON body with no file in it. */
export function jsonBody(value: unknown): StreamedBody {
	return streamedBody('application/json', [Buffer.from(JSON.stringify(value), 'utf8')]);
}

/**
 * A body as a Blob-shaped object for n8n's HTTP helpers. n8n sends requests with axios, and
 * axios's Node adapter sends a Blob by reading its `stream()` with the Content-Type from `type`
 * and the Content-Length from `size` (axios lib/adapters/http.js, `utils.isBlob`). Node's own
 * Blob can only hold bytes in memory; this one reads them as they are sent.
 */
export function asBlob(body: StreamedBody): {
	size: number;
	type: string;
	stream: () => AsyncGenerator<Uint8Array>;
	readonly [Symbol.toStringTag]: 'Blob';
} {
	return {
		size: body.length,
		type: body.contentType,
		stream: () => body.stream(),
		[Symbol.toStringTag]: 'Blob',
	};
}

/** A source over bytes already in memory. */
export function bufferSource(bytes: Buffer): ByteSource {
	return {
		length: bytes.length,
		async *read() {
			yield bytes;
		},
	};
}
