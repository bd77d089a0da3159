/**
 * End-to-end: a real podcast feed through examples/podcast-feed-to-subtitles.json in a real n8n
 * (1.x and 2.x, filesystem binary mode). A loopback host serves an RSS 2.0 feed with two episodes
 * as enclosures: the GPL-3 text (about 34 minutes of flite speech from the reference server) and a
 * short one. The workflow runs twice: the first run streams both enclosures from their URLs,
 * splits the long one (at least 12 joins), transcribes against the reference server (real
 * engines) and writes `<episode>.srt`, `.txt` and `.json`; the second run processes nothing.
 *
 * To keep CI short each n8n version gets the long episode in one format: 2.x the 128 kbps MP3,
 * 1.x the WAV. The words within 5 s of each join are scored against the same stretch of the text
 * as transcribed by the same engine in one piece. Also a 20,000-character text is spoken into one
 * mp3 and transcribed back.
 */
import {
	mkdirSync,
	mkdtempSync,
	readFileSync,
	readdirSync,
	rmSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { joinAudio } from '../../package/lib/audio/join';
import { splitText } from '../../package/lib/text/split-text';
import { mapConcurrent } from '../../package/lib/concurrency';
import { parseSubtitles } from '../../package/lib/transcript/subtitles';
import { EXAMPLE_CREDENTIAL, podcastFeedWorkflow } from '../../e2e/examples';
import { N8N_VERSIONS, N8nInstance, ROOT, nodeOutput, type N8nMajor } from '../../e2e/n8n';
import { alignWords, errorsIn, wordErrorRate, words } from '../../e2e/wer';
import { SENTENCES, speechNode, transcriptionNode, workflow } from '../../e2e/workflows';
import { transcribe } from '../../server/engines';
import { startReferenceServer, type ReferenceServer } from '../../server/reference-server';

jest.setTimeout(40 * 60_000);

const KEY = 'sk-podcast-e2e-91c2';
const GPL = readFileSync('/usr/share/common-licenses/GPL-3', 'utf8');
/** The first 20,000 characters of GPL-3, ended at a paragraph. */
const NEWSLETTER = GPL.slice(0, GPL.lastIndexOf('\n\n', 20_000)).trim();
const SHORT = SENTENCES.join(' ');
const FORMAT: Record<N8nMajor, 'mp3' | 'wav'> = { 1: 'wav', 2: 'mp3' };
/** Seconds either side of a join whose words are scored. */
const WINDOW = 5;

const dir = mkdtempSync(path.join(tmpdir(), 'podcast-e2e-'));
let server: ReferenceServer;
const audio: Record<string, Buffer> = {};
const measured: Array<Record<string, unknown>> = [];

type TimedWord = { word: string; start: number; end: number };

/** The words of a transcript with their times, split and cleaned as the word error rate does. */
function timedWords(list: TimedWord[]): TimedWord[] {
	return list.flatMap((w) => words(w.word).map((word) => ({ ...w, word })));
}

/** A plain file host on loopback: the feed and its enclosures, and every request it got. */
class FeedHost {
	readonly requests: Array<{ path: string; authorization?: string }> = [];
	private server?: http.Server;
	base = '';

	async start(): Promise<void> {
		this.server = http.createServer((req, res) => {
			const url = req.url ?? '';
			this.requests.push({ path: url, authorization: req.headers.authorization });
			const feed = /^\/feed-(mp3|wav)\.rss$/.exec(url);
			if (feed) {
				res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(this.feed(feed[1]));
				return;
			}
			const file = audio[url.slice(1)];
			if (!file) {
				res.writeHead(404).end();
				return;
			}
			res.writeHead(200, {
				'content-type': url.endsWith('.wav') ? 'audio/wav' : 'audio/mpeg',
				'content-length': String(file.length),
			});
			// In blocks, as a real host streams a long file.
			for (let i = 0; i < file.length; i += 65536) res.write(file.subarray(i, i + 65536));
			res.end();
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		this.base = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
	}

	/** An RSS 2.0 feed (https://www.rssboard.org/rss-specification) with two enclosures. */
	feed(format: string): string {
		const item = (title: string, guid: string, file: string, type: string, date: string) => `
		<item>
			<title>${title}</title>
			<guid isPermaLink="false">${guid}</guid>
			<pubDate>${date}</pubDate>
			<enclosure url="${this.base}/${file}" length="${audio[file].length}" type="${type}"/>
		</item>`;
		const type = format === 'wav' ? 'audio/wav' : 'audio/mpeg';
		return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
	<channel>
		<title>Licences Read Aloud</title>
		<link>${this.base}/</link>
		<description>A test feed</description>${item('The GPL, read aloud', `gpl3-${format}`, `gpl3.${format}`, type, 'Tue, 01 Dec 2026 08:00:00 GMT')}${item('Coffee after lunch', 'short-1', 'short.mp3', 'audio/mpeg', 'Mon, 30 Nov 2026 08:00:00 GMT')}
	</channel>
</rss>
`;
	}

	async stop(): Promise<void> {
		await new Promise((resolve) => this.server?.close(resolve));
	}
}

const host = new FeedHost();

async function speak(text: string, format: 'wav' | 'mp3'): Promise<Buffer> {
	const parts = await mapConcurrent(splitText(text), 2, async (input) => {
		const reply = await fetch(`${server.baseUrl}/audio/speech`, {
			method: 'POST',
			headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
			body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input, response_format: format }),
		});
		if (!reply.ok) throw new Error(`speech failed: ${reply.status} ${await reply.text()}`);
		return Buffer.from(await reply.arrayBuffer());
	});
	return joinAudio(format, parts);
}

beforeAll(async () => {
	server = await startReferenceServer({ apiKey: KEY, mp3Bitrate: '128k' });
	for (const major of N8N_VERSIONS)
		audio[`gpl3.${FORMAT[major]}`] = await speak(GPL, FORMAT[major]);
	audio['short.mp3'] = await speak(SHORT, 'mp3');
	await host.start();
}, 30 * 60_000);

afterAll(async () => {
	await server?.stop();
	await host.stop();
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(path.join(ROOT, 'build'), { recursive: true });
	writeFileSync(path.join(ROOT, 'build/podcast-results.json'), JSON.stringify(measured, null, 2));
});

function newsletterWorkflow() {
	return workflow('podNewsletter', 'Newsletter', [
		speechNode('Speak', { input: NEWSLETTER }),
		// Cut into chunks so that the two cores share the engine's work.
		transcriptionNode('Transcribe', { options: { maxUploadMb: 5 } }),
	]);
}

/** Checks that timed entries run in order and stay within the audio. */
function checkTimeline(entries: Array<{ start: number; end: number }>, duration: number): void {
	expect(entries.length).toBeGreaterThan(0);
	for (let i = 1; i < entries.length; i++) {
		expect(entries[i].start).toBeGreaterThanOrEqual(entries[i - 1].end - 0.001);
		expect(entries[i].end).toBeGreaterThanOrEqual(entries[i].start);
	}
	expect(entries[0].start).toBeGreaterThanOrEqual(0);
	expect(entries[entries.length - 1].end).toBeLessThanOrEqual(duration + 0.05);
	expect(duration - entries[entries.length - 1].end).toBeLessThan(4);
}

/**
 * Word errors within {@link WINDOW} seconds of each join, stitched vs one piece, on the same
 * reference words. The reference words get times from the one-piece transcript's alignment
 * (interpolated where it dropped a word), so that both are scored on the same stretch of text.
 */
function joinScores(stitched: TimedWord[], onePiece: TimedWord[], joins: number[]) {
	const ref = words(GPL);
	const whole = alignWords(
		ref,
		onePiece.map((w) => w.word),
	);
	const split = alignWords(
		ref,
		stitched.map((w) => w.word),
	);
	const time = Array.from(whole.hypOf, (h) => (h >= 0 ? onePiece[h].start : NaN));
	for (let i = 0; i < time.length; i++) {
		if (!Number.isNaN(time[i])) continue;
		let j = i;
		while (j < time.length && Number.isNaN(time[j])) j++;
		const before = i > 0 ? time[i - 1] : 0;
		const after = j < time.length ? time[j] : before;
		for (let k = i; k < j; k++) time[k] = before + ((after - before) * (k - i + 1)) / (j - i + 1);
		i = j;
	}
	let refWords = 0;
	let splitErrors = 0;
	let wholeErrors = 0;
	const perJoin = joins.map((join) => {
		const inside = time.flatMap((t, i) => (Math.abs(t - join) <= WINDOW ? [i] : []));
		const [from, to] = [inside[0], inside[inside.length - 1]];
		const e = { split: errorsIn(split, from, to), whole: errorsIn(whole, from, to) };
		refWords += to - from + 1;
		splitErrors += e.split;
		wholeErrors += e.whole;
		// A doubled stretch at a join: the same three words twice in a row within the window,
		// where the text does not repeat them.
		const near = stitched.filter((w) => Math.abs(w.start - join) <= WINDOW).map((w) => w.word);
		const text = ` ${ref.slice(from, to + 1).join(' ')} `;
		for (let i = 0; i + 6 <= near.length; i++) {
			const a = near.slice(i, i + 3).join(' ');
			if (a === near.slice(i + 3, i + 6).join(' ')) expect(text).toContain(` ${a} ${a} `);
		}
		// A lost stretch at a join: a silence between words across the join longer than the one
		// the engine leaves there when it hears the file whole.
		const gap = (list: TimedWord[]) => {
			const after = list.findIndex((w) => w.start >= join);
			if (after <= 0) return 0;
			return list[after].start - list[after - 1].end;
		};
		expect(gap(stitched)).toBeLessThanOrEqual(gap(onePiece) + 1.5);
		return e;
	});
	return {
		refWords,
		splitWer: splitErrors / refWords,
		wholeWer: wholeErrors / refWords,
		perJoin,
	};
}

describe.each(N8N_VERSIONS)('n8n %s.x: podcast feed to subtitles', (major) => {
	const format = FORMAT[major];
	let n8n: N8nInstance;
	let out: string;
	let env: Record<string, string>;

	beforeAll(async () => {
		const file = audio[`gpl3.${format}`];
		out = path.join(dir, `out-${major}`);
		mkdirSync(out);
		env = { N8N_RESTRICT_FILE_ACCESS_TO: out };
		n8n = new N8nInstance(major, 'filesystem');
		// The example's credential, and the one the other workflows here use.
		await n8n.importCredentials(
			[EXAMPLE_CREDENTIAL, 'audioRef'].map((id) => ({
				id,
				name: `Reference server (${id})`,
				type: 'audioApi',
				data: { baseUrl: server.baseUrl, apiKey: KEY },
			})),
		);
		const feed = podcastFeedWorkflow({
			feedUrl: `${host.base}/feed-${format}.rss`,
			folder: out,
			model: 'whisper-1',
		});
		// Max Upload Size, as a user sets it in Options, so that the long episode has at least 12
		// joins (a real provider's 25 MB would make 2 to 3 of this file).
		const transcribeNode = feed.nodes.find((node) => node.name === 'Transcribe')!;
		const parameters = transcribeNode.parameters as { options: Record<string, unknown> };
		parameters.options.maxUploadMb = Math.floor(file.length / 14 / 1e5) / 10;
		await n8n.importWorkflows([feed, newsletterWorkflow()]);
	});

	afterAll(() => n8n?.dispose());

	it(`writes both episodes' srt, txt and json on the first run (long one: ${format}) and nothing on the second`, async () => {
		const long = audio[`gpl3.${format}`];
		const first = await n8n.execute('exPodcastFeed', env);
		expect(nodeOutput(first, 'New Episodes Only')).toHaveLength(2);
		const transcribed = nodeOutput(first, 'Transcribe');
		expect(transcribed).toHaveLength(2);
		expect(transcribed.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		// The enclosures were fetched without the provider's key.
		expect(host.requests.filter((r) => r.path.startsWith(`/gpl3.${format}`))).not.toHaveLength(0);
		expect(host.requests.every((r) => r.authorization === undefined)).toBe(true);

		const files = readdirSync(out).sort();
		expect(files).toEqual(
			['coffee-after-lunch', 'the-gpl-read-aloud'].flatMap((name) =>
				['json', 'srt', 'txt'].map((ext) => `${name}.${ext}`),
			),
		);
		const read = (name: string) => readFileSync(path.join(out, name), 'utf8');

		// The short episode: one upload.
		const short = JSON.parse(read('coffee-after-lunch.json'));
		expect(short.chunks).toBeUndefined();
		expect(wordErrorRate(SHORT, read('coffee-after-lunch.txt'))).toBeLessThanOrEqual(0.25);
		checkTimeline(parseSubtitles(read('coffee-after-lunch.srt')), Number(short.duration));

		// The long one: split, stitched, in order and within the audio.
		// The baseline: the same engine on the whole file (after n8n's run, so as not to slow it:
		// the node's download waits while its chunks are transcribed).
		const whole = await transcribe(long);
		const json = JSON.parse(read('the-gpl-read-aloud.json')) as {
			text: string;
			duration: number;
			segments: Array<{ id: number; start: number; end: number }>;
			words: TimedWord[];
			chunks: Array<{ start: number; end: number; bytes: number }>;
		};
		const chunks = json.chunks;
		expect(chunks.length).toBeGreaterThanOrEqual(13);
		expect(chunks[chunks.length - 1].end).toBeCloseTo(whole.duration, 0);
		const cues = parseSubtitles(read('the-gpl-read-aloud.srt'));
		checkTimeline(cues, whole.duration);
		checkTimeline(json.segments, whole.duration);
		checkTimeline(json.words, whole.duration);
		expect(json.segments.map((s) => s.id)).toEqual(json.segments.map((_s, i) => i));
		expect(read('the-gpl-read-aloud.txt').trim()).toBe(json.text.trim());
		const wer = wordErrorRate(GPL, json.text);
		const onePieceText = whole.utterances.map((u) => u.text).join(' ');
		const onePieceWer = wordErrorRate(GPL, onePieceText);
		expect(wer).toBeLessThanOrEqual(onePieceWer + 0.01);

		// The joins: where one chunk's kept span ends and the next one's begins, in the middle
		// of the audio the two share.
		const joins = chunks.slice(1).map((c, i) => (c.start + chunks[i].end) / 2);
		const scores = joinScores(
			timedWords(json.words),
			timedWords(whole.utterances.flatMap((u) => u.words)),
			joins,
		);
		measured.push({
			n8n: `${major}.x`,
			format,
			fileMb: Math.round(long.length / 1e5) / 10,
			minutes: Math.round((whole.duration / 60) * 10) / 10,
			chunks: chunks.length,
			joins: joins.length,
			wer: Math.round(wer * 1000) / 1000,
			onePieceWer: Math.round(onePieceWer * 1000) / 1000,
			joinWindowWords: scores.refWords,
			joinWer: Math.round(scores.splitWer * 1000) / 1000,
			joinOnePieceWer: Math.round(scores.wholeWer * 1000) / 1000,
			perJoin: scores.perJoin,
			peakRssMb: Math.round((first.peakRssKb ?? 0) / 1024),
			seconds: Math.round(first.ms / 1000),
		});
		expect(scores.splitWer).toBeLessThanOrEqual(scores.wholeWer + 0.02);

		// The second run: both episodes were seen; nothing is transcribed or written.
		const written = files.map((name) => statSync(path.join(out, name)).mtimeMs);
		const downloads = host.requests.length;
		const second = await n8n.execute('exPodcastFeed', env);
		expect(nodeOutput(second, 'Read Feed')).toHaveLength(2);
		expect(second.data!.resultData.runData['New Episodes Only'][0].data!.main[0]).toEqual([]);
		expect(second.data!.resultData.runData.Transcribe).toBeUndefined();
		expect(host.requests.slice(downloads).map((r) => r.path)).toEqual([`/feed-${format}.rss`]);
		expect(readdirSync(out).sort()).toEqual(files);
		expect(files.map((name) => statSync(path.join(out, name)).mtimeMs)).toEqual(written);

		// Memory: the first run's peak over the second's (n8n with the same nodes loaded, the
		// feed read, nothing transcribed), within the bench's 100 MB growth target.
		expect(first.peakRssKb).toBeDefined();
		const growthMb = ((first.peakRssKb ?? 0) - (second.peakRssKb ?? 0)) / 1024;
		measured[measured.length - 1].growthMb = Math.round(growthMb);
		expect(growthMb).toBeLessThan(100);
	});

	it('speaks a 20,000-character text into one mp3 and transcribes it back', async () => {
		const execution = await n8n.execute('podNewsletter', env);
		const [spoken] = nodeOutput(execution, 'Speak');
		const parts = spoken.json.parts as Array<{ characters: number }>;
		expect(parts.length).toBeGreaterThanOrEqual(5);
		expect(parts.every((p) => p.characters <= 4096)).toBe(true);
		expect(spoken.binary!.data.mimeType).toBe('audio/mpeg');
		const [transcript] = nodeOutput(execution, 'Transcribe');
		const wer = wordErrorRate(NEWSLETTER, String(transcript.json.text));
		expect(wer).toBeLessThan(0.5);
		measured.push({
			n8n: `${major}.x`,
			what: '20,000-character newsletter',
			characters: NEWSLETTER.length,
			parts: parts.length,
			mp3Mb: Math.round(Number(spoken.json.bytes) / 1e5) / 10,
			wer: Math.round(wer * 1000) / 1000,
			seconds: Math.round(execution.ms / 1000),
		});
	});
});
