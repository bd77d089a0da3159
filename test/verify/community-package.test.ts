/**
 * n8n's verification tools on the built package (scripts/verify-package.mjs): the community
 * scanner on the npm tarball and on the source, the tarball's package.json, `n8n-node lint`'s
 * strict mode and scope, and what publishing with provenance needs. Each check prints what it
 * found.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../..');

interface Report {
	total: number;
	seconds: number;
	checks: Array<{ name: string; findings: string[] }>;
}

const CHECKS = [
	'scanner (tarball)',
	'scanner (source)',
	'tarball package.json',
	'lint strict mode',
	'publishing',
	'lint scope',
];

let report: Report;

beforeAll(async () => {
	// The script exits 1 when it finds anything; its JSON report is read either way.
	const { stdout } = await promisify(execFile)(
		process.execPath,
		[path.join(ROOT, 'scripts/verify-package.mjs'), '--json'],
		// Without jest's NODE_ENV=test, under which eslint-plugin-n8n-nodes-base judges file names
		// as in its own tests and reports every node file.
		{
			cwd: ROOT,
			env: { ...process.env, NODE_ENV: 'production' },
			maxBuffer: 64 << 20,
			timeout: 10 * 60_000,
		},
	).catch((error: { stdout?: string; stderr?: string; code?: number }) => {
		if (!error.stdout) throw new Error(`verify-package.mjs failed: ${error.stderr}`);
		return { stdout: error.stdout };
	});
	report = JSON.parse(stdout) as Report;
}, 10 * 60_000);

it.each(CHECKS)('%s: no findings', (name) => {
	const check = report.checks.find((c) => c.name.startsWith(name));
	expect(check).toBeDefined();
	console.log(
		`${check!.name}: ${check!.findings.length} findings${check!.findings.map((f) => `\n  ${f}`).join('')}`,
	);
	expect(check!.findings).toEqual([]);
});
