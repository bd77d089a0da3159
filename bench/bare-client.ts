/**
 * The floor of the benchmark: what a bare Node HTTP client takes for the same requests, with no
 * n8n around it. Uploads stream from disk with `form-data`; every request opens a new
 * connection, as n8n's request helper does.
 */
import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import http from 'node:http';
import { PassThrough, type Readable } from 'node:stream';

import FormData from 'form-data';

import { readWavLayout, wavHeader } from '../package/lib/audio/wav';

/** Sends one request and drains the reply; rejects on a non-2xx status. */
async function send(
	url: string,
	method: string,
	headers: Record<string, string | number>,
	body?: Buffer | FormData,
): Promise<void> {
	await new Promise<void>((resolve, reject) => {
		const req = http.request(
			url,
			{ method, agent: false, headers: { authorization: 'Bearer bench', ...headers } },
			(res) => {
				res.resume();
				res.on('end', () =>
					(res.statusCode ?? 500) < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
				);
			},
		);
		req.on('error', reject);
		if (body instanceof FormData) body.pipe(req);
		else req.end(body);
	});
}

/** `POST {baseUrl}/audio/speech` with a JSON body. */
export async function speak(baseUrl: string, text: string): Promise<void> {
	const body = Buffer.from(JSON.stringify({ model: 'tts-1', input: text, voice: 'alloy' }));
	await send(
		`${baseUrl}/audio/speech`,
		'POST',
		{ 'content-type': 'application/json', 'content-length': body.length },
		body,
	);
}

/** Uploads `length` bytes of `stream` as the multipart `file` of a transcription request. */
async function upload(
	baseUrl: string,
	stream: Readable,
	length: number,
	fileName: string,
): Promise<void> {
	const form = new FormData();
	form.append('model', 'whisper-1');
	form.append('response_format', 'json');
	form.append('file', stream, { filename: fileName, knownLength: length });
	await send(
		`${baseUrl}/audio/transcriptions`,
		'POST',
		{ ...form.getHeaders(), 'content-length': form.getLengthSync() },
		form,
	);
}

/** Transcribes a whole file in one upload. */
export async function transcribeFile(baseUrl: string, file: string): Promise<void> {
	await upload(baseUrl, createReadStream(file), statSync(file).size, 'upload.wav');
}

/**
 * Transcribes a WAV or MP3 file as `chunks` uploads, `concurrency` at a time, the way a script
 * would: WAV as equal ranges of its samples, each behind its own header; MP3 as equal byte
 * ranges (the stub reads the duration from the bitrate).
 *
 * @returns the wall time in milliseconds.
 */
export async function transcribeInChunks(
	baseUrl: string,
	file: string,
	chunks: number,
	concurrency: number,
): Promise<number> {
	const size = statSync(file).size;
	const head = Buffer.alloc(65536);
	const fd = openSync(file, 'r');
	readSync(fd, head, 0, head.length, 0);
	closeSync(fd);
	const layout = head.toString('latin1', 0, 4) === 'RIFF' ? readWavLayout(head) : undefined;
	const start = layout?.dataOffset ?? 0;
	const align = layout?.format.blockAlign ?? 1;
	const step = Math.ceil((size - start) / chunks / align) * align;
	const ranges = Array.from({ length: chunks }, (_v, i) => [
		start + i * step,
		Math.min(size, start + (i + 1) * step),
	]);
	const started = Date.now();
	let next = 0;
	const worker = async () => {
		while (next < ranges.length) {
			const [from, to] = ranges[next++];
			const body = createReadStream(file, { start: from, end: to - 1 });
			if (!layout) {
				await upload(baseUrl, body, to - from, 'chunk.mp3');
				continue;
			}
			const header = wavHeader(layout.format, to - from);
			const joined = new PassThrough();
			joined.write(header);
			body.pipe(joined);
			await upload(baseUrl, joined, header.length + to - from, 'chunk.wav');
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
	return Date.now() - started;
}
