/**
 * The bench stub on the shared core: its routes answer as the bench expects, the upload's
 * duration is read from its first bytes, and requests are counted.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { startStubServer, type StubServer } from '../../bench/stub-server';
import { FIXTURES } from '../support/openai-server';

describe('bench stub server', () => {
	let stub: StubServer;
	const mp3 = readFileSync(path.join(FIXTURES, 'hello.mp3'));
	beforeAll(async () => {
		stub = await startStubServer({ msPerAudioMinute: 0, speechDelayMs: 0, speechAudio: mp3 });
	});
	afterAll(async () => await stub.stop());

	it('lists models, speaks, transcribes with the upload duration, and 404s the rest', async () => {
		const models = await fetch(`${stub.baseUrl}/models`);
		expect(models.status).toBe(200);
		expect(
			((await models.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id),
		).toEqual(['tts-1', 'whisper-1']);

		const speech = await fetch(`${stub.baseUrl}/audio/speech`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ model: 'tts-1', input: 'Hi', voice: 'alloy' }),
		});
		expect(speech.headers.get('content-type')).toBe('audio/mpeg');
		expect(Buffer.from(await speech.arrayBuffer()).equals(mp3)).toBe(true);

		const wav = readFileSync(path.join(FIXTURES, 'hello.wav'));
		const form = new FormData();
		form.append('model', 'whisper-1');
		form.append('file', new Blob([wav], { type: 'audio/wav' }), 'hello.wav');
		const transcript = await fetch(`${stub.baseUrl}/audio/transcriptions`, {
			method: 'POST',
			body: form,
		});
		const body = (await transcript.json()) as { text: string; duration: number };
		// ffprobe gives hello.wav 1.235 s.
		expect(body.duration).toBeCloseTo(1.235, 2);

		expect((await fetch(`${stub.baseUrl}/nowhere`)).status).toBe(404);
		expect(stub.requests).toBe(4);
		expect(stub.maxInFlight).toBe(1);
	});
});
