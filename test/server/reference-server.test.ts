import axios from 'axios';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import FormData from 'form-data';

import { parseSubtitles } from '../../package/lib/transcript/subtitles';
import { sniffContainer } from '../../package/lib/audio/container';
import { wordErrorRate } from '../../e2e/wer';
import { checkEngines, parsePocketsphinx } from '../../server/engines';
import { startReferenceServer, type ReferenceServer } from '../../server/reference-server';

const SENTENCE = 'the weather today is sunny and warm';

/** Duration in seconds of an audio file, as ffmpeg decodes it. */
function decodedSeconds(audio: Buffer, rawPcm = false): number {
	const dir = mkdtempSync(path.join(tmpdir(), 'ref-test-'));
	const file = path.join(dir, 'audio');
	writeFileSync(file, audio);
	const input = rawPcm ? ['-f', 's16le', '-ar', '24000', '-ac', '1', '-i', file] : ['-i', file];
	const pcm = execFileSync(
		'ffmpeg',
		['-loglevel', 'error', ...input, '-f', 's16le', '-ac', '1', '-ar', '16000', '-'],
		{
			maxBuffer: 1 << 26,
		},
	);
	return pcm.length / 2 / 16000;
}

describe('reference speech server (flite, ffmpeg, pocketsphinx)', () => {
	let server: ReferenceServer;
	const api = axios.create({ validateStatus: () => true });
	beforeAll(async () => {
		server = await startReferenceServer({ apiKey: 'sk-ref' });
		api.defaults.baseURL = server.baseUrl;
		api.defaults.headers.common.Authorization = 'Bearer sk-ref';
	});
	afterAll(async () => await server.stop());

	async function speak(body: Record<string, unknown>) {
		return await api.post('/audio/speech', body, { responseType: 'arraybuffer' });
	}

	async function upload(
		endpoint: string,
		audio: Buffer,
		fields: Record<string, string | string[]>,
	) {
		const form = new FormData();
		for (const [name, value] of Object.entries(fields)) {
			for (const v of ([] as string[]).concat(value))
				form.append(Array.isArray(value) ? `${name}[]` : name, v);
		}
		form.append('file', audio, { filename: 'speech.wav', contentType: 'audio/wav' });
		return await api.post(`/audio/${endpoint}`, form, {
			headers: form.getHeaders(),
			responseType: 'text',
		});
	}

	it('validates requests against the OpenAPI document', () => {
		expect(server.validating).toBe(true);
	});

	it.each([
		['mp3', 'audio/mpeg', 'mp3'],
		['opus', 'audio/ogg', 'ogg'],
		['aac', 'audio/aac', 'aac'],
		['flac', 'audio/flac', 'flac'],
		['wav', 'audio/wav', 'wav'],
	])('speaks %s that decodes to the speech duration', async (format, mimeType, container) => {
		const reply = await speak({
			model: 'tts-1',
			input: SENTENCE,
			voice: 'alloy',
			response_format: format,
		});
		expect(reply.status).toBe(200);
		expect(reply.headers['content-type']).toBe(mimeType);
		const audio = Buffer.from(reply.data);
		expect(sniffContainer(audio)?.container).toBe(container);
		expect(decodedSeconds(audio)).toBeGreaterThan(1.5);
	});

	it('speaks pcm as raw 24 kHz 16-bit mono', async () => {
		const reply = await speak({
			model: 'tts-1',
			input: SENTENCE,
			voice: 'alloy',
			response_format: 'pcm',
		});
		const audio = Buffer.from(reply.data);
		expect(sniffContainer(audio)).toBeUndefined();
		expect(decodedSeconds(audio, true)).toBeCloseTo(audio.length / 2 / 24000, 1);
	});

	it('applies speed with atempo', async () => {
		const normal = decodedSeconds(
			Buffer.from(
				(await speak({ model: 'tts-1', input: SENTENCE, voice: 'alloy', response_format: 'wav' }))
					.data,
			),
		);
		const fast = decodedSeconds(
			Buffer.from(
				(
					await speak({
						model: 'tts-1',
						input: SENTENCE,
						voice: 'alloy',
						response_format: 'wav',
						speed: 4,
					})
				).data,
			),
		);
		const slow = decodedSeconds(
			Buffer.from(
				(
					await speak({
						model: 'tts-1',
						input: SENTENCE,
						voice: 'alloy',
						response_format: 'wav',
						speed: 0.5,
					})
				).data,
			),
		);
		expect(fast / normal).toBeCloseTo(0.25, 1);
		expect(slow / normal).toBeCloseTo(2, 1);
	});

	it('transcribes its own speech back, in every format, with real timings', async () => {
		const wav = Buffer.from(
			(await speak({ model: 'tts-1', input: SENTENCE, voice: 'alloy', response_format: 'wav' }))
				.data,
		);
		const duration = decodedSeconds(wav);

		const json = await upload('transcriptions', wav, { model: 'whisper-1' });
		expect(json.status).toBe(200);
		expect(wordErrorRate(SENTENCE, JSON.parse(json.data).text)).toBeLessThanOrEqual(0.25);

		const text = await upload('transcriptions', wav, {
			model: 'whisper-1',
			response_format: 'text',
		});
		expect(wordErrorRate(SENTENCE, text.data)).toBeLessThanOrEqual(0.25);

		for (const format of ['srt', 'vtt'] as const) {
			const reply = await upload('transcriptions', wav, {
				model: 'whisper-1',
				response_format: format,
			});
			const cues = parseSubtitles(reply.data);
			expect(cues.length).toBeGreaterThan(0);
			for (const cue of cues) {
				expect(cue.start).toBeLessThan(cue.end);
				expect(cue.end).toBeLessThanOrEqual(duration + 0.05);
			}
			if (format === 'vtt') expect(reply.data.startsWith('WEBVTT')).toBe(true);
		}

		const verbose = JSON.parse(
			(
				await upload('transcriptions', wav, {
					model: 'whisper-1',
					response_format: 'verbose_json',
					timestamp_granularities: ['word', 'segment'],
				})
			).data,
		);
		expect(verbose.task).toBe('transcribe');
		expect(verbose.duration).toBeCloseTo(duration, 1);
		expect(verbose.segments.length).toBeGreaterThan(0);
		const starts = verbose.words.map((w: { start: number }) => w.start);
		expect([...starts].sort((a, b) => a - b)).toEqual(starts);
		expect(verbose.words.length).toBeGreaterThanOrEqual(5);
	});

	it('translates English to English', async () => {
		const wav = Buffer.from(
			(await speak({ model: 'tts-1', input: SENTENCE, voice: 'slt', response_format: 'mp3' })).data,
		);
		const reply = await upload('translations', wav, {
			model: 'whisper-1',
			response_format: 'verbose_json',
		});
		expect(JSON.parse(reply.data).task).toBe('translate');
		expect(wordErrorRate(SENTENCE, JSON.parse(reply.data).text)).toBeLessThanOrEqual(0.25);
	});

	it('refuses invalid requests with OpenAI-shaped 400s', async () => {
		const speech = await speak({ model: 'tts-1', input: 'hi', voice: 'alloy', speed: 9 });
		expect(speech.status).toBe(400);
		expect(JSON.parse(Buffer.from(speech.data).toString()).error).toMatchObject({
			type: 'invalid_request_error',
			code: 'invalid_request',
		});
		const translation = await upload('translations', Buffer.from('RIFF'), {
			model: 'whisper-1',
			language: 'de',
		});
		expect(translation.status).toBe(400);
		expect(JSON.parse(translation.data).error.message).toMatch(/additional properties/);
		const notAudio = await upload('transcriptions', Buffer.from('not audio at all'), {
			model: 'whisper-1',
		});
		expect(notAudio.status).toBe(400);
		expect(JSON.parse(notAudio.data).error.code).toBe('invalid_file_format');
	});

	it('refuses a wrong key with 401', async () => {
		const reply = await api.get('/models', { headers: { Authorization: 'Bearer nope' } });
		expect(reply.status).toBe(401);
		expect(reply.data.error.code).toBe('invalid_api_key');
	});

	it('lists its models', async () => {
		const reply = await api.get('/models');
		expect(reply.data.data.map((m: { id: string }) => m.id)).toEqual([
			'gpt-4o-mini-tts',
			'tts-1',
			'flite',
			'whisper-1',
			'pocketsphinx',
		]);
	});
});

describe('engines', () => {
	it('say which apt-get line installs a missing engine', () => {
		expect(() => checkEngines({ PATH: '/nonexistent' })).toThrow(
			/apt-get install -y --no-install-recommends flite ffmpeg pocketsphinx pocketsphinx-en-us/,
		);
		expect(() => checkEngines()).not.toThrow();
	});

	it('read pocketsphinx output into utterances with word timings', () => {
		const output =
			'hello world\n<s> 0.100 0.120 0.999\nhello 0.130 0.500 0.9\n<sil> 0.5 0.6 1.0\nworld(2) 0.610 1.000 0.8\n</s> 1.0 1.1 1\n\nagain\nagain 2.000 2.400 0.7\n';
		expect(parsePocketsphinx(output)).toEqual([
			{
				text: 'hello world',
				start: 0.13,
				end: 1,
				words: [
					{ word: 'hello', start: 0.13, end: 0.5 },
					{ word: 'world', start: 0.61, end: 1 },
				],
			},
			{ text: 'again', start: 2, end: 2.4, words: [{ word: 'again', start: 2, end: 2.4 }] },
		]);
	});
});

describe('wordErrorRate', () => {
	it('counts substitutions, insertions and deletions over reference words', () => {
		expect(wordErrorRate('the quick brown fox', 'The quick, brown fox!')).toBe(0);
		expect(wordErrorRate('the quick brown fox jumps', 'the quick brown fox jumped')).toBeCloseTo(
			0.2,
		);
		expect(wordErrorRate('a b c d', 'a c d e')).toBe(0.5);
		expect(wordErrorRate('', '')).toBe(0);
	});
});
