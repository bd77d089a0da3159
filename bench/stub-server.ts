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

import { mpegFrameHeader } from '../package/lib/audio/frames';
import { readWavLayout } from '../package/lib/audio/wav';
import { modelList, startCoreServer, type CoreRequest, type Reply } from '../server/openai-core';

export interface StubOptions {
	/** Delay per minute of uploaded audio, in milliseconds. */
	msPerAudioMinute: number;
	/** Delay of each speech reply, in milliseconds. */
	speechDelayMs: number;
	/** The audio every speech request gets. */
	speechAudio: Buffer;
	/** The largest upload taken on the upload routes, in bytes; OpenAI's is 26,214,400. */
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

/** Reads an upload as it streams in: the file's first 64 KiB and its size. */
async function sizeUp(request: CoreRequest): Promise<{ head: Buffer; size: number }> {
	return await new Promise((resolve, reject) => {
		let head = Buffer.alloc(0);
		let size = 0;
		const parser = busboy({ headers: request.headers });
		parser.on('file', (_name, stream) => {
			stream.on('data', (chunk: Buffer) => {
				if (head.length < 65536) head = Buffer.concat([head, chunk]).subarray(0, 65536);
				size += chunk.length;
			});
		});
		parser.on('close', () => resolve({ head, size }));
		parser.on('error', reject);
		request.raw.pipe(parser);
	});
}

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
	const upload = async (request: CoreRequest): Promise<Reply> => {
		const { head, size } = await sizeUp(request);
		const limit = options.maxUploadBytes ?? Infinity;
		const read = Math.max(size, Number(request.headers['content-length'] ?? 0));
		if (read > limit) {
			const message = `Maximum content size limit (${limit}) exceeded (${read} bytes read)`;
			return {
				status: 413,
				body: { error: { message, type: 'server_error', param: null, code: null } },
			};
		}
		const seconds = secondsOf(head, size);
		await sleep((seconds / 60) * options.msPerAudioMinute);
		return { status: 200, body: { text: `${Math.round(seconds)} seconds`, duration: seconds } };
	};
	// Routed by the OpenAPI operationId the core found; the body is left for each to read.
	const handlers: Record<string, (request: CoreRequest) => Promise<Reply>> = {
		listModels: async () =>
			modelList(
				['tts-1', 'whisper-1'].map((id) => ({ id, object: 'model', created: 0, owned_by: 'stub' })),
			),
		createSpeech: async (request) => {
			await new Promise((resolve) => request.raw.on('end', resolve).resume());
			await sleep(options.speechDelayMs);
			return { status: 200, headers: { 'content-type': 'audio/mpeg' }, body: options.speechAudio };
		},
		createTranscription: upload,
		createTranslation: upload,
	};
	const core = await startCoreServer({
		readBody: false,
		answer: async (request) => {
			inFlight++;
			state.maxInFlight = Math.max(state.maxInFlight, inFlight);
			const handler = request.operationId ? handlers[request.operationId] : undefined;
			const reply = handler
				? await handler(request)
				: { status: 404, body: { error: { message: `no route ${request.url.pathname}` } } };
			inFlight--;
			state.requests++;
			return reply;
		},
	});
	state.baseUrl = `${core.origin}/v1`;
	state.stop = core.stop;
	return state;
}
