/**
 * End-to-end in n8n 2.x queue mode, deployed as users scale out: PostgreSQL and Redis on
 * loopback, one main instance taking production webhooks, two workers (`--concurrency 2`), the
 * packed package in each, binaries in the database. Provider: the benchmark's stub
 * (bench/stub-server.ts), which streams uploads and answers from the audio's header, so a 200 MB
 * file costs no engine time.
 */
import { openAsBlob, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startStubServer, type StubServer } from '../../bench/stub-server';
import { ROOT } from '../../e2e/n8n';
import {
	QUEUE_CREDENTIAL,
	QueueCluster,
	queueWorkflows,
	writeLongWav,
	type QueueResult,
	type Worker,
} from '../../e2e/queue';

jest.setTimeout(10 * 60_000);

const KEY = 'sk-queue-e2e-4b8d2f';
const FIXTURES = path.join(ROOT, 'test/fixtures/audio');
const BIG_BYTES = 200_000_000;
const MB = 1e6;

let stub: StubServer;
let cluster: QueueCluster;
let folder: string;
let bigWav: string;
let bigSeconds: number;

beforeAll(async () => {
	folder = mkdtempSync(path.join(tmpdir(), 'queue-mode-'));
	bigWav = path.join(folder, 'episode.wav');
	bigSeconds = await writeLongWav(bigWav, BIG_BYTES - 44);
	stub = await startStubServer({
		msPerAudioMinute: 0,
		// Long enough that 20 executions at once overlap on both workers.
		speechDelayMs: 300,
		speechAudio: readFileSync(path.join(FIXTURES, 'hello.mp3')),
	});
	cluster = await QueueCluster.start({
		workers: 2,
		concurrency: 2,
		credentials: [
			{
				id: QUEUE_CREDENTIAL,
				name: 'Audio API',
				type: 'audioApi',
				data: { baseUrl: stub.baseUrl, apiKey: KEY },
			},
		],
		workflows: queueWorkflows(['speak', 'transcribe', 'hash']),
		// n8n's own cap on multipart uploads to webhooks, in MiB (default 200).
		env: { N8N_FORMDATA_FILE_SIZE_MAX: '512' },
	});
});

afterAll(async () => {
	await cluster?.stop();
	await stub?.stop();
	if (folder) rmSync(folder, { recursive: true, force: true });
});

/** Calls a production webhook and returns its answer, failing on any status but 200. */
async function call(
	webhookPath: string,
	query: Record<string, string>,
	body?: FormData,
): Promise<QueueResult> {
	const url = `${cluster.webhookBase}/${webhookPath}?${new URLSearchParams(query)}`;
	const response = await fetch(url, { method: body ? 'POST' : 'GET', body });
	const text = await response.text();
	if (response.status !== 200) throw new Error(`${url}: ${response.status} ${text}`);
	return JSON.parse(text) as QueueResult;
}

async function posted(file: string, tag: string): Promise<QueueResult> {
	const form = new FormData();
	form.append('data', await openAsBlob(file, { type: 'audio/wav' }), path.basename(file));
	return await call('transcribe', { tag }, form);
}

/** The worker whose log says it started `executionId`; fails unless exactly one did, once. */
function workerOf(executionId: string): Worker {
	const ran = cluster.workers.flatMap((w) =>
		w
			.startedExecutions()
			.filter((id) => id === executionId)
			.map(() => w),
	);
	expect(ran).toHaveLength(1);
	return ran[0];
}

describe('n8n 2.x queue mode: Postgres, Redis, a main and two workers, database binaries', () => {
	it('runs Speech → Transcription from a production webhook on a worker', async () => {
		const result = await call('speak', { text: 'Hello from the queue.', tag: 'chain' });
		expect(result.tag).toBe('chain');
		// The stub transcribes by the audio's header: hello.mp3 lasts about a second.
		expect(result.text).toMatch(/^\d+ seconds$/);
		expect(result.duration).toBeGreaterThan(0.5);
		expect(result.chunks).toBe(1);
		workerOf(result.executionId);
	});

	it('transcribes a posted WAV in one upload', async () => {
		const result = await posted(path.join(FIXTURES, 'hello.wav'), 'posted');
		expect(result.tag).toBe('posted');
		expect(result.chunks).toBe(1);
		expect(result.duration).toBeGreaterThan(0.5);
		workerOf(result.executionId);
	});

	it('splits a posted 200 MB WAV on a worker, reading the binary once', async () => {
		/** Runs `work`; bytes read and peak RSS growth of the worker that ran it. */
		const measure = async (work: () => Promise<QueueResult>) => {
			const before = cluster.workers.map((w) => ({ read: w.readBytes(), rss: w.rss() }));
			cluster.workers.forEach((w) => w.resetPeak());
			const result = await work();
			const worker = workerOf(result.executionId);
			const index = cluster.workers.indexOf(worker);
			return {
				result,
				worker,
				read: worker.readBytes() - before[index].read,
				growth: worker.peakRss() - before[index].rss,
			};
		};
		// Baseline: n8n's own Crypto node hashing the same binary as a stream.
		const baseline = await measure(async () => {
			const form = new FormData();
			form.append('data', await openAsBlob(bigWav, { type: 'audio/wav' }), 'episode.wav');
			return await call('hash', { tag: 'hash' }, form);
		});
		expect(baseline.result.hash).toMatch(/^[0-9a-f]{64}$/);
		const requestsBefore = stub.requests;
		const { result, worker, read, growth } = await measure(() => posted(bigWav, 'big'));
		console.log(
			`200 MB WAV: n8n's Crypto node read ${(baseline.read / MB).toFixed(0)} MB, peak RSS +${(baseline.growth / MB).toFixed(0)} MB; ` +
				`Transcription on ${worker.name}: ${result.chunks} chunks, ${(read / MB).toFixed(0)} MB read, peak RSS +${(growth / MB).toFixed(0)} MB`,
		);
		// 25 MB uploads: 8 chunks at least, whose durations add up to the file's.
		expect(result.chunks).toBeGreaterThanOrEqual(8);
		expect(stub.requests - requestsBefore).toBe(result.chunks);
		expect(result.duration).toBeCloseTo(bigSeconds, 0);
		// One read of the binary: Postgres sends bytea as hex text, two characters a byte, so one
		// read is about twice the file, as for n8n's own node; the old sniff-then-read cost two.
		expect(read).toBeGreaterThan(BIG_BYTES);
		expect(read).toBeLessThan(baseline.read + 0.3 * BIG_BYTES);
		// Memory: at most n8n's own cost of reading the binary plus 100 MB.
		expect(growth).toBeLessThan(baseline.growth + 100 * MB);
	});

	it('runs 20 executions at once on both workers, none lost or run twice', async () => {
		const tags = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
		const results = await Promise.all(
			tags.map((tag) => call('speak', { text: `Sentence number ${tag}.`, tag })),
		);
		expect(results.map((r) => r.tag)).toEqual(tags);
		expect(results.every((r) => /^\d+ seconds$/.test(r.text ?? ''))).toBe(true);
		const ids = results.map((r) => r.executionId);
		expect(new Set(ids).size).toBe(20);
		const perWorker = cluster.workers.map((w) => ids.filter((id) => workerOf(id) === w).length);
		console.log(`20 at once: ${perWorker.join(' and ')} executions per worker`);
		expect(perWorker.every((n) => n > 0)).toBe(true);
		// Every execution a worker started, it finished.
		for (const worker of cluster.workers)
			expect(worker.finishedExecutions().sort()).toEqual(worker.startedExecutions().sort());
	});
});
