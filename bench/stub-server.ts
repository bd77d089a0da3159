/**
 * A fast stand-in for a speech provider, for the benchmark: OpenAI's audio routes on loopback,
 * answering at a set pace without running any engine.
 *
 * - `POST /v1/audio/transcriptions` and `/audio/translations` read the upload as it streams in
 *   (never holding it whole), take the audio's duration from its first bytes (WAV header, or the
 *   bitrate of a constant-bitrate MP3), wait `msPerAudioMinute` per minute of audio, and answer
 *   `{text, duration}`.
 *   An upload over `maxUploadBytes` gets OpenAI's 413, as the real API answers past its 25 MB
 *   limit ("File uploads are currently limited to 25 MB",
 *   https://developers.openai.com/api/docs/guides/speech-to-text; the reply body as users report
 *   it in https://github.com/chidiwilliams/buzz/issues/381).
 * - `POST /v1/audio/speech` waits `speechDelayMs` and answers a small mp3.
 * - `GET /v1/models` lists two models.
 */
import busboy from 'busboy';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { mpegFrameHeader } from '../package/lib/audio/frames';
import { readWavLayout } from '../package/lib/audio/wav';

export interface StubOptions {
	/** Delay per minute of uploaded audio, in milliseconds. */
	msPerAudioMinute: number;
	/** Delay of each speech reply, in milliseconds. */
	speechDelayMs: number;
	/** The audio every speech request gets. */
	speechAudio: Buffer;
	/** The largest request body taken on the upload routes, in bytes; OpenAI's is 26,214,400. */
	maxUploadBytes?: number;
}

export interface StubServer {
	baseUrl: string;
	/** Requests answered so far. */
	requests: number;
	/** The most requests in flight at once so far. */
	maxInFlight: number;
	options: StubOptions;
	stop(): Promise<void>;
}

/** Audio duration in seconds from a file's first bytes and its size, or 0 when unknown. */
export function secondsOf(head: Buffer, size: number): number {
	if (head.toString('latin1', 0, 4) === 'RIFF') {
		const layout = readWavLayout(head);
		return layout ? (size - layout.dataOffset) / layout.format.byteRate : 0;
	}
	for (let at = 0; at < head.length - 4; at++) {
		const frame = mpegFrameHeader(head, at);
		if (frame) return (size * 8) / ((frame.length * 8 * frame.sampleRate) / frame.samples);
	}
	return 0;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the stub on 127.0.0.1 at a free port. */
export async function startStubServer(options: StubOptions): Promise<StubServer> {
	let inFlight = 0;
	const state: StubServer = {
		baseUrl: '',
		requests: 0,
		maxInFlight: 0,
		options,
		stop: async () => undefined,
	};
	const server = http.createServer((req, res) => {
		inFlight++;
		state.maxInFlight = Math.max(state.maxInFlight, inFlight);
		const done = (status: number, body: Buffer | string, type: string) => {
			inFlight--;
			state.requests++;
			res.writeHead(status, { 'content-type': type }).end(body);
		};
		const path = (req.url ?? '').replace(/\?.*$/, '');
		if (req.method === 'GET' && path === '/v1/models') {
			done(
				200,
				JSON.stringify({
					object: 'list',
					data: ['tts-1', 'whisper-1'].map((id) => ({ id, object: 'model', owned_by: 'stub' })),
				}),
				'application/json',
			);
			return;
		}
		if (req.method === 'POST' && path === '/v1/audio/speech') {
			req.resume();
			req.on('end', () => {
				void sleep(options.speechDelayMs).then(() => done(200, options.speechAudio, 'audio/mpeg'));
			});
			return;
		}
		if (req.method === 'POST' && /^\/v1\/audio\/(transcriptions|translations)$/.test(path)) {
			const limit = options.maxUploadBytes ?? Infinity;
			const tooLarge = (read: number) => {
				const message = `Maximum content size limit (${limit}) exceeded (${read} bytes read)`;
				const body = { error: { message, type: 'server_error', param: null, code: null } };
				done(413, JSON.stringify(body), 'application/json');
			};
			const length = Number(req.headers['content-length'] ?? 0);
			if (length > limit) {
				req.resume();
				req.on('end', () => tooLarge(length));
				return;
			}
			let head = Buffer.alloc(0);
			let size = 0;
			const parser = busboy({ headers: req.headers });
			parser.on('file', (_name, stream) => {
				stream.on('data', (chunk: Buffer) => {
					if (head.length < 65536) head = Buffer.concat([head, chunk]).subarray(0, 65536);
					size += chunk.length;
				});
			});
			parser.on('close', () => {
				// A body sent without a Content-Length is measured as it arrives.
				if (size > limit) return tooLarge(size);
				const seconds = secondsOf(head, size);
				void sleep((seconds / 60) * options.msPerAudioMinute).then(() =>
					done(
						200,
						JSON.stringify({ text: `${Math.round(seconds)} seconds`, duration: seconds }),
						'application/json',
					),
				);
			});
			req.pipe(parser);
			return;
		}
		done(404, JSON.stringify({ error: { message: `no route ${path}` } }), 'application/json');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
	state.stop = async () => await new Promise<void>((resolve) => server.close(() => resolve()));
	return state;
}
