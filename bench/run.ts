/**
 * `npm run bench`: the long-media benchmark. Real n8n 2.x processes run this package's nodes
 * against a local stub provider (bench/stub-server.ts); each figure is the median of
 * BENCH_RUNS runs (default 3) and stands beside a baseline measured in the same run. Writes
 * bench/results.md.
 *
 * (a) Peak RSS of n8n transcribing a 500 MB WAV and a 144 MB (2-hour) MP3 in filesystem mode,
 *     against a one-second file (the fixed cost) and against the same files in memory mode
 *     (n8n buffers every binary whole).
 * (b) Wall time of the 2-hour MP3 (10 MB chunks) against a stub taking 100 ms per minute of
 *     audio, at Chunk Concurrency 1 and 4.
 * (c) Per-request time of each node against a direct HTTP request to the same stub: 1 KB text
 *     (Speech), 1 MB upload (Transcription, Translation), and the model list.
 * (d) A 100-item Speech batch (50 ms per reply) at Item Concurrency 1 and 4.
 */
import { execFileSync } from 'node:child_process';
import {
	createReadStream,
	createWriteStream,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import FormData from 'form-data';

import { joinAudio } from '../package/lib/audio/join';
import { pcm16Format, wavHeader } from '../package/lib/audio/wav';
import { N8nInstance, ROOT, nodeOutput, type BinaryDataMode, type Execution } from '../e2e/n8n';
import { listItems, speechNode, transcriptionNode, workflow, PACKAGE } from '../e2e/workflows';
import { startStubServer, type StubServer } from './stub-server';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FIXTURES = path.join(ROOT, 'test/fixtures/audio');

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const mb = (bytes: number) => bytes / 1e6;
const fixed = (value: number, digits = 1) => value.toFixed(digits);

async function writeWav(file: string, dataBytes: number): Promise<void> {
	const format = pcm16Format(48000, 2);
	const second = Buffer.alloc(format.byteRate);
	for (let i = 0; i < second.length / 4; i++) {
		const sample = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 48000));
		second.writeInt16LE(sample, i * 4);
		second.writeInt16LE(sample, i * 4 + 2);
	}
	const out = createWriteStream(file);
	out.write(wavHeader(format, dataBytes));
	for (let written = 0; written < dataBytes; written += second.length) {
		const block = second.subarray(0, Math.min(second.length, dataBytes - written));
		if (!out.write(block)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
	}
	await new Promise<void>((resolve) => out.end(() => resolve()));
}

function mp3Minute(): Buffer {
	return execFileSync(
		'ffmpeg',
		[
			...['-v', 'error', '-f', 'lavfi', '-i', 'sine=f=440:d=60', '-f', 'lavfi'],
			...['-i', 'anoisesrc=d=60:a=0.05', '-filter_complex', 'amix=inputs=2', '-ac', '1'],
			...['-ar', '44100', '-c:a', 'libmp3lame', '-b:a', '160k', '-f', 'mp3', '-'],
		],
		{ maxBuffer: 1 << 26 },
	);
}

function time(execution: Execution, node: string): number {
	nodeOutput(execution, node);
	return execution.data!.resultData.runData[node][0].executionTime ?? NaN;
}

function check(execution: Execution, node: string): Execution {
	const items = nodeOutput(execution, node);
	const failed = items.find((item) => item.json.error);
	if (failed) throw new Error(`${node} failed: ${String(failed.json.error)}`);
	return execution;
}

async function main(): Promise<void> {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'audio-bench-'));
	const lines: string[] = [];
	const log = (line: string) => {
		console.log(line);
		lines.push(line);
	};
	let stub: StubServer | undefined;
	const instances: N8nInstance[] = [];
	try {
		console.log(`files in ${dir}`);
		const wav500 = path.join(dir, 'long.wav');
		await writeWav(wav500, 500e6 - 44);
		const mp3 = path.join(dir, 'two-hours.mp3');
		writeFileSync(mp3, joinAudio('mp3', Array<Buffer>(120).fill(mp3Minute())));
		const small = path.join(dir, 'small.wav');
		writeFileSync(small, readFileSync(path.join(FIXTURES, 'hello.wav')));
		mkdirSync(path.join(dir, 'uploads'));
		const oneMb = Buffer.concat([
			wavHeader(pcm16Format(16000), 1e6 - 44),
			Buffer.alloc(1e6 - 44, 1),
		]);
		for (let i = 0; i < 20; i++) writeFileSync(path.join(dir, `uploads/u${i}.wav`), oneMb);

		stub = await startStubServer({
			msPerAudioMinute: 0,
			speechDelayMs: 0,
			speechAudio: readFileSync(path.join(FIXTURES, 'hello.mp3')),
		});
		const env = { N8N_RESTRICT_FILE_ACCESS_TO: dir };
		const instance = async (mode: BinaryDataMode) => {
			const n8n = new N8nInstance(2, mode);
			instances.push(n8n);
			await n8n.importCredentials([
				{
					id: 'audioRef',
					name: 'Stub',
					type: 'audioApi',
					data: { baseUrl: stub!.baseUrl, apiKey: 'bench' },
				},
			]);
			return n8n;
		};
		const read = (file: string) => ({
			name: 'Read',
			type: 'n8n-nodes-base.readWriteFile',
			parameters: { operation: 'read', fileSelector: file, options: {} },
		});
		const transcribeFile = (id: string, file: string, options: Record<string, unknown> = {}) =>
			workflow(id, id, [read(file), transcriptionNode('Transcribe', { options })]);

		const fsN8n = await instance('filesystem');
		const memN8n = await instance('default');
		for (const n8n of [fsN8n, memN8n]) {
			await n8n.importWorkflow(transcribeFile('benchSmall', small));
			await n8n.importWorkflow(transcribeFile('benchWav', wav500));
			await n8n.importWorkflow(transcribeFile('benchMp3', mp3));
		}
		/** Median peak RSS in MB, and the error when n8n could not run the workflow at all. */
		const peak = async (n8n: N8nInstance, id: string) => {
			const values: number[] = [];
			let failure: string | undefined;
			for (let run = 0; run < RUNS; run++) {
				const execution = await n8n.execute(id, env);
				values.push((execution.peakRssKb ?? NaN) / 1024);
				try {
					check(execution, 'Transcribe');
				} catch (error) {
					// n8n's own words, e.g. "Cannot create a string longer than 0x1fffffe8 characters".
					const said = `${execution.stdout}\n${execution.stderr}`
						.split('\n')
						.find((line) => /Cannot create|heap out of memory|ERR_|Error:/i.test(line));
					failure = (said ?? (error as Error).message.split('\n')[0]).trim().slice(0, 100);
				}
			}
			return { mb: median(values), failure };
		};
		const cell = ({ mb, failure }: { mb: number; failure?: string }, minus: number) =>
			failure
				? `${fixed(mb, 0)} (n8n failed: ${failure.replace(/\|/g, '/')}) | —`
				: `${fixed(mb, 0)} | ${fixed(mb - minus, 0)}`;

		log('## (a) Peak RSS of the n8n process, transcribing in filesystem mode');
		log('');
		log(
			'| file | size (MB) | peak RSS (MB) | growth over a 1 s file (MB) | memory mode peak (MB), the buffer-everything baseline | memory mode growth (MB) |',
		);
		log('|---|---|---|---|---|---|');
		const smallFs = await peak(fsN8n, 'benchSmall');
		const smallMem = await peak(memN8n, 'benchSmall');
		log(
			`| 1 s WAV (fixed cost) | 0.04 | ${cell(smallFs, smallFs.mb)} | ${cell(smallMem, smallMem.mb)} |`,
		);
		for (const [label, id, file] of [
			['WAV, 48 kHz stereo, 43 min', 'benchWav', wav500],
			['MP3, 160 kbps, 2 h', 'benchMp3', mp3],
		]) {
			const fs = await peak(fsN8n, id);
			const mem = await peak(memN8n, id);
			const size = mb(statSync(file).size);
			log(`| ${label} | ${fixed(size, 0)} | ${cell(fs, smallFs.mb)} | ${cell(mem, smallMem.mb)} |`);
		}
		log('');
		log('Target: growth of at most 100 MB whatever the file size.');
		log('');

		log('## (b) Wall time of a 2-hour MP3, stub at 100 ms per minute of audio, 10 MB chunks');
		log('');
		log('| Chunk Concurrency | Transcribe node (s) | speed-up |');
		log('|---|---|---|');
		stub.options.msPerAudioMinute = 100;
		const wall: Record<number, number> = {};
		for (const concurrency of [1, 4]) {
			const id = `benchChunks${concurrency}`;
			await fsN8n.importWorkflow(
				transcribeFile(id, mp3, { maxUploadMb: 10, chunkConcurrency: concurrency }),
			);
			const values: number[] = [];
			for (let run = 0; run < RUNS; run++) {
				values.push(time(check(await fsN8n.execute(id, env), 'Transcribe'), 'Transcribe'));
			}
			wall[concurrency] = median(values) / 1000;
			log(
				`| ${concurrency} | ${fixed(wall[concurrency], 2)} | ${fixed(wall[1] / wall[concurrency], 2)}x |`,
			);
		}
		stub.options.msPerAudioMinute = 0;
		log('');
		log('Target: at least 3x faster at 4.');
		log('');

		log('## (c) Per-request time: each node against a direct HTTP request to the same stub');
		log('');
		const text = 'A'.repeat(1000);
		const texts = Array.from({ length: 20 }, (_v, i) => `${i} ${text}`.slice(0, 1024));
		await fsN8n.importWorkflow(
			workflow('benchOverhead', 'Overhead', [
				...listItems('text', texts),
				speechNode('Speech', { input: '={{ $json.text }}' }),
				{
					name: 'Models',
					type: `${PACKAGE}.audioModels`,
					after: ['One Item Each'],
					parameters: { audioOnly: false, options: {} },
				},
				{ ...read(path.join(dir, 'uploads/*.wav')), name: 'Read Uploads', after: ['Start'] },
				transcriptionNode('Transcribe', {}, { after: ['Read Uploads'] }),
				{
					name: 'Translate',
					type: `${PACKAGE}.audioTranslation`,
					after: ['Read Uploads'],
					parameters: {
						binaryPropertyName: 'data',
						model: { __rl: true, mode: 'id', value: 'whisper-1' },
						responseFormat: 'json',
						options: {},
					},
				},
			]),
		);
		const nodeMs: Record<string, number[]> = {
			Speech: [],
			Models: [],
			Transcribe: [],
			Translate: [],
		};
		for (let run = 0; run < RUNS; run++) {
			const execution = await fsN8n.execute('benchOverhead', env);
			for (const node of Object.keys(nodeMs))
				nodeMs[node].push(time(check(execution, node), node) / 20);
		}
		// The direct request is what a script would send: a new connection each time, as n8n's
		// client makes, and for uploads the same 1 MB file streamed from disk with form-data.
		const direct = async (send: () => Promise<void>) => {
			const values: number[] = [];
			for (let run = 0; run < RUNS; run++) {
				const started = process.hrtime.bigint();
				for (let i = 0; i < 20; i++) await send();
				values.push(Number(process.hrtime.bigint() - started) / 1e6 / 20);
			}
			return median(values);
		};
		const request = async (
			method: string,
			route: string,
			headers: Record<string, string | number>,
			body?: Buffer | FormData,
		) =>
			await new Promise<void>((resolve, reject) => {
				const req = http.request(
					`${stub!.baseUrl}${route}`,
					{ method, agent: false, headers: { authorization: 'Bearer bench', ...headers } },
					(res) => {
						res.resume();
						res.on('end', resolve);
					},
				);
				req.on('error', reject);
				if (body instanceof FormData) body.pipe(req);
				else req.end(body);
			});
		const speechBody = Buffer.from(
			JSON.stringify({ model: 'tts-1', input: texts[0], voice: 'alloy' }),
		);
		const speechMs = await direct(
			async () =>
				await request(
					'POST',
					'/audio/speech',
					{ 'content-type': 'application/json', 'content-length': speechBody.length },
					speechBody,
				),
		);
		const upload = (route: string) => async () => {
			const form = new FormData();
			form.append('model', 'whisper-1');
			form.append('response_format', 'json');
			form.append('file', createReadStream(path.join(dir, 'uploads/u0.wav')), {
				filename: 'u0.wav',
				contentType: 'audio/wav',
				knownLength: oneMb.length,
			});
			await request(
				'POST',
				`/audio/${route}`,
				{ ...form.getHeaders(), 'content-length': form.getLengthSync() },
				form,
			);
		};
		const transcribeMs = await direct(upload('transcriptions'));
		const translateMs = await direct(upload('translations'));
		const modelsMs = await direct(async () => await request('GET', '/models', {}));
		log('| node | request | node per item (ms) | direct request (ms) | ratio |');
		log('|---|---|---|---|---|');
		for (const [node, what, baseline] of [
			['Speech', '1 KB text', speechMs],
			['Transcribe', '1 MB upload', transcribeMs],
			['Translate', '1 MB upload', translateMs],
			['Models', 'GET /models', modelsMs],
		] as const) {
			const ms = median(nodeMs[node]);
			log(
				`| ${node} | ${what} | ${fixed(ms, 2)} | ${fixed(baseline, 2)} | ${fixed(ms / baseline, 2)} |`,
			);
		}
		log('');
		log('Target: a ratio of at most 1.2 for the upload.');
		log('');

		log('## (d) A 100-item Speech batch, 50 ms per reply');
		log('');
		log('| Item Concurrency | Speech node (s) | speed-up |');
		log('|---|---|---|');
		stub.options.speechDelayMs = 50;
		const batch: Record<number, number> = {};
		const hundred = Array.from({ length: 100 }, (_v, i) => `Line ${i}.`);
		for (const concurrency of [1, 4]) {
			const id = `benchBatch${concurrency}`;
			await fsN8n.importWorkflow(
				workflow(id, id, [
					...listItems('text', hundred),
					speechNode('Speech', {
						input: '={{ $json.text }}',
						options: { itemConcurrency: concurrency },
					}),
				]),
			);
			const values: number[] = [];
			for (let run = 0; run < RUNS; run++) {
				values.push(time(check(await fsN8n.execute(id, env), 'Speech'), 'Speech'));
			}
			batch[concurrency] = median(values) / 1000;
			log(
				`| ${concurrency} | ${fixed(batch[concurrency], 2)} | ${fixed(batch[1] / batch[concurrency], 2)}x |`,
			);
		}
		log('');

		const n8nVersion = (
			JSON.parse(
				readFileSync(path.join(ROOT, 'e2e/n8n-2/node_modules/n8n/package.json'), 'utf8'),
			) as { version: string }
		).version;
		const cpus = os.cpus();
		const header = [
			'# Benchmark results',
			'',
			`Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: medians of ${RUNS} runs.`,
			`Machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${fixed(os.totalmem() / 2 ** 30, 0)} GiB memory, ${os.type()} ${os.release()}; Node ${process.version}; n8n ${n8nVersion}.`,
			"Times are the node's own execution time as n8n records it; memory is the n8n process's peak RSS (GNU time).",
			'',
		];
		writeFileSync(path.join(ROOT, 'bench/results.md'), [...header, ...lines].join('\n'));
		console.log('\nwrote bench/results.md');
	} finally {
		await stub?.stop();
		for (const n8n of instances) n8n.dispose();
		rmSync(dir, { recursive: true, force: true });
	}
}

main().catch((error: Error) => {
	console.error(error.stack);
	process.exit(1);
});
