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
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { parseSubtitles } from '../package/lib/transcript/subtitles';
import { MissingEngineError } from '../server/engines';
import { startReferenceServer, type ReferenceServer } from '../server/reference-server';
import { EXAMPLE_CREDENTIAL, EXAMPLE_TEXT, examples } from './examples';
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
			const workflows = examples();
			for (const [file, wf] of Object.entries(workflows)) {
				await timed(`import examples/${file}`, () => n8n.importWorkflow(wf));
			}

			rmSync(outDir, { recursive: true, force: true });
			mkdirSync(outDir, { recursive: true });
			const runs: Record<string, Execution> = {};
			for (const [file, wf] of Object.entries(workflows)) {
				runs[file] = await timed(
					`run examples/${file} in n8n`,
					() => n8n.execute(wf.id),
					(execution) => summarise(execution),
				);
				const error = runs[file].data?.resultData.error;
				if (!runs[file].data || error) {
					throw new Error(
						`examples/${file} failed: ${error?.message ?? runs[file].stderr.slice(-2000)}${error?.description ? `\n${error.description}` : ''}`,
					);
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
				},
				steps,
				totalMs: Date.now() - started,
			};
			writeFileSync(path.join(outDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
			console.log(
				`\nWrote ${outDir}: speech.mp3 (${mp3.length} bytes), speech.srt (${result.outputs['speech.srt'].cues} cues), transcript.txt, ${narration.length} narrated paragraphs, result.json`,
			);
			console.log(
				`Transcript: "${transcript.text}" (word error rate ${result.outputs['transcript.txt'].wordErrorRate} against the input)`,
			);
			console.log(`Total ${Math.round(result.totalMs / 100) / 10} s`);
		} finally {
			n8n.dispose();
		}
	} finally {
		await server?.stop();
	}
	return 0;
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
