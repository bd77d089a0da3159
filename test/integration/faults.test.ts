/**
 * The fault suite (issue 12, item 7): every node runs in n8n's real engine against a local
 * OpenAI-style server that breaks the connection, cuts bodies and streams short, answers 429
 * storms, HTML 502s and 503 "shutting down", redirects to a second local server (another origin)
 * that records what reaches it, and echoes the request headers in a 200 and a 401.
 *
 * Each case asserts the attempts the server saw, the result or the error text, and that the
 * credential's secrets (plain, base64 and URL-encoded) appear nowhere: not in the run as n8n
 * stores it, not in the errors, not in n8n's log or the console, not at the second server.
 * The table of case → attempts → outcome is written to build/fault-table.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { openAiError, type Fault, type Reply } from '../../server/openai-core';
import { logLines, runWorkflow, type BinaryMode, type RunResult } from '../support/engine';
import {
	FIXTURES,
	OpenAiTestServer,
	type ReceivedRequest,
	type ScriptedReply,
} from '../support/openai-server';

const KEY = 'sk-fault-KEY-4f3e2d1c0b9a';
const GATEWAY_SECRET = 'gw-fault-SECRET-77aa88bb';
const ORGANIZATION = 'org-fault-ORG-31415';
const SECRETS = [KEY, GATEWAY_SECRET];
/** Every form of a secret that must not show: plain, base64 and URL-encoded. */
const FORMS = SECRETS.flatMap((s) => [
	s,
	Buffer.from(s).toString('base64'),
	encodeURIComponent(s),
	Buffer.from(`Bearer ${s}`).toString('base64'),
]);

type Auth = 'bearer' | 'apiKey' | 'custom';
const AUTH: Record<Auth, Record<string, string>> = {
	bearer: { authHeader: 'bearer' },
	apiKey: { authHeader: 'apiKey' },
	custom: { authHeader: 'custom', authHeaderName: 'X-Fault-Key' },
};

const rl = (value: string) => ({ __rl: true, mode: 'id', value });
const WAV = path.join(FIXTURES, 'hello.wav');

/** A node under test: its parameters, and how a 200 that echoes the request's headers looks to it. */
interface NodeUnderTest {
	label: string;
	type: string;
	/** Whether items carry audio in (uploads) or out (speech): run in both binary modes. */
	binary: 'in' | 'out' | 'none';
	parameters: Record<string, unknown>;
	echo200(headers: string): Reply;
}

const NODES: NodeUnderTest[] = [
	{
		label: 'Audio Speech',
		type: 'audioSpeech',
		binary: 'out',
		parameters: { model: rl('tts-1'), input: 'Hello.', voice: 'alloy', responseFormat: 'wav' },
		// A server that answers text where audio was asked for.
		echo200: (headers) => ({
			status: 200,
			headers: { 'content-type': 'text/plain' },
			body: headers,
		}),
	},
	{
		label: 'Audio Transcription',
		type: 'audioTranscription',
		binary: 'in',
		parameters: { binaryPropertyName: 'data', model: rl('whisper-1'), responseFormat: 'json' },
		echo200: (headers) => ({ status: 200, body: { text: headers } }),
	},
	{
		label: 'Audio Translation',
		type: 'audioTranslation',
		binary: 'in',
		parameters: { binaryPropertyName: 'data', model: rl('whisper-1'), responseFormat: 'json' },
		echo200: (headers) => ({ status: 200, body: { text: headers } }),
	},
	{
		label: 'Audio Models',
		type: 'audioModels',
		binary: 'none',
		parameters: { audioOnly: false },
		echo200: (headers) => ({
			status: 200,
			body: {
				object: 'list',
				data: [{ id: headers, object: 'model', created: 0, owned_by: 'echo' }],
			},
		}),
	},
	{
		label: 'Audio Chat',
		type: 'audioChat',
		binary: 'in',
		parameters: {
			binaryPropertyName: 'data',
			model: rl('gpt-4o-audio-preview'),
			prompt: 'What is said?',
		},
		echo200: (headers) => ({
			status: 200,
			body: {
				id: 'chatcmpl-echo',
				object: 'chat.completion',
				created: 1790000000,
				model: 'gpt-4o-audio-preview',
				choices: [
					{
						index: 0,
						message: { role: 'assistant', content: headers, refusal: null },
						finish_reason: 'stop',
					},
				],
			},
		}),
	},
];

/** One fault case: what the server does, with how many retries, and what the node must make of it. */
interface FaultCase {
	name: string;
	/** Only for these node types (default: all). */
	only?: string[];
	maxRetries: number;
	/** Speech options beyond the defaults, e.g. `streamFormat: 'sse'`. */
	speechOptions?: Record<string, unknown>;
	script(
		node: NodeUnderTest,
		ctx: { main: OpenAiTestServer; other: OpenAiTestServer },
	): ScriptedReply[];
	attempts: number;
	/** The error message (and description) to expect; none: the item must succeed. */
	error?: { message: RegExp; description?: RegExp };
	/** Where the item succeeded: what its output must hold. */
	check?(result: RunResult, node: NodeUnderTest): Promise<void> | void;
}

const headersOf = (request: ReceivedRequest) => JSON.stringify(request.headers);
const wavBytes = readFileSync(WAV);

/** The server's default reply, cut by a fault after half its bytes. */
const cut =
	(main: OpenAiTestServer, fault: 'reset-reply' | 'truncate') =>
	(request: ReceivedRequest): Fault => {
		const reply = main.replyTo(request);
		const body = reply.body;
		const length = Buffer.isBuffer(body)
			? body.length
			: Buffer.byteLength(typeof body === 'string' ? body : JSON.stringify(body));
		return { fault, afterBytes: Math.floor(length / 2), reply };
	};

/** A speech event stream that ends before its `speech.audio.done` event. */
const sseWithoutDone = (): Reply => ({
	status: 200,
	headers: { 'content-type': 'text/event-stream' },
	body: `data: ${JSON.stringify({ type: 'speech.audio.delta', audio: wavBytes.subarray(0, 20000).toString('base64') })}\n\n`,
});

const rateLimited = (): Reply => ({
	status: 429,
	// OpenAI sends both; the milliseconds header keeps the suite fast.
	headers: { 'retry-after-ms': '20', 'retry-after': '1' },
	body: openAiError('Rate limit reached for requests', 'requests', 'rate_limit_exceeded'),
});
const html502 = (): Reply => ({
	status: 502,
	headers: { 'content-type': 'text/html' },
	body: '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>',
});
const shuttingDown = (): Reply => ({
	status: 503,
	body: openAiError('The server is shutting down', 'server_error', 'service_unavailable'),
});
const redirect =
	(to: OpenAiTestServer) =>
	(request: ReceivedRequest): Reply => ({
		status: 307,
		headers: { location: `${to.baseUrl}${request.apiPath}` },
	});

/** A reply cut short: the bytes received of those announced, the attempts and what to try. */
const CUT_OFF = {
	message: /^The provider's reply was cut off after \d+ bytes of \d+$/,
	description: /raise Max Retries.*attempts: 2/,
};

const CASES: FaultCase[] = [
	{
		name: 'reset mid-upload, then a reply',
		maxRetries: 1,
		script: () => [{ fault: 'reset-upload', afterBytes: 1 }],
		attempts: 2,
	},
	{
		name: 'reset mid-upload on every attempt',
		maxRetries: 1,
		script: () => [
			{ fault: 'reset-upload', afterBytes: 1 },
			{ fault: 'reset-upload', afterBytes: 1 },
		],
		attempts: 2,
		error: {
			message: /^The connection to 127\.0\.0\.1:\d+ was reset$/,
			description: /attempts: 2/,
		},
	},
	{
		name: 'reset mid-reply, then a reply',
		maxRetries: 1,
		script: (_node, { main }) => [cut(main, 'reset-reply')],
		attempts: 2,
	},
	{
		name: 'reset mid-reply on every attempt',
		maxRetries: 1,
		script: (_node, { main }) => [cut(main, 'reset-reply'), cut(main, 'reset-reply')],
		attempts: 2,
		error: CUT_OFF,
	},
	{
		name: 'body shorter than its Content-Length, then a reply',
		maxRetries: 1,
		script: (_node, { main }) => [cut(main, 'truncate')],
		attempts: 2,
	},
	{
		name: 'body shorter than its Content-Length on every attempt',
		maxRetries: 1,
		script: (_node, { main }) => [cut(main, 'truncate'), cut(main, 'truncate')],
		attempts: 2,
		error: CUT_OFF,
	},
	{
		name: 'SSE stream cut before speech.audio.done, then a whole stream',
		only: ['audioSpeech'],
		maxRetries: 1,
		speechOptions: { streamFormat: 'sse' },
		script: () => [sseWithoutDone()],
		attempts: 2,
	},
	{
		name: 'SSE stream cut before speech.audio.done on every attempt',
		only: ['audioSpeech'],
		maxRetries: 1,
		speechOptions: { streamFormat: 'sse' },
		script: () => [sseWithoutDone(), sseWithoutDone()],
		attempts: 2,
		error: {
			message:
				/^The provider's reply was cut off after \d+ bytes: the speech stream ended before its speech.audio.done event$/,
			description: /raise Max Retries.*attempts: 2/,
		},
	},
	{
		name: '429 storm with Retry-After, then a reply',
		maxRetries: 3,
		script: () => [rateLimited(), rateLimited(), rateLimited()],
		attempts: 4,
	},
	{
		name: '429 storm with Retry-After outlasting the retries',
		maxRetries: 2,
		script: () => [rateLimited(), rateLimited(), rateLimited()],
		attempts: 3,
		error: {
			message: /^The provider answered 429: Rate limit reached for requests$/,
			description: /raise Max Retries.*attempts: 3/,
		},
	},
	{
		name: 'HTML 502 page on every attempt',
		maxRetries: 1,
		script: () => [html502(), html502()],
		attempts: 2,
		error: {
			message:
				/^The provider answered 502: The server answered with an HTML page \("502 Bad Gateway"\)/,
			description: /attempts: 2/,
		},
	},
	{
		name: '503 shutting down, then a reply',
		maxRetries: 1,
		script: () => [shuttingDown()],
		attempts: 2,
	},
	{
		name: '503 shutting down on every attempt',
		maxRetries: 1,
		script: () => [shuttingDown(), shuttingDown()],
		attempts: 2,
		error: {
			message: /^The provider answered 503: The server is shutting down$/,
			description: /restarting: run the items again in a minute.*attempts: 2/,
		},
	},
	{
		name: '307 to another origin (a second server)',
		maxRetries: 1,
		script: (_node, { other }) => [redirect(other)],
		attempts: 1,
		error: {
			message: /^The provider answered 307 and redirects to http:\/\/127\.0\.0\.1:\d+\//,
			description: /only sent to the credential's own host/,
		},
	},
	{
		name: '307 to the same origin: followed',
		maxRetries: 1,
		script: (_node, { main }) => [redirect(main)],
		attempts: 2,
	},
	{
		name: '200 echoing the request headers',
		maxRetries: 1,
		script: (node) => [(request) => node.echo200(headersOf(request))],
		attempts: 1,
	},
	{
		name: '401 echoing the request headers',
		maxRetries: 1,
		script: () => [
			(request) => ({
				status: 401,
				body: openAiError(
					`Incorrect API key provided: ${headersOf(request)}`,
					'invalid_request_error',
					'invalid_api_key',
				),
			}),
		],
		attempts: 1,
		error: {
			message: /^The provider answered 401: Incorrect API key provided: /,
			description: /Check the API Key/,
		},
	},
];

/** What the table records: node, mode, auth header, case, attempts, outcome. */
const table: string[][] = [];

/** The run as n8n stores it, with errors' message and description, for the secrets check. */
function everything(result: RunResult): string {
	return JSON.stringify(result.run, (_key, value: unknown) =>
		value instanceof Error
			? {
					...value,
					message: value.message,
					description: (value as { description?: unknown }).description,
					stack: value.stack,
				}
			: value,
	);
}

function nodeRuns(): Array<[string, NodeUnderTest, BinaryMode]> {
	return NODES.flatMap((node) =>
		(node.binary === 'none' ? (['default'] as const) : (['default', 'filesystem'] as const)).map(
			(mode): [string, NodeUnderTest, BinaryMode] => [
				`${node.label}, binary mode ${mode}`,
				node,
				mode,
			],
		),
	);
}

describe.each(nodeRuns())('faults: %s', (_title, node, binaryMode) => {
	const main = new OpenAiTestServer();
	const other = new OpenAiTestServer();
	const consoleLines: string[] = [];
	beforeAll(async () => {
		await main.start();
		await other.start();
	});
	afterAll(async () => {
		await main.stop();
		await other.stop();
	});
	beforeEach(() => {
		main.requests.splice(0);
		other.requests.splice(0);
		logLines.splice(0);
		consoleLines.splice(0);
		for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const)
			jest
				.spyOn(console, level)
				.mockImplementation(
					(...args: unknown[]) => void consoleLines.push(args.map(String).join(' ')),
				);
	});
	afterEach(() => jest.restoreAllMocks());

	const auths: Auth[] = ['bearer', 'apiKey', 'custom'];
	const cases = CASES.filter((c) => !c.only || c.only.includes(node.type)).flatMap((c) =>
		// The cases that could carry or show the key run under every Authentication Header.
		(/echoing|another origin/.test(c.name) ? auths : (['bearer'] as Auth[])).map(
			(auth): [string, FaultCase, Auth] => [`${c.name} (${auth})`, c, auth],
		),
	);

	it.each(cases)('%s', async (_name, fault, auth) => {
		main.script(...fault.script(node, { main, other }));
		const result = await runWorkflow({
			binaryMode,
			credentials: {
				audioApi: {
					baseUrl: main.baseUrl,
					apiKey: KEY,
					organizationId: ORGANIZATION,
					customHeaderName: 'X-Gateway-Key',
					customHeaderSecret: GATEWAY_SECRET,
					...AUTH[auth],
				},
			},
			items: [
				node.binary === 'in'
					? { binary: { data: { path: WAV, fileName: 'hello.wav', mimeType: 'audio/wav' } } }
					: { json: {} },
			],
			nodes: [
				{
					name: 'Node',
					type: node.type,
					parameters: {
						...node.parameters,
						options: {
							maxRetries: fault.maxRetries,
							...(node.type === 'audioSpeech' ? fault.speechOptions : {}),
						},
					},
				},
			],
		});

		const failure = result.failure as
			{ message: string; description?: string; context?: { itemIndex?: number } } | undefined;
		const outcome = failure
			? `error: ${failure.message}`
			: `ok: ${JSON.stringify(result.output('Node')[0]?.json ?? {}).slice(0, 60)}`;
		table.push([node.label, binaryMode, auth, fault.name, String(main.requests.length), outcome]);

		expect(main.requests).toHaveLength(fault.attempts);
		if (fault.error) {
			expect(failure?.message).toMatch(fault.error.message);
			if (fault.error.description) expect(failure?.description).toMatch(fault.error.description);
			expect(failure?.context?.itemIndex ?? 0).toBe(0);
		} else if (!/echoing/.test(fault.name)) {
			expect(failure).toBeUndefined();
			const [item] = result.output('Node');
			if (node.type === 'audioSpeech')
				expect((await result.binaryBytes(item)).equals(wavBytes)).toBe(true);
			if (node.binary === 'in' && node.type !== 'audioChat')
				expect(item.json.text).toBe('hello world');
			if (node.type === 'audioModels') expect(result.output('Node').length).toBeGreaterThan(0);
		} else if (node.type !== 'audioSpeech') {
			// The echo reached an output or error, with the key replaced.
			expect(everything(result)).toContain('***');
		}

		// The key stays with its host.
		for (const request of other.requests) {
			const sent = JSON.stringify(request.headers);
			for (const form of FORMS) expect(sent).not.toContain(form);
			expect(request.headers.authorization).toBeUndefined();
			expect(request.headers['api-key']).toBeUndefined();
			expect(request.headers['x-fault-key']).toBeUndefined();
			expect(request.headers['x-gateway-key']).toBeUndefined();
			expect(request.headers['openai-organization']).toBeUndefined();
		}
		expect(other.requests).toHaveLength(0);
		// ...and is never shown.
		const shown = [everything(result), logLines.join('\n'), consoleLines.join('\n')].join('\n');
		for (const form of FORMS) expect(shown).not.toContain(form);
	});
});

afterAll(() => {
	const dir = path.resolve(__dirname, '../../build');
	mkdirSync(dir, { recursive: true });
	const rows = table.map(
		(row) => `| ${row.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`,
	);
	writeFileSync(
		path.join(dir, 'fault-table.md'),
		[
			'| Node | Binary mode | Authentication Header | Fault case | Attempts | Outcome |',
			'| --- | --- | --- | --- | --- | --- |',
			...rows,
			'',
		].join('\n'),
	);
});
