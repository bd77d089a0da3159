/**
 * `npm run demo`: runs the examples/ workflows in a real n8n and writes demo-output/.
 *
 * Provider: the reference speech server (flite, ffmpeg, pocketsphinx) on loopback, or, when
 * AUDIO_API_BASE_URL and AUDIO_API_KEY are set, that provider. n8n: 2.x, or 1.x with
 * DEMO_N8N=1. Output folder: demo-output/, or $DEMO_OUTPUT.
 *
 * Installs no system packages: a missing engine is reported with its apt-get line.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { parseSubtitles } from '../package/lib/transcript/subtitles';
import { MissingEngineError } from '../server/engines';
import { startReferenceServer, type ReferenceServer } from '../server/reference-server';
import {
	EXAMPLE_CREDENTIAL,
	EXAMPLE_TEXT,
	FEED_SETTINGS,
	examples,
	podcastFeedWorkflow,
} from './examples';
import { n8nBinary, N8nInstance, ROOT, type Execution, type N8nMajor } from './n8n';
import { wordErrorRate } from './wer';

interface Step {
	step: string;
	ms: number;
	detail?: Record<string, unknown>;
}

async function main(): Promise<number> {
	const started = Date.now();
	const steps: Step[] = [];
	const timed = async <T>(
		step: string,
		work: () => Promise<T> | T,
		detail?: (result: T) => Record<string, unknown>,
	) => {
		const t = Date.now();
		const result = await work();
		steps.push({ step, ms: Date.now() - t, ...(detail ? { detail: detail(result) } : {}) });
		console.log(`✓ ${step} (${Date.now() - t} ms)`);
		return result;
	};

	const outDir = path.resolve(process.env.DEMO_OUTPUT ?? path.join(ROOT, 'demo-output'));
	const major = Number(process.env.DEMO_N8N ?? 2) as N8nMajor;
	const externalUrl = process.env.AUDIO_API_BASE_URL;
	const externalKey = process.env.AUDIO_API_KEY;
	if (Boolean(externalUrl) !== Boolean(externalKey)) {
		console.error(
			'Set both AUDIO_API_BASE_URL and AUDIO_API_KEY to use your own provider, or neither for the reference server.',
		);
		return 2;
	}

	let server: ReferenceServer | undefined;
	if (!externalUrl) {
		try {
			server = await timed(
				'start the reference speech server (flite, ffmpeg, pocketsphinx)',
				() => startReferenceServer(),
				(s) => ({ baseUrl: s.baseUrl, validatesAgainstOpenApi: s.validating }),
			);
		} catch (error) {
			if (error instanceof MissingEngineError) {
				console.error(error.message);
				return 1;
			}
			throw error;
		}
	}
	const baseUrl = externalUrl ?? server!.baseUrl;
	const apiKey = externalKey ?? 'reference-server-needs-no-key';
	const hosts: FeedHost[] = [];

	try {
		if (!n8nBinary(major)) {
			await timed(`install the pinned n8n ${major}.x (once)`, () => {
				execFileSync(path.join(ROOT, 'scripts/setup.sh'), [`n8n-${major}`], { stdio: 'inherit' });
			});
		}
		const version = JSON.parse(
			readFileSync(path.join(ROOT, `e2e/n8n-${major}/node_modules/n8n/package.json`), 'utf8'),
		).version as string;

		// In-memory binaries come back inline in n8n's output, so the files can be written out.
		const n8n = await timed(
			`set up n8n ${version} with the packed package installed`,
			() => new N8nInstance(major, 'default'),
		);
		try {
			await timed('import the credential', () =>
				n8n.importCredentials([
					{
						id: EXAMPLE_CREDENTIAL,
						name: 'Audio API account',
						type: 'audioApi',
						data: { baseUrl, apiKey },
					},
				]),
			);
			rmSync(outDir, { recursive: true, force: true });
			const podcastDir = path.join(outDir, 'podcast');
			mkdirSync(podcastDir, { recursive: true });
			const feed = await timed(
				'serve a podcast feed with one short episode on loopback',
				() => startFeedHost(baseUrl, apiKey),
				(host) => ({ feedUrl: host.feedUrl }),
			);
			hosts.push(feed);
			const workflows = examples();
			workflows['podcast-feed-to-subtitles.json'] = podcastFeedWorkflow({
				...FEED_SETTINGS,
				feedUrl: feed.feedUrl,
				folder: podcastDir,
			});
			await timed(`import the ${Object.keys(workflows).length} examples (one n8n command)`, () =>
				n8n.importWorkflows(Object.values(workflows)),
			);

			const batch = await timed('run all examples in one n8n process', () =>
				n8n.executeAll({ N8N_RESTRICT_FILE_ACCESS_TO: podcastDir }),
			);
			const runs: Record<string, Execution> = {};
			for (const [file, wf] of Object.entries(workflows)) {
				const run = batch.runs[wf.id];
				const execution: Execution = { ...batch, data: run?.data, ms: run?.ms ?? 0 };
				runs[file] = execution;
				steps.push({
					step: `run examples/${file} in n8n`,
					ms: execution.ms,
					detail: summarise(execution),
				});
				console.log(`  ✓ examples/${file} (${execution.ms} ms in n8n)`);
				if (!run?.data || run.error) {
					throw new Error(`examples/${file} failed: ${run?.error ?? batch.stderr.slice(-2000)}`);
				}
			}

			const main = runs['text-to-speech-to-subtitles.json'].data!.resultData.runData;
			const speech = main.Speak[0].data!.main[0][0];
			const subtitles = main.Subtitles[0].data!.main[0][0];
			const transcript = main.Transcript[0].data!.main[0][0].json as {
				text: string;
				duration?: number;
				segments?: unknown[];
				words?: unknown[];
			};
			const mp3 = Buffer.from(speech.binary!.data.data!, 'base64');
			const srt = Buffer.from(subtitles.binary!.subtitles.data!, 'base64').toString('utf8');
			writeFileSync(path.join(outDir, 'speech.mp3'), mp3);
			writeFileSync(path.join(outDir, 'speech.srt'), srt);
			writeFileSync(path.join(outDir, 'transcript.txt'), `${transcript.text}\n`);
			const narration =
				runs['narrate-paragraphs.json'].data!.resultData.runData.Narrate[0].data!.main[0];
			narration.forEach((item, i) =>
				writeFileSync(
					path.join(outDir, `paragraph-${i + 1}.opus`),
					Buffer.from(item.binary!.data.data!, 'base64'),
				),
			);

			const srtText = parseSubtitles(srt)
				.map((c) => c.text)
				.join(' ');
			const result = {
				n8n: version,
				provider: externalUrl
					? { baseUrl: externalUrl }
					: { baseUrl, engine: 'reference server: flite, ffmpeg, pocketsphinx' },
				input: EXAMPLE_TEXT,
				outputs: {
					'speech.mp3': { bytes: mp3.length, mimeType: speech.binary!.data.mimeType },
					'speech.srt': {
						cues: parseSubtitles(srt).length,
						wordErrorRate: round(wordErrorRate(EXAMPLE_TEXT, srtText)),
					},
					'transcript.txt': {
						text: transcript.text,
						wordErrorRate: round(wordErrorRate(EXAMPLE_TEXT, transcript.text)),
						durationSeconds: transcript.duration,
						segments: transcript.segments?.length,
						words: transcript.words?.length,
					},
					paragraphs: narration.length,
					podcast: Object.fromEntries(
						readdirSync(podcastDir).map((name) => [
							name,
							name.endsWith('.txt')
								? {
										wordErrorRate: round(
											wordErrorRate(
												EXAMPLE_TEXT,
												readFileSync(path.join(podcastDir, name), 'utf8'),
											),
										),
									}
								: { bytes: readFileSync(path.join(podcastDir, name)).length },
						]),
					),
				},
				steps,
				totalMs: Date.now() - started,
			};
			writeFileSync(path.join(outDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
			console.log(
				`\nWrote ${outDir}: speech.mp3 (${mp3.length} bytes), speech.srt (${result.outputs['speech.srt'].cues} cues), transcript.txt, ${narration.length} narrated paragraphs, podcast/ (${readdirSync(podcastDir).join(', ')}), result.json`,
			);
			console.log(
				`Transcript: "${transcript.text}" (word error rate ${result.outputs['transcript.txt'].wordErrorRate} against the input)`,
			);
			console.log(`Total ${Math.round(result.totalMs / 100) / 10} s`);
		} finally {
			n8n.dispose();
		}
	} finally {
		for (const host of hosts) await host.stop();
		await server?.stop();
	}
	return 0;
}

interface FeedHost {
	feedUrl: string;
	stop(): Promise<void>;
}

/**
 * A podcast feed on loopback (RSS 2.0, https://www.rssboard.org/rss-specification) with one
 * episode: the example text, spoken as mp3 by the provider's speech endpoint.
 */
async function startFeedHost(baseUrl: string, apiKey: string): Promise<FeedHost> {
	const reply = await fetch(`${baseUrl.replace(/\/$/, '')}/audio/speech`, {
		method: 'POST',
		headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
		body: JSON.stringify({
			model: 'tts-1',
			voice: 'alloy',
			input: EXAMPLE_TEXT,
			response_format: 'mp3',
		}),
	});
	if (!reply.ok) throw new Error(`speaking the demo episode failed: HTTP ${reply.status}`);
	const episode = Buffer.from(await reply.arrayBuffer());
	let base = '';
	const server = http.createServer((req, res) => {
		if (req.url === '/episode.mp3') {
			res
				.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': episode.length })
				.end(episode);
		} else if (req.url === '/feed.rss') {
			res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(
				`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Demo podcast</title><link>${base}/</link><description>The demo's feed</description>
<item><title>Coffee after lunch</title><guid isPermaLink="false">demo-1</guid><pubDate>Tue, 01 Dec 2026 08:00:00 GMT</pubDate>
<enclosure url="${base}/episode.mp3" length="${episode.length}" type="audio/mpeg"/></item>
</channel></rss>
`,
			);
		} else res.writeHead(404).end();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		feedUrl: `${base}/feed.rss`,
		stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

function round(value: number): number {
	return Math.round(value * 1000) / 1000;
}

/** Per node: how long n8n says it ran and how many items it output. */
function summarise(execution: Execution): Record<string, unknown> {
	const runData = execution.data?.resultData.runData ?? {};
	return Object.fromEntries(
		Object.entries(runData).map(([node, runs]) => [
			node,
			{
				ms: (runs[0] as { executionTime?: number }).executionTime,
				items: runs[0].data?.main[0]?.length ?? 0,
				...(runs[0].error ? { error: runs[0].error.message } : {}),
			},
		]),
	);
}

main().then(
	(code) => process.exit(code),
	(error: Error) => {
		console.error(`Demo failed: ${error.message}`);
		process.exit(1);
	},
);
