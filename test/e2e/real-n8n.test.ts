/**
 * End-to-end: the packed package installed into a real n8n (1.x and 2.x), workflows imported and
 * run with `n8n execute`, against the reference speech server's real engines.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { speechFormatInfo } from '../../package/lib/audio/container';
import { parseSubtitles } from '../../package/lib/transcript/subtitles';
import {
	N8N_VERSIONS,
	N8nInstance,
	nodeOutput,
	ROOT,
	type BinaryDataMode,
	type Execution,
	type N8nMajor,
} from '../../e2e/n8n';
import { wordErrorRate } from '../../e2e/wer';
import {
	failingWorkflow,
	formatsWorkflow,
	SENTENCES,
	SPEECH_FORMATS,
	sentencesWorkflow,
	styleWorkflows,
	subtitlesWorkflow,
	translationAndModelsWorkflow,
} from '../../e2e/workflows';
import { startReferenceServer, type ReferenceServer } from '../../server/reference-server';
import { OpenAiTestServer } from '../support/openai-server';

jest.setTimeout(10 * 60_000);

const REF_KEY = 'sk-ref-e2e-7f3a9c';
const WRONG_KEY = 'sk-wrong-e2e-SECRET-5d1e';
/** Measured word error rates, written to build/e2e-results.json for the record. */
const measured: Array<{ n8n: string; mode: string; what: string; wer: number }> = [];

const output = nodeOutput;

function succeeded(execution: Execution) {
	expect(execution.data).toBeDefined();
	expect(execution.data!.resultData.error).toBeUndefined();
}

/** Each version runs everything in its default binary mode and the main workflows in the other. */
const INSTANCES: Array<[N8nMajor, BinaryDataMode, 'all' | 'main']> = N8N_VERSIONS.flatMap(
	(major) => {
		const native: BinaryDataMode = major === 1 ? 'default' : 'filesystem';
		const other: BinaryDataMode = native === 'default' ? 'filesystem' : 'default';
		return [
			[major, native, 'all'],
			[major, other, 'main'],
		] as Array<[N8nMajor, BinaryDataMode, 'all' | 'main']>;
	},
);

let server: ReferenceServer;
let stoppedBaseUrl: string;
/** Simulators of the other API styles (test/support), which the real n8n talks to on loopback. */
const simulators = {
	azure: new OpenAiTestServer('azure'),
	gateway: new OpenAiTestServer('gateway'),
	opper: new OpenAiTestServer('opper'),
	openai: new OpenAiTestServer('openai'),
};

beforeAll(async () => {
	for (const sim of Object.values(simulators)) {
		await sim.start();
		sim.apiKey = REF_KEY;
	}
	server = await startReferenceServer({ apiKey: REF_KEY });
	const stopped = await startReferenceServer();
	stoppedBaseUrl = stopped.baseUrl;
	await stopped.stop();
});

afterAll(async () => {
	await server?.stop();
	for (const sim of Object.values(simulators)) await sim.stop();
	mkdirSync(path.join(ROOT, 'build'), { recursive: true });
	writeFileSync(path.join(ROOT, 'build/e2e-results.json'), JSON.stringify(measured, null, 2));
});

describe.each(INSTANCES)('n8n %s.x, binary data mode %s', (major, binaryMode, scope) => {
	let n8n: N8nInstance;
	const label = `${major}.x`;

	beforeAll(async () => {
		n8n = new N8nInstance(major, binaryMode);
		await n8n.importCredentials([
			{
				id: 'audioRef',
				name: 'Reference server',
				type: 'audioApi',
				data: { baseUrl: server.baseUrl, apiKey: REF_KEY },
			},
			{
				id: 'audioWrongKey',
				name: 'Wrong key',
				type: 'audioApi',
				data: { baseUrl: server.baseUrl, apiKey: WRONG_KEY },
			},
			{
				id: 'audioStopped',
				name: 'Stopped server',
				type: 'audioApi',
				data: { baseUrl: stoppedBaseUrl, apiKey: REF_KEY },
			},
		]);
		for (const wf of [
			sentencesWorkflow(),
			formatsWorkflow(),
			subtitlesWorkflow(),
			translationAndModelsWorkflow(),
			failingWorkflow('e2eWrongKey', 'audioWrongKey', false),
			failingWorkflow('e2eWrongKeyCof', 'audioWrongKey', true),
			failingWorkflow('e2eStopped', 'audioStopped', false),
			failingWorkflow('e2eStoppedCof', 'audioStopped', true),
		]) {
			await n8n.importWorkflow(wf);
		}
	});

	afterAll(() => n8n?.dispose());

	function checkBinaryMode(binary: { data?: string; id?: string } | undefined) {
		expect(binary).toBeDefined();
		if (binaryMode === 'filesystem') {
			expect(binary!.id).toMatch(/^filesystem/);
			expect(binary!.data).not.toMatch(/^[A-Za-z0-9+/]{100}/);
		} else {
			expect(binary!.id).toBeUndefined();
			expect(Buffer.from(binary!.data!, 'base64').length).toBeGreaterThan(1000);
		}
	}

	it('(a) speaks three sentences as mp3 and transcribes each back (WER <= 0.25), paired to its sentence', async () => {
		const execution = await n8n.execute('e2eSentences');
		succeeded(execution);
		const sentences = output(execution, 'One Item Each');
		const speech = output(execution, 'Speak');
		const transcripts = output(execution, 'Transcribe');
		expect(transcripts).toHaveLength(3);
		transcripts.forEach((item, i) => {
			expect(item.pairedItem).toEqual({ item: i });
			expect(speech[i].pairedItem).toEqual({ item: i });
			expect(sentences[i].json.sentence).toBe(SENTENCES[i]);
			checkBinaryMode(speech[i].binary?.data);
			const wer = wordErrorRate(SENTENCES[i], String(item.json.text));
			measured.push({
				n8n: label,
				mode: binaryMode,
				what: `(a) "${SENTENCES[i]}" -> "${item.json.text}"`,
				wer,
			});
			expect(wer).toBeLessThanOrEqual(0.25);
		});
		if (binaryMode === 'filesystem') expect(n8n.storedBinaryFiles().length).toBeGreaterThan(0);
	});

	it('(b) speaks every response_format with the right MIME type and extension, and each decodes', async () => {
		const execution = await n8n.execute('e2eFormats');
		succeeded(execution);
		const speech = output(execution, 'Speak');
		const transcripts = output(execution, 'Transcribe');
		SPEECH_FORMATS.forEach((format, i) => {
			const binary = speech[i].binary!.data;
			const expected = speechFormatInfo(format);
			expect(binary.mimeType).toBe(expected.mimeType);
			expect(binary.fileName).toBe(`speech.${expected.extension}`);
			expect(speech[i].json).toMatchObject({
				response_format: format,
				mimeType: expected.mimeType,
			});
			checkBinaryMode(binary);
			const wer = wordErrorRate(SENTENCES[0], String(transcripts[i].json.text));
			measured.push({
				n8n: label,
				mode: binaryMode,
				what: `(b) ${format} -> "${transcripts[i].json.text}"`,
				wer,
			});
			expect(wer).toBeLessThanOrEqual(0.25);
		});
	});

	if (scope === 'main') return;

	it('(c) gives srt, vtt and verbose_json whose cue and segment times rise and stay within the audio', async () => {
		const execution = await n8n.execute('e2eSubtitles');
		succeeded(execution);
		const verbose = output(execution, 'Verbose')[0].json as {
			duration: number;
			segments: Array<{ start: number; end: number }>;
			words: Array<{ start: number; end: number }>;
			text: string;
		};
		expect(verbose.duration).toBeGreaterThan(4);
		const monotonic = (spans: Array<{ start: number; end: number }>) => {
			expect(spans.length).toBeGreaterThan(0);
			spans.forEach((span, i) => {
				expect(span.start).toBeLessThanOrEqual(span.end);
				expect(span.end).toBeLessThanOrEqual(verbose.duration + 0.05);
				if (i > 0) expect(span.start).toBeGreaterThanOrEqual(spans[i - 1].start);
			});
		};
		monotonic(verbose.segments);
		monotonic(verbose.words);
		for (const node of ['SRT', 'VTT']) {
			const item = output(execution, node)[0];
			const cues = parseSubtitles(String(item.json.subtitles));
			monotonic(cues);
			expect(item.json.cues).toEqual(cues);
		}
		const srt = output(execution, 'SRT')[0];
		expect(srt.binary?.subtitles).toMatchObject({
			fileName: 'speech.srt',
			mimeType: 'application/x-subrip',
		});
		const wer = wordErrorRate(SENTENCES.join(' '), String(srt.json.text));
		measured.push({ n8n: label, mode: binaryMode, what: '(c) three sentences as srt', wer });
		expect(wer).toBeLessThanOrEqual(0.25);
	});

	it('(d) translates speech to English and lists the audio models', async () => {
		const execution = await n8n.execute('e2eTranslate');
		succeeded(execution);
		const [translation] = output(execution, 'Translate');
		expect(translation.json.task).toBe('translate');
		const wer = wordErrorRate(SENTENCES[1], String(translation.json.text));
		measured.push({
			n8n: label,
			mode: binaryMode,
			what: `(d) translation -> "${translation.json.text}"`,
			wer,
		});
		expect(wer).toBeLessThanOrEqual(0.25);
		const models = output(execution, 'Models').map((m) => [m.json.id, m.json.kind]);
		expect(models).toEqual(
			[
				['flite', 'other'],
				['gpt-4o-mini-tts', 'tts'],
				['pocketsphinx', 'other'],
				['tts-1', 'tts'],
				['whisper-1', 'stt'],
			].filter(([, kind]) => kind !== 'other'),
		);
	});

	const failures: Array<[string, string, RegExp]> = [
		['a wrong API key', 'e2eWrongKey', /^The provider answered 401: Incorrect API key provided\.$/],
		[
			'a stopped server',
			'e2eStopped',
			/^Could not connect to 127\.0\.0\.1:\d+: the connection was refused$/,
		],
	];

	it.each(failures)(
		"(e) %s fails the run with the node's clear error, and the key appears nowhere",
		async (_what, id, message) => {
			const execution = await n8n.execute(id);
			expect(execution.exitCode).not.toBe(0);
			const error = execution.data?.resultData.error;
			expect(error?.message).toMatch(message);
			expect(execution.data?.resultData.runData.Speak?.[0]?.error?.message).toMatch(message);
			for (const key of [WRONG_KEY, REF_KEY])
				expect(execution.stdout + execution.stderr).not.toContain(key);
		},
	);

	it.each(failures)(
		'(e) %s with Continue On Fail finishes with an error item per input item',
		async (_what, id, message) => {
			const execution = await n8n.execute(`${id}Cof`);
			succeeded(execution);
			const items = output(execution, 'Speak');
			expect(items).toHaveLength(2);
			items.forEach((item, i) => {
				expect(item.pairedItem).toEqual({ item: i });
				expect(String(item.json.error)).toMatch(message);
			});
			for (const key of [WRONG_KEY, REF_KEY])
				expect(execution.stdout + execution.stderr).not.toContain(key);
		},
	);
});

describe.each(N8N_VERSIONS)('API styles in n8n %s.x', (major) => {
	let n8n: N8nInstance;
	beforeAll(async () => {
		n8n = new N8nInstance(major, major === 1 ? 'default' : 'filesystem');
		await n8n.importCredentials([
			{
				id: 'audioAzure',
				name: 'Azure',
				type: 'audioApi',
				data: {
					apiStyle: 'azure',
					baseUrl: simulators.azure.baseUrl,
					apiKey: REF_KEY,
					apiVersion: '2024-10-21',
				},
			},
			{
				id: 'audioGateway',
				name: 'Gateway',
				type: 'audioApi',
				data: { baseUrl: simulators.gateway.baseUrl, apiKey: REF_KEY },
			},
			{
				id: 'audioOpper',
				name: 'Opper',
				type: 'audioApi',
				data: { apiStyle: 'opper', baseUrl: simulators.opper.baseUrl, apiKey: REF_KEY },
			},
			{
				id: 'audioChatSim',
				name: 'Chat',
				type: 'audioApi',
				data: { baseUrl: simulators.openai.baseUrl, apiKey: REF_KEY },
			},
		]);
		for (const wf of styleWorkflows()) await n8n.importWorkflow(wf);
	});
	afterAll(() => n8n?.dispose());
	beforeEach(() => Object.values(simulators).forEach((sim) => sim.requests.splice(0)));
	afterEach(() =>
		Object.values(simulators).forEach((sim) => expect(sim.contractViolations()).toEqual([])),
	);

	it('Azure OpenAI: speech and transcription go to their deployments with api-version and api-key', async () => {
		const execution = await n8n.execute('e2eAzure');
		succeeded(execution);
		expect(
			simulators.azure.requests.map((r) => [
				r.apiPath,
				r.deployment,
				r.apiVersion,
				r.headers['api-key'],
			]),
		).toEqual([
			['/audio/speech', 'tts-prod', '2024-10-21', REF_KEY],
			['/audio/transcriptions', 'whisper-prod', '2024-10-21', REF_KEY],
		]);
		expect(output(execution, 'Transcribe')[0].json.text).toBe('hello world');
	});

	it('/api/client/v1 gateway: the transcription goes as JSON with base64 audio and request_id comes back', async () => {
		const execution = await n8n.execute('e2eGateway');
		succeeded(execution);
		const [, upload] = simulators.gateway.requests;
		expect(upload.headers['content-type']).toBe('application/json');
		expect(upload.files![0].bytes.length).toBe(Number(output(execution, 'Speak')[0].json.bytes));
		expect(output(execution, 'Transcribe')[0].json).toMatchObject({
			text: 'hello world',
			request_id: 'req_gw_2',
		});
	});

	it('Opper: speech comes back as JSON audio with a file_id, which the transcription then uses; models list voices', async () => {
		const execution = await n8n.execute('e2eOpper');
		succeeded(execution);
		expect(output(execution, 'Speak')[0].json).toMatchObject({
			file_id: 'file_speech_1',
			mimeType: 'audio/mpeg',
		});
		expect(
			simulators.opper.requests.find((r) => r.apiPath === '/audio/transcriptions')?.json,
		).toEqual({
			model: 'openai/whisper-1',
			audio: 'file_speech_1',
			diarize: true,
		});
		expect(output(execution, 'Transcribe')[0].json).toMatchObject({
			text: 'hello world',
			segments: [{ speaker: 'speaker_0' }],
		});
		expect(output(execution, 'Models').map((m) => m.json.id)).toContain('openai/tts-1');
	});

	it('server-sent events (seeds 001 and 004): speech deltas become a WAV, transcript deltas the text', async () => {
		const before = simulators.openai.requests.length;
		const execution = await n8n.execute('e2eStream');
		succeeded(execution);
		const [spoken] = output(execution, 'Speak');
		expect(spoken.json).toMatchObject({ usage: { total_tokens: 64 }, mimeType: 'audio/wav' });
		expect(spoken.binary?.data).toMatchObject({ mimeType: 'audio/wav' });
		const [heard] = output(execution, 'Transcribe');
		expect(heard.json).toMatchObject({
			text: 'hello world',
			logprobs: [{ token: 'hello' }],
			usage: { total_tokens: 16 },
		});
		const [speech, transcription] = simulators.openai.requests.slice(before);
		expect(speech.json).toMatchObject({ stream_format: 'sse' });
		expect(transcription.fields).toMatchObject({ stream: 'true', include: ['logprobs'] });
		expect(transcription.files![0].bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
	});

	it('Audio Chat: the recording goes as input_audio and the spoken answer comes back as a binary', async () => {
		const execution = await n8n.execute('e2eChat');
		succeeded(execution);
		const [answer] = output(execution, 'Ask');
		expect(answer.json.text).toBe('The speaker says hello world.');
		expect(answer.binary?.answer).toMatchObject({ mimeType: 'audio/mpeg', fileName: 'answer.mp3' });
		const chat = simulators.openai.requests.find((r) => r.apiPath === '/chat/completions');
		expect(chat?.json).toMatchObject({
			model: 'gpt-4o-audio-preview',
			modalities: ['text', 'audio'],
		});
	});
});
