/**
 * `npm run bench`: this package side by side with what n8n already ships. Real n8n 2.x processes
 * run each contender as a branch of one execution, against one local stub provider
 * (bench/stub-server.ts): this package's nodes, n8n's OpenAI node, the HTTP Request node with the
 * OpenAI credential (bench/peers.ts), and a bare Node client as the floor (bench/bare-client.ts).
 * Each figure is the median of BENCH_RUNS runs (default 3). Writes bench/results.md and
 * bench/chart.svg.
 *
 * 1. Per item: 100 × 1 MB WAV transcriptions (filesystem and default binary mode), 100 short
 *    texts to mp3, and 100 texts against a slow provider (100 ms per reply).
 * 2. Memory: peak RSS added over reading a 24 MB WAV; what each does with a 200 MB WAV; peak RSS
 *    of this package on a 500 MB WAV and a 2-hour MP3 against a one-second file.
 * 3. Long files: a 200 MB WAV and the 2-hour MP3 at Chunk Concurrency 1 and 4 (stub at 100 ms per
 *    minute of audio), against the bare client sending as many chunks at 1 and 4.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { joinAudio } from '../package/lib/audio/join';
import { pcm16Format, wavHeader } from '../package/lib/audio/wav';
import { N8nInstance, ROOT, nodeOutput, type BinaryDataMode, type Execution } from '../e2e/n8n';
import { writeLongWav } from '../e2e/queue';
import { listItems, workflow, type WorkflowNode } from '../e2e/workflows';
import * as bare from './bare-client';
import { perItemChart, type ChartRow } from './chart';
import {
	OPENAI_NODE,
	PACKAGE_NODE,
	httpRequestNode,
	openAiCredential,
	type Contender,
	type Work,
} from './peers';
import { startStubServer, type StubServer } from './stub-server';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ITEMS = 100;
const FIXTURES = path.join(ROOT, 'test/fixtures/audio');
/** OpenAI's upload limit, 25 MiB, which the stub enforces with OpenAI's 413. */
const OPENAI_MAX_UPLOAD = 26_214_400;
const BARE = 'bare Node client';

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fixed = (value: number | undefined, digits = 1) =>
	value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);

/** Writes a 48 kHz stereo WAV of a 440 Hz tone with `dataBytes` of samples. */
const writeWav = (file: string, dataBytes: number) =>
	writeLongWav(file, dataBytes, pcm16Format(48000, 2));

/** One minute of a tone in noise as 160 kbps MP3, from ffmpeg. */
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

/** The items a node put out; throws when it failed or one of its items holds an error. */
function check(execution: Execution, node: string) {
	const items = nodeOutput(execution, node);
	const failed = items.find((item) => item.json.error);
	if (failed) throw new Error(`${node} failed: ${String(failed.json.error)}`);
	return items;
}

/** How long a node ran in an execution, in milliseconds, as n8n recorded it. */
function nodeMs(execution: Execution, node: string): number {
	check(execution, node);
	return execution.data!.resultData.runData[node][0].executionTime ?? NaN;
}

const readFile = (name: string, file: string, after = 'Start'): WorkflowNode => ({
	name,
	type: 'n8n-nodes-base.readWriteFile',
	after: [after],
	parameters: { operation: 'read', fileSelector: file, options: {} },
});

/** The files the benchmark runs on, written once into a scratch folder. */
async function writeFiles(dir: string) {
	const files = {
		wav500: path.join(dir, 'long.wav'),
		wav200: path.join(dir, 'wav200.wav'),
		wav24: path.join(dir, 'wav24.wav'),
		mp3: path.join(dir, 'two-hours.mp3'),
		small: path.join(dir, 'small.wav'),
		uploads: path.join(dir, 'uploads/*.wav'),
		/** The first 30 uploads again, for default binary mode. */
		uploads30: path.join(dir, 'uploads30/*.wav'),
	};
	await writeWav(files.wav500, 500e6 - 44);
	await writeWav(files.wav200, 200e6 - 44);
	await writeWav(files.wav24, 24e6 - 44);
	writeFileSync(files.mp3, joinAudio('mp3', Array<Buffer>(120).fill(mp3Minute())));
	writeFileSync(files.small, readFileSync(path.join(FIXTURES, 'hello.wav')));
	mkdirSync(path.join(dir, 'uploads'));
	const oneMb = Buffer.concat([wavHeader(pcm16Format(16000), 1e6 - 44), Buffer.alloc(1e6 - 44, 1)]);
	mkdirSync(path.join(dir, 'uploads30'));
	for (let i = 0; i < ITEMS; i++) {
		const name = `u${String(i).padStart(3, '0')}.wav`;
		writeFileSync(path.join(dir, 'uploads', name), oneMb);
		if (i < 30) writeFileSync(path.join(dir, 'uploads30', name), oneMb);
	}
	return files;
}

type Files = Awaited<ReturnType<typeof writeFiles>>;

/** A Markdown table. */
function table(head: string[], rows: Array<Array<string | number>>): string[] {
	return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`].concat(
		rows.map((row) => `| ${row.join(' | ')} |`),
	);
}

class Bench {
	readonly lines: string[] = [];
	readonly chartRows: ChartRow[] = [];
	private readonly instances: N8nInstance[] = [];
	readonly contenders: Contender[];

	constructor(
		readonly stub: StubServer,
		readonly files: Files,
		readonly env: Record<string, string>,
	) {
		this.contenders = [PACKAGE_NODE, OPENAI_NODE, httpRequestNode(stub.baseUrl)];
	}

	log(...lines: string[]): void {
		for (const line of lines) console.log(line);
		this.lines.push(...lines);
	}

	async instance(mode: BinaryDataMode): Promise<N8nInstance> {
		const n8n = new N8nInstance(2, mode);
		this.instances.push(n8n);
		await n8n.importCredentials([
			{
				id: 'audioRef',
				name: 'Stub',
				type: 'audioApi',
				data: { baseUrl: this.stub.baseUrl, apiKey: 'bench' },
			},
			openAiCredential(this.stub.baseUrl),
		]);
		return n8n;
	}

	dispose(): void {
		for (const n8n of this.instances) n8n.dispose();
	}

	/** Runs a workflow RUNS times and returns each named node's median milliseconds per item. */
	async perItem(
		n8n: N8nInstance,
		id: string,
		nodes: string[],
		count = ITEMS,
	): Promise<Record<string, number>> {
		const ms: Record<string, number[]> = Object.fromEntries(nodes.map((node) => [node, []]));
		for (let run = 0; run < RUNS; run++) {
			const execution = await n8n.execute(id, this.env, { outputToFile: true });
			for (const node of nodes) {
				const items = check(execution, node);
				if (items.length !== count) throw new Error(`${node} put out ${items.length} items`);
				ms[node].push(nodeMs(execution, node) / count);
			}
		}
		return Object.fromEntries(nodes.map((node) => [node, median(ms[node])]));
	}

	/** Median milliseconds per call of `call`, made ITEMS times one after another. */
	async bareMs(call: (i: number) => Promise<void>): Promise<number> {
		const values: number[] = [];
		for (let run = 0; run < RUNS; run++) {
			const started = process.hrtime.bigint();
			for (let i = 0; i < ITEMS; i++) await call(i);
			values.push(Number(process.hrtime.bigint() - started) / 1e6 / ITEMS);
		}
		return median(values);
	}

	/** Branches, one per contender, doing `work` on what `after` puts out. */
	branches(work: Work, after: string, prefix: string): WorkflowNode[] {
		return this.contenders.map((c) => c.node(`${prefix} (${c.label})`, work, after));
	}
}

/** Section 1: milliseconds per item for every contender, side by side in one execution. */
async function perItemSection(bench: Bench, fsN8n: N8nInstance, memN8n: N8nInstance) {
	const texts = Array.from({ length: ITEMS }, (_v, i) => `Sentence number ${i} is short.`);
	const transcribe = bench.branches('transcribe', 'Read Uploads', 'Transcribe');
	const speak = bench.branches('speak', 'One Item Each', 'Speak');
	const peers = workflow('benchPeers', 'Peers', [
		readFile('Read Uploads', bench.files.uploads),
		...listItems('text', texts).map((node, i) => (i === 0 ? { ...node, after: ['Start'] } : node)),
		...transcribe,
		...speak,
	]);
	// In default mode `n8n execute` prints every binary as base64: 30 uploads keep that small.
	const memPeers = workflow('benchPeersMem', 'Peers, default binary mode', [
		readFile('Read Uploads', bench.files.uploads30),
		...transcribe,
	]);
	await fsN8n.importWorkflow(peers);
	await memN8n.importWorkflow(memPeers);
	const names = (nodes: WorkflowNode[]) => nodes.map((node) => node.name);
	const fsMs = await bench.perItem(fsN8n, 'benchPeers', [...names(transcribe), ...names(speak)]);
	const memMs = await bench.perItem(memN8n, 'benchPeersMem', names(transcribe), 30);
	const upload = (i: number) => bench.files.uploads.replace('*', `u${String(i).padStart(3, '0')}`);
	const bareTranscribe = await bench.bareMs(
		async (i) => await bare.transcribeFile(bench.stub.baseUrl, upload(i)),
	);
	const bareSpeak = await bench.bareMs(async (i) => await bare.speak(bench.stub.baseUrl, texts[i]));

	bench.stub.options.speechDelayMs = 100;
	const slow = [
		...bench.branches('speak', 'One Item Each', 'Slow'),
		PACKAGE_NODE.node('Slow (this package, Item Concurrency 1)', 'speak', 'One Item Each', {
			itemConcurrency: 1,
		}),
	];
	await fsN8n.importWorkflow(
		workflow('benchSlow', 'Slow provider', [...listItems('text', texts), ...slow]),
	);
	const slowMs = await bench.perItem(fsN8n, 'benchSlow', names(slow));
	const bareSlow = await bench.bareMs(async (i) => await bare.speak(bench.stub.baseUrl, texts[i]));
	bench.stub.options.speechDelayMs = 0;

	const row = (label: string, ms: Record<string, number>, prefix: string, floor: number) => {
		const byContender = Object.fromEntries(
			bench.contenders.map((c) => [c.label, ms[`${prefix} (${c.label})`]]),
		);
		bench.chartRows.push({ label, ms: { ...byContender, [BARE]: floor } });
		return [label, ...bench.contenders.map((c) => fixed(byContender[c.label])), fixed(floor)];
	};
	bench.log('## 1. Milliseconds per item, side by side in one n8n execution', '');
	bench.log(
		...table(
			['work', ...bench.contenders.map((c) => c.label), `${BARE} (one at a time)`],
			[
				row(`${ITEMS} × 1 MB WAV → text, filesystem mode`, fsMs, 'Transcribe', bareTranscribe),
				row(`30 × 1 MB WAV → text, default binary mode`, memMs, 'Transcribe', bareTranscribe),
				row(`${ITEMS} short texts → mp3, filesystem mode`, fsMs, 'Speak', bareSpeak),
				row(`${ITEMS} texts → mp3, provider takes 100 ms per reply`, slowMs, 'Slow', bareSlow),
			],
		),
		'',
		`This package at Item Concurrency 1 against the slow provider: ${fixed(slowMs['Slow (this package, Item Concurrency 1)'])} ms per item.`,
		'Each node runs with its defaults: this package sends 4 transcriptions or 8 speech requests at once, the HTTP Request node all items at once, the OpenAI node one at a time.',
		'',
	);
}

/** Peak RSS of one workflow run, median of RUNS, in MB; and the node's error, if any. */
async function peak(bench: Bench, n8n: N8nInstance, id: string, node?: string, runs = RUNS) {
	const values: number[] = [];
	let failure: string | undefined;
	let items: ReturnType<typeof nodeOutput> | undefined;
	for (let run = 0; run < runs; run++) {
		const execution = await n8n.execute(id, bench.env);
		values.push((execution.peakRssKb ?? NaN) / 1024);
		if (!node) continue;
		try {
			items = nodeOutput(execution, node);
			const error = items.find((item) => item.json.error)?.json.error;
			// The HTTP Request node puts an object here: {message, httpCode, ...}.
			if (error)
				failure =
					typeof error === 'object'
						? `${(error as { httpCode?: string }).httpCode ?? ''} ${(error as { message?: string }).message ?? JSON.stringify(error)}`.trim()
						: String(error);
		} catch (error) {
			// n8n's own words, e.g. "Cannot create a string longer than 0x1fffffe8 characters".
			const said = `${execution.stdout}\n${execution.stderr}`
				.split('\n')
				.find((line) => /Cannot create|heap out of memory|ERR_|Error:/i.test(line));
			failure = (said ?? (error as Error).message.split('\n')[0]).trim();
		}
	}
	return { mb: median(values), failure: failure?.replace(/\|/g, '/').slice(0, 90), items };
}

/** Section 2: memory against the peers, and this package on long files. */
async function memorySection(bench: Bench, fsN8n: N8nInstance, memN8n: N8nInstance) {
	const { files } = bench;
	const workflows = (size: string, file: string, continueOnFail: boolean) => [
		workflow(`mem${size}Read`, `Read ${size}`, [readFile('Read', file)]),
		...bench.contenders.map((c, i) =>
			workflow(`mem${size}C${i}`, `${c.label} ${size}`, [
				readFile('Read', file),
				{ ...c.node('Transcribe', 'transcribe', 'Read'), continueOnFail },
			]),
		),
	];
	await fsN8n.importWorkflows([
		...workflows('24', files.wav24, false),
		...workflows('200', files.wav200, true),
	]);
	bench.log(
		'## 2. Memory',
		'',
		`Peak RSS of the n8n process (GNU time), filesystem mode, medians of ${RUNS}.`,
		'',
	);
	const rows: string[][] = [];
	const base24 = await peak(bench, fsN8n, 'mem24Read');
	const base200 = await peak(bench, fsN8n, 'mem200Read', undefined, 1);
	const added24: string[] = [];
	const big: string[] = [];
	for (const i of bench.contenders.keys()) {
		const small = await peak(bench, fsN8n, `mem24C${i}`, 'Transcribe');
		added24.push(small.failure ? `fails: ${small.failure}` : fixed(small.mb - base24.mb, 0));
		const large = await peak(bench, fsN8n, `mem200C${i}`, 'Transcribe', 1);
		const chunks = (large.items?.[0]?.json.chunks as unknown[] | undefined)?.length;
		big.push(
			large.failure
				? `fails: ${large.failure}`
				: `ok, ${chunks ?? 1} chunk(s), +${fixed(large.mb - base200.mb, 0)} MB`,
		);
	}
	rows.push(['peak RSS added over reading a 24 MB WAV, MB', ...added24]);
	rows.push(['200 MB WAV (OpenAI takes at most 25 MB per upload); growth over reading it', ...big]);
	bench.log(...table(['', ...bench.contenders.map((c) => c.label)], rows), '');

	const long = [
		workflow('benchSmall', 'small', [
			readFile('Read', files.small),
			PACKAGE_NODE.node('Transcribe', 'transcribe', 'Read'),
		]),
		workflow('benchWav', 'wav', [
			readFile('Read', files.wav500),
			PACKAGE_NODE.node('Transcribe', 'transcribe', 'Read'),
		]),
		workflow('benchMp3', 'mp3', [
			readFile('Read', files.mp3),
			PACKAGE_NODE.node('Transcribe', 'transcribe', 'Read'),
		]),
	];
	for (const n8n of [fsN8n, memN8n]) await n8n.importWorkflows(long);
	const smallFs = await peak(bench, fsN8n, 'benchSmall', 'Transcribe');
	const smallMem = await peak(bench, memN8n, 'benchSmall', 'Transcribe', 1);
	const longRows: string[][] = [
		['1 s WAV (fixed cost)', '0.04', fixed(smallFs.mb, 0), '0', fixed(smallMem.mb, 0)],
	];
	for (const [label, id, file] of [
		['WAV, 48 kHz stereo, 43 min', 'benchWav', files.wav500],
		['MP3, 160 kbps, 2 h', 'benchMp3', files.mp3],
	]) {
		const fs = await peak(bench, fsN8n, id, 'Transcribe');
		const mem = await peak(bench, memN8n, id, 'Transcribe', 1);
		longRows.push([
			label,
			fixed(statSync(file).size / 1e6, 0),
			fs.failure ? `fails: ${fs.failure}` : fixed(fs.mb, 0),
			fs.failure ? '—' : fixed(fs.mb - smallFs.mb, 0),
			mem.failure ? `${fixed(mem.mb, 0)} (n8n failed: ${mem.failure})` : fixed(mem.mb, 0),
		]);
	}
	bench.log(
		'This package on long files:',
		'',
		...table(
			[
				'file',
				'size (MB)',
				'peak RSS (MB)',
				'growth over a 1 s file (MB)',
				'default binary mode peak (MB), one run',
			],
			longRows,
		),
		'',
		'Target: growth of at most 100 MB whatever the file size.',
		'',
	);
}

/** Section 3: long files at Chunk Concurrency 1 and 4, against the bare client's speed-up. */
async function scalingSection(bench: Bench, fsN8n: N8nInstance) {
	const { files } = bench;
	bench.stub.options.msPerAudioMinute = 100;
	const cases = [
		{ label: 'WAV, 200 MB, 17 min', id: 'W', file: files.wav200, options: {} },
		{
			label: 'MP3, 144 MB, 2 h, 10 MB chunks',
			id: 'M',
			file: files.mp3,
			options: { maxUploadMb: 10 },
		},
	];
	await fsN8n.importWorkflows(
		cases.flatMap((c) =>
			[1, 4].map((concurrency) =>
				workflow(`scale${c.id}${concurrency}`, `${c.label} at ${concurrency}`, [
					readFile('Read', c.file),
					PACKAGE_NODE.node('Transcribe', 'transcribe', 'Read', {
						...c.options,
						chunkConcurrency: concurrency,
					}),
				]),
			),
		),
	);
	const rows: string[][] = [];
	for (const c of cases) {
		const node: Record<number, number[]> = { 1: [], 4: [] };
		const floor: Record<number, number[]> = { 1: [], 4: [] };
		let chunks = 0;
		for (let run = 0; run < RUNS; run++) {
			for (const concurrency of [1, 4]) {
				const execution = await fsN8n.execute(`scale${c.id}${concurrency}`, bench.env);
				chunks = (check(execution, 'Transcribe')[0].json.chunks as unknown[]).length;
				node[concurrency].push(nodeMs(execution, 'Transcribe') / 1000);
				floor[concurrency].push(
					(await bare.transcribeInChunks(bench.stub.baseUrl, c.file, chunks, concurrency)) / 1000,
				);
			}
		}
		const [n1, n4, b1, b4] = [median(node[1]), median(node[4]), median(floor[1]), median(floor[4])];
		rows.push([
			`${c.label} (${chunks} chunks)`,
			fixed(n1, 2),
			fixed(n4, 2),
			`${fixed(n1 / n4, 2)}x`,
			fixed(b1, 2),
			fixed(b4, 2),
			`${fixed(b1 / b4, 2)}x`,
			fixed(n1 / n4 / (b1 / b4), 2),
		]);
	}
	bench.stub.options.msPerAudioMinute = 0;
	bench.log(
		'## 3. Long files at Chunk Concurrency 1 and 4, stub at 100 ms per minute of audio',
		'',
		...table(
			[
				'file',
				'node at 1 (s)',
				'node at 4 (s)',
				'node speed-up',
				'bare client at 1 (s)',
				'bare client at 4 (s)',
				'bare speed-up',
				'node / bare speed-up',
			],
			rows,
		),
		'',
		"Targets: at least 3x at 4 for the 2-hour MP3, and a node speed-up at least 0.9 of the bare client's.",
		'',
	);
}

async function main(): Promise<void> {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'audio-bench-'));
	let stub: StubServer | undefined;
	let bench: Bench | undefined;
	try {
		console.log(`files in ${dir}`);
		const files = await writeFiles(dir);
		stub = await startStubServer({
			msPerAudioMinute: 0,
			speechDelayMs: 0,
			speechAudio: readFileSync(path.join(FIXTURES, 'hello.mp3')),
			maxUploadBytes: OPENAI_MAX_UPLOAD,
		});
		bench = new Bench(stub, files, { N8N_RESTRICT_FILE_ACCESS_TO: dir });
		const fsN8n = await bench.instance('filesystem');
		const memN8n = await bench.instance('default');
		// BENCH_SECTIONS=peers,memory,scaling (the default) picks the sections to run.
		const sections = (process.env.BENCH_SECTIONS ?? 'peers,memory,scaling').split(',');
		if (sections.includes('peers')) await perItemSection(bench, fsN8n, memN8n);
		if (sections.includes('memory')) await memorySection(bench, fsN8n, memN8n);
		if (sections.includes('scaling')) await scalingSection(bench, fsN8n);

		const n8nVersion = (
			JSON.parse(
				readFileSync(path.join(ROOT, 'e2e/n8n-2/node_modules/n8n/package.json'), 'utf8'),
			) as {
				version: string;
			}
		).version;
		const cpus = os.cpus();
		const header = [
			'# Benchmark results',
			'',
			`Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: medians of ${RUNS} runs.`,
			`Machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${fixed(os.totalmem() / 2 ** 30, 0)} GiB memory, ${os.type()} ${os.release()}; Node ${process.version}; n8n ${n8nVersion}.`,
			"Times are each node's own execution time as n8n records it; memory is the n8n process's peak RSS (GNU time).",
			'',
			'![Milliseconds per item](chart.svg)',
			'',
		];
		writeFileSync(path.join(ROOT, 'bench/results.md'), [...header, ...bench.lines].join('\n'));
		writeFileSync(
			path.join(ROOT, 'bench/chart.svg'),
			perItemChart(bench.chartRows, [...bench.contenders.map((c) => c.label), BARE]),
		);
		console.log('\nwrote bench/results.md and bench/chart.svg');
	} finally {
		await stub?.stop();
		bench?.dispose();
		rmSync(dir, { recursive: true, force: true });
	}
}

main().catch((error: Error) => {
	console.error(error.stack);
	process.exit(1);
});
