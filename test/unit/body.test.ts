import axios from 'axios';
import busboy from 'busboy';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import {
	asBlob,
	base64Length,
	BodyLengthError,
	bufferSource,
	jsonBodyWithFile,
	multipartBody,
	type ByteSource,
	type StreamedBody,
} from '../../package/lib/http/body';

/** A source that yields `bytes` in blocks of `block` bytes, counting how often it is read. */
function blockSource(bytes: Buffer, block: number): ByteSource & { reads: number } {
	const source = {
		length: bytes.length,
		reads: 0,
		async *read() {
			source.reads++;
			for (let i = 0; i < bytes.length; i += block) yield bytes.subarray(i, i + block);
		},
	};
	return source;
}

async function collect(body: StreamedBody): Promise<Buffer> {
	const parts: Buffer[] = [];
	for await (const part of body.stream()) parts.push(Buffer.from(part));
	return Buffer.concat(parts);
}

/** Parses a multipart body with busboy, a widely used parser, as a server would. */
async function parseMultipart(contentType: string, body: Buffer) {
	return await new Promise<{
		fields: Array<[string, string]>;
		files: Array<{ name: string; fileName: string; type: string; bytes: Buffer }>;
	}>((resolve, reject) => {
		const fields: Array<[string, string]> = [];
		const files: Array<{ name: string; fileName: string; type: string; bytes: Buffer }> = [];
		const parser = busboy({ headers: { 'content-type': contentType } });
		parser.on('field', (name, value) => fields.push([name, value]));
		parser.on('file', (name, stream, info) => {
			const chunks: Buffer[] = [];
			stream.on('data', (c: Buffer) => chunks.push(c));
			stream.on('end', () =>
				files.push({
					name,
					fileName: info.filename ?? '',
					type: info.mimeType,
					bytes: Buffer.concat(chunks),
				}),
			);
		});
		parser.on('close', () => resolve({ fields, files }));
		parser.on('error', reject);
		parser.end(body);
	});
}

describe('multipartBody', () => {
	const audio = Buffer.from(Array.from({ length: 100_003 }, (_v, i) => (i * 7) % 256));

	it('encodes fields and the file as RFC 7578 form-data that a real parser reads back exactly', async () => {
		const body = multipartBody(
			[
				['model', 'whisper-1'],
				['include[]', 'logprobs'],
				['prompt', 'Zoë said "hi"\nthen left'],
			],
			{
				field: 'file',
				fileName: 'näme "1".wav',
				contentType: 'audio/wav',
				source: blockSource(audio, 4096),
			},
		);
		const bytes = await collect(body);
		expect(bytes.length).toBe(body.length);
		const parsed = await parseMultipart(body.contentType, bytes);
		expect(parsed.fields).toEqual([
			['model', 'whisper-1'],
			['include[]', 'logprobs'],
			['prompt', 'Zoë said "hi"\nthen left'],
		]);
		expect(parsed.files).toHaveLength(1);
		expect(parsed.files[0].name).toBe('file');
		expect(parsed.files[0].type).toBe('audio/wav');
		expect(parsed.files[0].bytes.equals(audio)).toBe(true);
	});

	it('reads the source afresh each time the body is sent', async () => {
		const source = blockSource(audio, 9999);
		const body = multipartBody([], {
			field: 'file',
			fileName: 'a.wav',
			contentType: 'audio/wav',
			source,
		});
		expect((await collect(body)).equals(await collect(body))).toBe(true);
		expect(source.reads).toBe(2);
	});

	it('fails when the file is shorter than announced', async () => {
		const body = multipartBody([], {
			field: 'file',
			fileName: 'a.wav',
			contentType: 'audio/wav',
			source: { length: 10, read: blockSource(Buffer.alloc(5), 5).read },
		});
		await expect(collect(body)).rejects.toBeInstanceOf(BodyLengthError);
	});
});

describe('jsonBodyWithFile', () => {
	it.each([0, 1, 2, 3, 4, 5, 1000, 65_537])(
		'base64-encodes a %d-byte file as it streams, at the placeholder, with an exact length',
		async (size) => {
			const file = Buffer.from(Array.from({ length: size }, (_v, i) => (i * 31) % 256));
			for (const block of [1, 2, 3, 7, 4096]) {
				const body = jsonBodyWithFile(
					{ model: 'm', audio: { data: '<file>', fileName: 'a.mp3' } },
					'<file>',
					blockSource(file, block),
					'',
				);
				const text = (await collect(body)).toString('utf8');
				expect(Buffer.byteLength(text)).toBe(body.length);
				const parsed = JSON.parse(text) as { audio: { data: string } };
				expect(parsed.audio.data).toBe(file.toString('base64'));
				expect(base64Length(size)).toBe(file.toString('base64').length);
			}
		},
	);

	it('puts a prefix before the base64, as a data: URL needs', async () => {
		const body = jsonBodyWithFile(
			{ audio: 'X' },
			'X',
			bufferSource(Buffer.from('abc')),
			'data:audio/wav;base64,',
		);
		expect(JSON.parse((await collect(body)).toString('utf8'))).toEqual({
			audio: 'data:audio/wav;base64,YWJj',
		});
	});
});

describe('asBlob with axios, the client n8n sends requests with', () => {
	let server: http.Server;
	let url: string;
	const received: Array<{ headers: http.IncomingHttpHeaders; body: Buffer }> = [];
	beforeAll(async () => {
		server = http.createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (c: Buffer) => chunks.push(c));
			req.on('end', () => {
				received.push({ headers: req.headers, body: Buffer.concat(chunks) });
				res.end('ok');
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
	});
	afterAll(async () => await new Promise((resolve) => server.close(resolve)));

	it('sends the body streamed, with its Content-Length and Content-Type', async () => {
		const audio = Buffer.alloc(3_000_000, 7);
		const source = blockSource(audio, 65536);
		const body = multipartBody([['model', 'whisper-1']], {
			field: 'file',
			fileName: 'a.wav',
			contentType: 'audio/wav',
			source,
		});
		await axios.post(url, asBlob(body), { maxRedirects: 0 });
		const last = received[received.length - 1];
		expect(Number(last.headers['content-length'])).toBe(body.length);
		expect(last.headers['content-type']).toBe(body.contentType);
		expect(last.headers['transfer-encoding']).toBeUndefined();
		const parsed = await parseMultipart(body.contentType, last.body);
		expect(parsed.files[0].bytes.equals(audio)).toBe(true);
		expect(source.reads).toBe(1);
	});
});
