/**
 * `npm run bench:queue`: n8n 2.x queue mode (e2e/queue.ts: PostgreSQL, Redis, a main and
 * workers with `--concurrency 2`, binaries in the database), against the stub provider
 * (bench/stub-server.ts). Prints the figures as JSON and writes build/bench-queue.json.
 *
 * (a) Executions per minute: 40 Speech executions posted at once to a production webhook, the
 *     stub taking 1 s per request, on 1 worker and then on 2.
 * (b) A 200 MB WAV posted to a webhook and split on a worker: bytes the worker read
 *     (`rchar` of /proc/<pid>/io) and its peak RSS growth.
 * (c) A 500 MB WAV from Audio Source URL (a loopback file host streaming it from disk): the
 *     worker's peak RSS growth and bytes read.
 */
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { openAsBlob, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ROOT } from '../e2e/n8n';
import {
	QUEUE_CREDENTIAL,
	QueueCluster,
	queueWorkflows,
	writeLongWav,
	type QueueResult,
	type Worker,
} from '../e2e/queue';
import { startStubServer } from './stub-server';

const MB = 1e6;
const EXECUTIONS = Number(process.env.BENCH_QUEUE_EXECUTIONS ?? 40);

async function call(
	cluster: QueueCluster,
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

/** Runs `work` and reports, for the worker that ran execution `id`, bytes read and RSS growth. */
async function measured(
	cluster: QueueCluster,
	work: () => Promise<QueueResult>,
): Promise<{ result: QueueResult; worker: string; readMb: number; peakGrowthMb: number }> {
	const before = cluster.workers.map((w) => ({ read: w.readBytes(), rss: w.rss() }));
	cluster.workers.forEach((w) => w.resetPeak());
	const result = await work();
	const worker = cluster.workers.find((w) => w.startedExecutions().includes(result.executionId));
	if (!worker) throw new Error(`no worker ran execution ${result.executionId}`);
	const i = cluster.workers.indexOf(worker);
	return {
		result,
		worker: worker.name,
		readMb: Math.round((worker.readBytes() - before[i].read) / MB),
		peakGrowthMb: Math.round((worker.peakRss() - before[i].rss) / MB),
	};
}

/** Posts `count` Speech executions at once; executions per minute over the wall time. */
async function throughput(cluster: QueueCluster, workers: Worker[], count: number) {
	const started = Date.now();
	const results = await Promise.all(
		Array.from({ length: count }, (_, i) =>
			call(cluster, 'speak-only', { text: `Sentence ${i}.`, tag: String(i) }),
		),
	);
	const seconds = (Date.now() - started) / 1000;
	const ids = results.map((r) => r.executionId);
	if (new Set(ids).size !== count) throw new Error('an execution answered twice');
	return {
		workers: workers.length,
		executions: count,
		seconds: Math.round(seconds * 10) / 10,
		perMinute: Math.round((count / seconds) * 60),
		perWorker: workers.map((w) => ids.filter((id) => w.startedExecutions().includes(id)).length),
	};
}

/** A loopback host serving one file from disk, streamed. */
async function fileHost(file: string): Promise<{ url: string; stop(): Promise<void> }> {
	const server = http.createServer((_req, res) => {
		res.writeHead(200, {
			'content-type': 'audio/wav',
			'content-length': String(statSync(file).size),
		});
		createReadStream(file).pipe(res);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/episode.wav`,
		stop: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

async function main(): Promise<void> {
	const folder = mkdtempSync(path.join(tmpdir(), 'bench-queue-'));
	const stub = await startStubServer({
		msPerAudioMinute: 0,
		speechDelayMs: 1000,
		speechAudio: readFileSync(path.join(ROOT, 'test/fixtures/audio/hello.mp3')),
	});
	let cluster: QueueCluster | undefined;
	const figures: Record<string, unknown> = {};
	try {
		cluster = await QueueCluster.start({
			workers: 1,
			concurrency: 2,
			credentials: [
				{
					id: QUEUE_CREDENTIAL,
					name: 'Audio API',
					type: 'audioApi',
					data: { baseUrl: stub.baseUrl, apiKey: 'sk-bench-queue' },
				},
			],
			workflows: queueWorkflows(),
			env: { N8N_FORMDATA_FILE_SIZE_MAX: '512' },
		});
		const [first] = cluster.workers;

		// (a) One worker, then a second one started beside it.
		await call(cluster, 'speak-only', { text: 'Warm up.' });
		const one = await throughput(cluster, [first], EXECUTIONS);
		const second = await cluster.addWorker();
		const two = await throughput(cluster, [first, second], EXECUTIONS);
		figures.throughput = {
			oneWorker: one,
			twoWorkers: two,
			speedup: two.perMinute / one.perMinute,
		};
		console.log(JSON.stringify(figures.throughput));

		// (b) 200 MB WAV posted, in database mode.
		const big = path.join(folder, 'episode-200.wav');
		await writeLongWav(big, 200 * MB - 44);
		stub.options.speechDelayMs = 0;
		const form = new FormData();
		form.append('data', await openAsBlob(big, { type: 'audio/wav' }), 'episode-200.wav');
		figures.posted200MbWav = await measured(cluster, () =>
			call(cluster!, 'transcribe', { tag: 'big' }, form),
		);
		console.log(JSON.stringify(figures.posted200MbWav));
		rmSync(big);

		// (c) 500 MB WAV from a URL.
		const huge = path.join(folder, 'episode-500.wav');
		await writeLongWav(huge, 500 * MB - 44);
		const host = await fileHost(huge);
		try {
			figures.url500MbWav = await measured(cluster, () =>
				call(cluster!, 'transcribe-url', { url: host.url, tag: 'url' }),
			);
		} finally {
			await host.stop();
		}
		console.log(JSON.stringify(figures.url500MbWav));
	} finally {
		await cluster?.stop();
		await stub.stop();
		rmSync(folder, { recursive: true, force: true });
	}
	mkdirSync(path.join(ROOT, 'build'), { recursive: true });
	writeFileSync(path.join(ROOT, 'build/bench-queue.json'), `${JSON.stringify(figures, null, 2)}\n`);
}

main().then(
	() => process.exit(0),
	(error: Error) => {
		console.error(`Queue benchmark failed: ${error.stack ?? error.message}`);
		process.exit(1);
	},
);
