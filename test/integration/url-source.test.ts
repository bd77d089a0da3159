import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { joinAudio } from '../../package/lib/audio/join';
import { runWorkflow, type BinaryMode } from '../support/engine';
import { FIXTURES, OpenAiTestServer } from '../support/openai-server';

const KEY = 'sk-url-source-0123456789';

/** A plain file host on loopback that records every request it gets. */
class FileHost {
	readonly requests: Array<{ path: string; headers: http.IncomingHttpHeaders }> = [];

	private server?: http.Server;

	base = '';

	constructor(private readonly files: Record<string, Buffer>) {}

	async start(): Promise<void> {
		this.server = http.createServer((req, res) => {
			this.requests.push({ path: req.url ?? '', headers: req.headers });
			if (req.url === '/moved.wav') {
				res.writeHead(302, { location: '/episode.wav' }).end();
				return;
			}
			const chunked = req.url?.startsWith('/chunked/');
			// /cut/: the first download breaks off halfway, as a host drops a connection left idle;
			// /cut-norange/ breaks the same way and ignores Range requests.
			const cut = /^\/cut(-norange)?\//.exec(req.url ?? '');
			const file = this.files[(req.url ?? '').replace(/^\/(chunked|cut|cut-norange)\//, '/')];
			if (!file) {
				res.writeHead(404, { 'content-type': 'text/plain' }).end('no such file');
				return;
			}
			const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
			if (range && cut?.[1] !== '-norange') {
				const from = Number(range[1]);
				res.writeHead(206, {
					'content-type': 'audio/wav',
					'content-length': String(file.length - from),
					'content-range': `bytes ${from}-${file.length - 1}/${file.length}`,
				});
				res.end(file.subarray(from));
				return;
			}
			res.writeHead(200, {
				'content-type': 'audio/wav',
				...(chunked ? {} : { 'content-length': String(file.length) }),
			});
			if (cut) {
				res.write(file.subarray(0, Math.floor(file.length / 2)), () => res.destroy());
				return;
			}
			// In blocks, as a real host streams a long file.
			for (let i = 0; i < file.length; i += 65536) res.write(file.subarray(i, i + 65536));
			res.end();
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		this.base = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
	}

	async stop(): Promise<void> {
		await new Promise((resolve) => this.server?.close(resolve));
	}
}

describe.each<BinaryMode>(['default', 'filesystem'])(
	'Audio Source: URL, binary mode %s',
	(binaryMode) => {
		// hello.wav ten times: about 400 kB, which a Max Upload Size of 0.1 MB cuts into chunks.
		const episode = joinAudio(
			'wav',
			Array(10).fill(readFileSync(path.join(FIXTURES, 'hello.wav'))),
		);
		const short = readFileSync(path.join(FIXTURES, 'hello.wav'));
		const host = new FileHost({ '/episode.wav': episode, '/short.wav': short });
		const provider = new OpenAiTestServer();
		beforeAll(async () => {
			await host.start();
			await provider.start();
			provider.apiKey = KEY;
		});
		afterAll(async () => {
			await host.stop();
			await provider.stop();
		});
		beforeEach(() => {
			host.requests.splice(0);
			provider.requests.splice(0);
		});
		afterEach(() => expect(provider.contractViolations()).toEqual([]));

		const transcribe = async (
			url: string,
			options: Record<string, unknown> = {},
			responseFormat = 'verbose_json',
		) =>
			await runWorkflow({
				binaryMode,
				credentials: { audioApi: { baseUrl: provider.baseUrl, apiKey: KEY } },
				items: [{ json: { url } }],
				nodes: [
					{
						name: 'Transcribe',
						type: 'audioTranscription',
						continueOnFail: true,
						parameters: {
							audioSource: 'url',
							audioUrl: '={{ $json.url }}',
							model: { __rl: true, mode: 'id', value: 'whisper-1' },
							responseFormat,
							options,
						},
					},
				],
			});

		it('downloads once, without the key, splits on the fly and stitches the chunks', async () => {
			const result = await transcribe(`${host.base}/episode.wav`, { maxUploadMb: 0.1 });
			const [item] = result.output('Transcribe');
			expect(item.json.error).toBeUndefined();
			const chunks = item.json.chunks as Array<{ bytes: number }>;
			expect(chunks.length).toBeGreaterThan(3);
			expect(chunks.every((c) => c.bytes <= 100_000)).toBe(true);
			expect(provider.requests).toHaveLength(chunks.length);
			// Every chunk is a WAV of its own, cut from the download as it arrived.
			for (const request of provider.requests) {
				const bytes = request.files![0].bytes;
				expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
				expect(request.files![0].fileName).toMatch(/^episode-\d{3}\.wav$/);
			}
			expect(host.requests).toHaveLength(1);
			expect(JSON.stringify(host.requests)).not.toContain(KEY);
			expect(host.requests[0].headers.authorization).toBeUndefined();
			expect(item.binary).toBeUndefined();
		});

		it('picks a broken download up where it broke, with a Range request, and stitches as if whole', async () => {
			const whole = await transcribe(`${host.base}/episode.wav`, { maxUploadMb: 0.1 });
			const sentWhole = provider.requests.map((r) => r.files![0].bytes);
			provider.requests.splice(0);
			host.requests.splice(0);
			const result = await transcribe(`${host.base}/cut/episode.wav`, { maxUploadMb: 0.1 });
			const [item] = result.output('Transcribe');
			expect(item.json.error).toBeUndefined();
			expect(item.json.text).toBe(whole.output('Transcribe')[0].json.text);
			// The same chunks, byte for byte, as from the download that did not break.
			expect(provider.requests.map((r) => r.files![0].bytes)).toEqual(sentWhole);
			expect(host.requests.map((r) => r.headers.range)).toEqual([
				undefined,
				`bytes=${Math.floor(episode.length / 2)}-`,
			]);
			expect(JSON.stringify(host.requests)).not.toContain(KEY);
		});

		it('fails the item when a broken download cannot be resumed, and sends no partial transcript', async () => {
			const result = await transcribe(`${host.base}/cut-norange/episode.wav`, {
				maxUploadMb: 0.1,
				maxRetries: 0,
			});
			const [item] = result.output('Transcribe');
			const half = Math.floor(episode.length / 2);
			expect(item.json.error).toBe(
				`The download of ${host.base}/cut-norange/episode.wav broke off after ${half} of ${episode.length} bytes`,
			);
			expect(item.json.description).toMatch(
				/did not resume it from that byte \(Range request\): run the item again, or download the file with an HTTP Request node and use Audio Source: Binary\. — Item 0 \("episode.wav"\)$/,
			);
			expect(item.json.text).toBeUndefined();
			expect(host.requests[1].headers.range).toBe(`bytes=${Math.floor(episode.length / 2)}-`);
		});

		it('sends a download within the limit in one upload, byte for byte, also without a length', async () => {
			for (const url of [`${host.base}/short.wav`, `${host.base}/chunked/short.wav`]) {
				provider.requests.splice(0);
				const result = await transcribe(url, {}, 'json');
				expect(result.output('Transcribe')[0].json.text).toBe('hello world');
				expect(provider.requests).toHaveLength(1);
				expect(provider.requests[0].files![0].bytes.equals(short)).toBe(true);
			}
		});

		it('follows the file host’s redirect as an anonymous download', async () => {
			const result = await transcribe(`${host.base}/moved.wav`, { maxUploadMb: 0.1 });
			expect(result.output('Transcribe')[0].json.error).toBeUndefined();
			expect(host.requests.map((r) => r.path)).toEqual(['/moved.wav', '/episode.wav']);
			expect(JSON.stringify(host.requests)).not.toContain(KEY);
		});

		it('fails the item naming the URL, the status and the fix when the download fails', async () => {
			const result = await transcribe(`${host.base}/missing.wav`);
			const [item] = result.output('Transcribe');
			expect(item.json.error).toBe(
				`Downloading ${host.base}/missing.wav failed: the server answered 404`,
			);
			expect(item.json.description).toMatch(/Check the Audio URL.* — Item 0 \("missing.wav"\)$/);
			expect(provider.requests).toHaveLength(0);
		});

		it('refuses a URL that is not http(s), and an empty one, before anything is sent', async () => {
			const ftp = await transcribe('ftp://example.com/a.wav');
			expect(ftp.output('Transcribe')[0].json.error).toBe(
				'The Audio URL "ftp://example.com/a.wav" is not an http or https URL',
			);
			const empty = await transcribe('');
			expect(empty.output('Transcribe')[0].json.error).toBe('Audio URL is empty');
			expect(host.requests).toHaveLength(0);
			expect(provider.requests).toHaveLength(0);
		});
	},
);
