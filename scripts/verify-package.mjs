#!/usr/bin/env node
/**
 * n8n's verification tools on the built package, run locally the way n8n runs them before it
 * verifies a community package. Prints every finding and exits 1 when there is any.
 *
 * Checks:
 * - scanner (tarball): @n8n/scan-community-package's analyzePackage() on the unpacked `npm pack`
 *   tarball of package/, with ['**\/*.js', 'package.json'], as its analyzePackageByName() does;
 * - scanner (source): the same on package/ with the scanner's SOURCE_FILE_PATTERNS;
 *   (the scanner lints with allowInlineConfig: false, so eslint-disable comments do not count)
 * - tarball package.json: no runtime dependencies, n8n-workflow the only peer, the files the "n8n"
 *   section names present, README, LICENSE and CHANGELOG shipped;
 * - lint strict mode: "strict": true, package/eslint.config.mjs equal to @n8n/node-cli's default,
 *   and `n8n-node lint` refusing a modified config (so strict mode is really enforced);
 * - lint scope: the files `n8n-node lint` (eslint . in package/) would lint are all inside
 *   package/ and none in dist/;
 * - publishing: prepublishOnly, repository (with directory), homepage and bugs in
 *   package/package.json, and a publish workflow that tests, then publishes package/ with
 *   provenance.
 *
 * Usage: node scripts/verify-package.mjs [--json]   (after `npm run build`)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
	copyFileSync,
	existsSync,
	globSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ESLint } from 'eslint';
import { parse as parseYaml } from 'yaml';
import {
	analyzePackage,
	SOURCE_FILE_PATTERNS,
} from '@n8n/scan-community-package/scanner/scanner.mjs';

// eslint-plugin-n8n-nodes-base reads NODE_ENV when the scanner loads it: under "test" (as jest
// sets it) it judges file names as in its own tests and reports every node file.
if (process.env.NODE_ENV === 'test') delete process.env.NODE_ENV;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGE_DIR = path.join(ROOT, 'package');
const json = process.argv.includes('--json');

/**
 * The findings in an analyzePackage() result, one line each: `file:line:col rule message`.
 * The scanner returns only ESLint's "stylish" text, so it is read back line by line.
 */
function findingsOf(result, baseDir) {
	if (result.passed) return [];
	if (!result.details) return [`analysis failed: ${result.message}`];
	const plain = result.details.replace(/\u001b\[[0-9;]*m/g, '');
	const findings = [];
	let file = '';
	for (const line of plain.split('\n')) {
		if (line.startsWith('/')) file = path.relative(baseDir, line.trim());
		const hit = /^\s+(\d+):(\d+)\s+error\s+(.*?)\s{2,}(\S+)\s*$/.exec(line);
		if (hit) findings.push(`${file}:${hit[1]}:${hit[2]} ${hit[4]} ${hit[3]}`);
	}
	return findings.length > 0 ? findings : [`${result.message}: ${plain.trim()}`];
}

/** Packs package/ with npm (prepack runs, as on publish) and unpacks it as the scanner does. */
function packAndUnpack(work) {
	const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], {
		cwd: PACKAGE_DIR,
		encoding: 'utf8',
	})
		.trim()
		.split('\n')
		.pop();
	const unpacked = path.join(work, 'unpacked');
	mkdirSync(unpacked);
	execFileSync('tar', ['-xzf', path.join(work, tarball), '-C', unpacked, '--strip-components=1']);
	return unpacked;
}

function checkTarballManifest(unpacked) {
	const findings = [];
	const manifest = JSON.parse(readFileSync(path.join(unpacked, 'package.json'), 'utf8'));
	for (const field of [
		'dependencies',
		'optionalDependencies',
		'bundleDependencies',
		'bundledDependencies',
	])
		if (manifest[field] && Object.keys(manifest[field]).length > 0)
			findings.push(`${field} must be empty: ${JSON.stringify(manifest[field])}`);
	const peers = Object.keys(manifest.peerDependencies ?? {});
	if (peers.length !== 1 || peers[0] !== 'n8n-workflow')
		findings.push(`peerDependencies must be n8n-workflow only: ${JSON.stringify(peers)}`);
	for (const file of [...(manifest.n8n?.nodes ?? []), ...(manifest.n8n?.credentials ?? [])])
		if (!existsSync(path.join(unpacked, file)))
			findings.push(`"n8n" names ${file}, not in the tarball`);
	for (const file of ['README.md', 'LICENSE', 'CHANGELOG.md'])
		if (!existsSync(path.join(unpacked, file))) findings.push(`${file} is not in the tarball`);
	return findings;
}

function checkStrictLint() {
	const findings = [];
	const manifest = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8'));
	if (manifest.n8n?.strict !== true)
		findings.push('package.json: "n8n": {"strict": true} is not set');
	const normal = (text) => text.replace(/\s+/g, ' ').trim();
	const template = readFileSync(
		path.join(
			ROOT,
			'node_modules/@n8n/node-cli/dist/template/templates/shared/default/eslint.config.mjs',
		),
		'utf8',
	);
	const config = path.join(PACKAGE_DIR, 'eslint.config.mjs');
	if (!existsSync(config) || normal(readFileSync(config, 'utf8')) !== normal(template))
		findings.push("package/eslint.config.mjs is not @n8n/node-cli's default config");
	// A copy of the manifest with a changed config, under the root so that n8n-node resolves: strict
	// mode must refuse it before linting anything.
	mkdirSync(path.join(ROOT, 'build'), { recursive: true });
	const probe = mkdtempSync(path.join(ROOT, 'build', 'strict-probe-'));
	try {
		copyFileSync(path.join(PACKAGE_DIR, 'package.json'), path.join(probe, 'package.json'));
		writeFileSync(
			path.join(probe, 'eslint.config.mjs'),
			`${template}\n// changed\nexport const x = 1;\n`,
		);
		const lint = spawnSync(path.join(ROOT, 'node_modules/.bin/n8n-node'), ['lint'], {
			cwd: probe,
			encoding: 'utf8',
			env: { ...process.env, CI: '1' },
		});
		if (lint.status === 0 || !/Strict mode violation/.test(lint.stdout + lint.stderr))
			findings.push(
				`n8n-node lint accepted a modified eslint.config.mjs (exit ${lint.status}): strict mode is not enforced`,
			);
	} finally {
		rmSync(probe, { recursive: true, force: true });
	}
	const rootManifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	if (!/npm run lint -w package/.test(rootManifest.scripts?.lint ?? ''))
		findings.push('the root "lint" script does not run n8n-node lint in package/');
	if (!/npm run lint/.test(rootManifest.scripts?.test ?? ''))
		findings.push('"npm test" does not run the lint');
	return findings;
}

/**
 * What publishing with provenance needs: package/package.json's scripts and links, and a
 * .github/workflows/publish.yml that tests and then runs `npm publish --provenance` in package/.
 */
function checkPublishing() {
	const findings = [];
	const manifest = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8'));
	const prepublish = manifest.scripts?.prepublishOnly ?? '';
	if (!/npm run lint/.test(prepublish) || !/npm run build/.test(prepublish))
		findings.push(`prepublishOnly must run lint and build, not ${JSON.stringify(prepublish)}`);
	if (manifest.main !== undefined && !existsSync(path.join(PACKAGE_DIR, manifest.main)))
		findings.push(`"main" names ${manifest.main}, which the build does not make`);
	const repository = manifest.repository ?? {};
	if (!/^git\+https:\/\/github\.com\/[^/]+\/[^/]+\.git$/.test(repository.url ?? ''))
		findings.push(
			`repository.url must be the GitHub repository: ${JSON.stringify(repository.url)}`,
		);
	if (repository.directory !== 'package')
		findings.push('repository.directory must be "package", where the published package.json is');
	for (const field of ['homepage', 'bugs'])
		if (!manifest[field]) findings.push(`${field} is missing`);
	const file = path.join(ROOT, '.github/workflows/publish.yml');
	if (!existsSync(file)) return [...findings, '.github/workflows/publish.yml is missing'];
	const workflow = parseYaml(readFileSync(file, 'utf8'));
	if (!workflow.on?.push?.tags) findings.push('publish.yml does not run on version tags');
	const jobs = Object.values(workflow.jobs ?? {});
	const steps = jobs.flatMap((job) => job.steps ?? []);
	const publish = steps.find((step) => /npm publish --provenance/.test(step.run ?? ''));
	if (!publish) findings.push('publish.yml has no `npm publish --provenance` step');
	else if (publish['working-directory'] !== 'package')
		findings.push('publish.yml publishes outside package/');
	const testStep = steps.findIndex((step) => /npm test/.test(step.run ?? ''));
	if (testStep < 0 || testStep > steps.indexOf(publish))
		findings.push('publish.yml does not run the tests before publishing');
	if (!jobs.some((job) => job.permissions?.['id-token'] === 'write'))
		findings.push('publish.yml lacks permissions: id-token: write, which provenance needs');
	return findings;
}

/** The files `eslint .` in package/ lints: not ignored, and matched by a config block. */
async function lintScope() {
	const eslint = new ESLint({ cwd: PACKAGE_DIR });
	const files = globSync('**/*', {
		cwd: PACKAGE_DIR,
		exclude: (name) => name === 'node_modules',
	})
		.map((file) => path.join(PACKAGE_DIR, file))
		.filter((file) => statSync(file).isFile());
	const scope = [];
	for (const file of files) {
		if (await eslint.isPathIgnored(file)) continue;
		if (await eslint.calculateConfigForFile(file)) scope.push(path.relative(PACKAGE_DIR, file));
	}
	return scope;
}

function checkLintScope(scope) {
	const findings = [];
	for (const file of scope) {
		if (file.startsWith('..') || path.isAbsolute(file))
			findings.push(`${file} is outside package/`);
		else if (file.startsWith('dist/')) findings.push(`${file}: built output is linted`);
		else if (
			!/^(nodes|credentials|lib)\//.test(file) &&
			!['package.json', 'eslint.config.mjs'].includes(file)
		)
			findings.push(`${file}: not shipped source, yet linted`);
	}
	if (!scope.includes('package.json')) findings.push('package.json is not linted');
	return findings;
}

async function main() {
	if (!existsSync(path.join(PACKAGE_DIR, 'dist'))) {
		console.error('package/dist is missing: run `npm run build` first');
		process.exit(2);
	}
	const work = mkdtempSync(path.join(tmpdir(), 'audio-api-verify-'));
	const started = Date.now();
	const checks = [];
	try {
		const unpacked = packAndUnpack(work);
		const tarball = await analyzePackage(unpacked, ['**/*.js', 'package.json']);
		checks.push({ name: 'scanner (tarball)', findings: findingsOf(tarball, unpacked) });
		const source = await analyzePackage(PACKAGE_DIR, SOURCE_FILE_PATTERNS);
		checks.push({ name: 'scanner (source)', findings: findingsOf(source, PACKAGE_DIR) });
		checks.push({ name: 'tarball package.json', findings: checkTarballManifest(unpacked) });
		checks.push({ name: 'lint strict mode', findings: checkStrictLint() });
		checks.push({ name: 'publishing', findings: checkPublishing() });
		const scope = await lintScope();
		checks.push({ name: `lint scope (${scope.length} files)`, findings: checkLintScope(scope) });
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
	const total = checks.reduce((sum, check) => sum + check.findings.length, 0);
	if (json) {
		process.stdout.write(
			`${JSON.stringify({ total, seconds: (Date.now() - started) / 1000, checks })}\n`,
		);
	} else {
		for (const check of checks) {
			console.log(
				`${check.findings.length === 0 ? 'ok  ' : 'FAIL'} ${check.name}: ${check.findings.length} findings`,
			);
			for (const finding of check.findings) console.log(`       ${finding}`);
		}
		console.log(`${total} findings in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	}
	process.exit(total === 0 ? 0 : 1);
}

await main();
