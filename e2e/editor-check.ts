/**
 * What a user can set in n8n's editor, checked before a test runs a workflow: node parameters and
 * credential fields that the package's descriptions declare, shown for the values given, with
 * values their field allows; then n8n's own parameter-issue check, as the editor runs it to mark a
 * node "has issues". Tests that inject what no user can set would otherwise pass on code paths no
 * user reaches.
 *
 * Expressions (strings starting with `=`) are accepted in any field, as in the editor; what they
 * resolve to is checked only when the node runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	INode,
	INodeParameters,
	INodeProperties,
	INodePropertyCollection,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

/** The npm name of the package, the prefix of its node types in n8n. */
export const PACKAGE_NAME = 'n8n-nodes-audio-api';

/** The package's node types (keyed `n8n-nodes-audio-api.<name>`) and credential types (by name). */
export interface PackageTypes {
	nodes: Record<string, INodeType>;
	credentials: Record<string, ICredentialType>;
}

/**
 * Loads the built package from `<packageDir>/dist` through the `n8n` section of its package.json,
 * as n8n loads an installed community package.
 *
 * @throws Error when the package is not built (a listed file is missing).
 */
export function loadPackageTypes(packageDir: string): PackageTypes {
	const pkg = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
		n8n: { nodes: string[]; credentials: string[] };
	};
	const nodes: Record<string, INodeType> = {};
	for (const file of pkg.n8n.nodes) {
		const mod = require(path.join(packageDir, file)) as Record<string, new () => INodeType>;
		for (const Cls of Object.values(mod)) {
			const node = new Cls();
			nodes[`${PACKAGE_NAME}.${node.description.name}`] = node;
		}
	}
	const credentials: Record<string, ICredentialType> = {};
	for (const file of pkg.n8n.credentials) {
		const mod = require(path.join(packageDir, file)) as Record<string, new () => ICredentialType>;
		for (const Cls of Object.values(mod)) {
			const credential = new Cls();
			credentials[credential.name] = credential;
		}
	}
	return { nodes, credentials };
}

const isExpression = (value: unknown): boolean =>
	typeof value === 'string' && value.startsWith('=');

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keys the editor stores in a resource locator value. */
const RESOURCE_LOCATOR_KEYS = new Set([
	'__rl',
	'mode',
	'value',
	'cachedResultName',
	'cachedResultUrl',
]);

/** The context of one walk: the node (null for credentials) and the root values for `/` paths. */
interface Walk {
	node: Pick<INode, 'typeVersion'> | null;
	description: INodeTypeDescription | null;
	root: INodeParameters;
	issues: string[];
}

/** Defaults of `properties` under `values`, as the editor fills a new entry or node. */
function withDefaults(
	properties: INodeProperties[],
	values: INodeParameters,
	walk: Pick<Walk, 'node' | 'description'>,
): INodeParameters {
	let defaults: INodeParameters | null = null;
	try {
		defaults = NodeHelpers.getNodeParameters(
			properties,
			values,
			true,
			false,
			walk.node,
			walk.description,
		);
	} catch {
		// n8n cannot read malformed values (a list where an object belongs); the walk reports them.
	}
	return { ...defaults, ...values };
}

function describeDisplay(property: INodeProperties): string {
	return JSON.stringify(property.displayOptions);
}

/**
 * Checks every value in `values` against `properties`: declared, shown for `shown` (the values
 * that decide what the editor displays at this level), and allowed.
 */
function checkLevel(
	properties: INodeProperties[],
	values: Record<string, unknown>,
	shown: INodeParameters,
	where: string,
	walk: Walk,
): void {
	for (const [name, value] of Object.entries(values)) {
		const at = `${where}${name}`;
		const declared = properties.filter((p) => p.name === name);
		if (declared.length === 0) {
			walk.issues.push(
				`${at}: not declared (declared here: ${properties.map((p) => p.name).join(', ') || 'none'})`,
			);
			continue;
		}
		const displayed = declared.filter((p) =>
			NodeHelpers.displayParameter(shown, p, walk.node, walk.description, walk.root),
		);
		if (displayed.length === 0) {
			walk.issues.push(
				`${at}: hidden for these values, so the editor does not offer it (shown when ${declared.map(describeDisplay).join(' or ')})`,
			);
			continue;
		}
		// Fields sharing a name differ by displayOptions; the editor shows the first displayed one.
		checkValue(displayed[0], value, at, walk);
	}
}

function allowedValues(property: INodeProperties): Array<INodePropertyOptions['value']> {
	return ((property.options ?? []) as INodePropertyOptions[]).map((option) => option.value);
}

function checkValue(property: INodeProperties, value: unknown, at: string, walk: Walk): void {
	if (isExpression(value)) return;
	const { typeOptions } = property;
	if (typeOptions?.multipleValues && property.type !== 'fixedCollection') {
		if (!Array.isArray(value)) {
			walk.issues.push(`${at}: holds several values, so it must be a list`);
			return;
		}
		value.forEach((entry, i) => checkSingle(property, entry, `${at}[${i}]`, walk));
		return;
	}
	checkSingle(property, value, at, walk);
}

function checkSingle(property: INodeProperties, value: unknown, at: string, walk: Walk): void {
	if (isExpression(value)) return;
	const { typeOptions } = property;
	const dynamic = Boolean(typeOptions?.loadOptionsMethod || typeOptions?.loadOptions);
	switch (property.type) {
		case 'string':
		case 'json':
		case 'dateTime':
		case 'color':
			if (typeof value !== 'string')
				walk.issues.push(
					`${at}: a ${property.type} field holds text, not ${JSON.stringify(value)}`,
				);
			return;
		case 'number':
			if (typeof value !== 'number' || !Number.isFinite(value)) {
				walk.issues.push(`${at}: a number field holds a number, not ${JSON.stringify(value)}`);
				return;
			}
			if (typeOptions?.minValue !== undefined && value < typeOptions.minValue)
				walk.issues.push(`${at}: ${value} is below the field's minimum ${typeOptions.minValue}`);
			if (typeOptions?.maxValue !== undefined && value > typeOptions.maxValue)
				walk.issues.push(`${at}: ${value} is above the field's maximum ${typeOptions.maxValue}`);
			// The number input rounds to the field's precision as it is typed.
			if (
				typeOptions?.numberPrecision !== undefined &&
				Number(value.toFixed(typeOptions.numberPrecision)) !== value
			)
				walk.issues.push(
					`${at}: ${value} has more than the field's ${typeOptions.numberPrecision} decimal places`,
				);
			return;
		case 'boolean':
			if (typeof value !== 'boolean')
				walk.issues.push(
					`${at}: a boolean field holds true or false, not ${JSON.stringify(value)}`,
				);
			return;
		case 'options':
			// A list loaded from the provider cannot be known here; its values are taken as given.
			if (dynamic) return;
			if (!allowedValues(property).includes(value as string))
				walk.issues.push(
					`${at}: ${JSON.stringify(value)} is not one of its options (${allowedValues(property)
						.map((v) => JSON.stringify(v))
						.join(', ')})`,
				);
			return;
		case 'multiOptions': {
			if (!Array.isArray(value)) {
				walk.issues.push(`${at}: a multi-options field holds a list, not ${JSON.stringify(value)}`);
				return;
			}
			if (dynamic) return;
			const allowed = allowedValues(property);
			for (const entry of value)
				if (!isExpression(entry) && !allowed.includes(entry as string))
					walk.issues.push(
						`${at}: ${JSON.stringify(entry)} is not one of its options (${allowed
							.map((v) => JSON.stringify(v))
							.join(', ')})`,
					);
			return;
		}
		case 'collection':
			if (!isPlainObject(value)) {
				walk.issues.push(`${at}: a collection holds an object of options`);
				return;
			}
			checkLevel(
				(property.options ?? []) as INodeProperties[],
				value,
				value as INodeParameters,
				`${at}.`,
				walk,
			);
			return;
		case 'fixedCollection':
			checkFixedCollection(property, value, at, walk);
			return;
		case 'resourceLocator':
			checkResourceLocator(property, value, at, walk);
			return;
		case 'notice':
		case 'callout':
		case 'button':
		case 'hidden':
			walk.issues.push(`${at}: a ${property.type} field holds no value a user can set`);
			return;
		default:
			return;
	}
}

function checkFixedCollection(
	property: INodeProperties,
	value: unknown,
	at: string,
	walk: Walk,
): void {
	if (!isPlainObject(value)) {
		walk.issues.push(`${at}: a fixed collection holds an object of groups`);
		return;
	}
	const groups = (property.options ?? []) as INodePropertyCollection[];
	const multiple = property.typeOptions?.multipleValues === true;
	for (const [name, entries] of Object.entries(value)) {
		const group = groups.find((g) => g.name === name);
		if (!group) {
			walk.issues.push(
				`${at}.${name}: not declared (declared here: ${groups.map((g) => g.name).join(', ')})`,
			);
			continue;
		}
		if (multiple && !Array.isArray(entries)) {
			walk.issues.push(`${at}.${name}: holds several entries, so it must be a list`);
			continue;
		}
		if (!multiple && !isPlainObject(entries)) {
			walk.issues.push(`${at}.${name}: holds one entry, an object`);
			continue;
		}
		const list = multiple ? (entries as unknown[]) : [entries];
		list.forEach((entry, i) => {
			const where = multiple ? `${at}.${name}[${i}]` : `${at}.${name}`;
			if (!isPlainObject(entry)) {
				walk.issues.push(`${where}: an entry is an object of fields`);
				return;
			}
			// A new entry gets every field's default; displayOptions are judged on those plus the values.
			const shown = withDefaults(group.values, entry as INodeParameters, walk);
			checkLevel(group.values, entry, shown, `${where}.`, walk);
		});
	}
}

function checkResourceLocator(
	property: INodeProperties,
	value: unknown,
	at: string,
	walk: Walk,
): void {
	if (!isPlainObject(value)) {
		walk.issues.push(
			`${at}: a resource locator holds {__rl: true, mode, value}, not ${JSON.stringify(value)}`,
		);
		return;
	}
	for (const key of Object.keys(value))
		if (!RESOURCE_LOCATOR_KEYS.has(key))
			walk.issues.push(`${at}.${key}: not part of a resource locator value`);
	const modes = (property.modes ?? []).map((mode) => mode.name);
	if (!modes.includes(String(value.mode)))
		walk.issues.push(
			`${at}.mode: ${JSON.stringify(value.mode)} is not one of its modes (${modes.join(', ')})`,
		);
	const inner = value.value;
	if (!isExpression(inner) && typeof inner !== 'string' && typeof inner !== 'number')
		walk.issues.push(`${at}.value: holds text, not ${JSON.stringify(inner)}`);
}

/**
 * Lists what in `parameters` a user cannot set on a node of `description` in the editor: a
 * parameter the description does not declare (at the top, in a `collection`, in a
 * `fixedCollection` group or as a resource locator's mode), one hidden by its `displayOptions`
 * for the values given, and a value its field does not allow (not among an `options` or
 * `multiOptions` field's values, out of a number's range or finer than its precision, or of the
 * wrong type). Values of an options list loaded from the provider are not checked.
 *
 * @returns one line per problem, `path: why`; empty when a user could set all of it.
 */
export function undeclaredParameters(
	description: INodeTypeDescription,
	parameters: INodeParameters,
	typeVersion = 1,
): string[] {
	const node = { typeVersion };
	const walk: Walk = { node, description, root: {}, issues: [] };
	walk.root = withDefaults(description.properties, parameters, walk);
	checkLevel(description.properties, parameters, walk.root, '', walk);
	return walk.issues;
}

/**
 * Lists what in `data` a user cannot set in a credential of `type`: a field the type does not
 * declare, one hidden by its `displayOptions` for the values given (with the other fields'
 * defaults, as the credential form shows them), or a value the field does not allow.
 *
 * @returns one line per problem, `field: why`; empty when a user could enter all of it.
 */
export function undeclaredCredentialFields(
	type: ICredentialType,
	data: ICredentialDataDecryptedObject,
): string[] {
	const walk: Walk = { node: null, description: null, root: {}, issues: [] };
	walk.root = withDefaults(type.properties, data as INodeParameters, walk);
	checkLevel(type.properties, data, walk.root, '', walk);
	return walk.issues;
}

/**
 * Runs n8n's own parameter-issue check on a node, as the editor does to mark it "has issues" and
 * as n8n does before it runs a workflow: `NodeHelpers.getNodeParameters` fills in the defaults,
 * then `NodeHelpers.getNodeParametersIssues` lists required fields left empty and invalid values.
 *
 * @returns one line per issue, `parameter: n8n's message`; empty when the node has none.
 */
export function parameterIssues(
	description: INodeTypeDescription,
	parameters: INodeParameters,
	typeVersion = 1,
): string[] {
	const node: INode = {
		id: 'check',
		name: 'check',
		type: description.name,
		typeVersion,
		position: [0, 0],
		parameters,
	};
	const full = NodeHelpers.getNodeParameters(
		description.properties,
		parameters,
		true,
		false,
		node,
		description,
	);
	const issues = NodeHelpers.getNodeParametersIssues(
		description.properties,
		{ ...node, parameters: full ?? {} },
		description,
	);
	return Object.entries(issues?.parameters ?? {}).flatMap(([name, messages]) =>
		messages.map((message) => `${name}: ${message}`),
	);
}

/** A node of a workflow, in the shape the check needs. */
export interface CheckedNode {
	name: string;
	/** The full node type, e.g. `n8n-nodes-audio-api.audioSpeech`; others are not checked. */
	type: string;
	typeVersion?: number;
	parameters: INodeParameters;
}

/** Thrown when a test sets what the editor would not let a user set; lists every problem. */
export class EditorCheckError extends Error {
	constructor(readonly problems: string[]) {
		super(
			`The n8n editor would not allow this (fix the test, or the package if it lacks a declaration):\n- ${problems.join('\n- ')}`,
		);
		this.name = 'EditorCheckError';
	}
}

/**
 * Refuses, before a test runs anything, nodes of this package and credentials that a user could
 * not set up in the editor: {@link undeclaredParameters}, {@link parameterIssues} (the
 * editor's "has issues"), and {@link undeclaredCredentialFields}.
 *
 * @param options.issues whether to run n8n's parameter-issue check too (default true). Off only
 *   where the editor itself does not run it, e.g. when a dropdown loads its options.
 * @throws EditorCheckError naming each node or credential and each problem.
 */
export function assertEditorAllows(
	types: PackageTypes,
	what: {
		nodes?: CheckedNode[];
		credentials?: Array<{ type: string; data: ICredentialDataDecryptedObject; name?: string }>;
	},
	options: { issues?: boolean } = {},
): void {
	const problems: string[] = [];
	for (const node of what.nodes ?? []) {
		if (!node.type.startsWith(`${PACKAGE_NAME}.`)) continue;
		const type = types.nodes[node.type];
		if (!type) {
			problems.push(`node "${node.name}": the package has no node type ${node.type}`);
			continue;
		}
		const found = [
			...undeclaredParameters(type.description, node.parameters, node.typeVersion),
			...(options.issues === false
				? []
				: parameterIssues(type.description, node.parameters, node.typeVersion).map(
						(issue) => `has issues: ${issue}`,
					)),
		];
		problems.push(...found.map((problem) => `node "${node.name}" (${node.type}): ${problem}`));
	}
	for (const credential of what.credentials ?? []) {
		const type = types.credentials[credential.type];
		const label = `credential ${credential.name ? `"${credential.name}" ` : ''}(${credential.type})`;
		if (!type) {
			problems.push(`${label}: the package has no credential type ${credential.type}`);
			continue;
		}
		problems.push(
			...undeclaredCredentialFields(type, credential.data).map((problem) => `${label}: ${problem}`),
		);
	}
	if (problems.length > 0) throw new EditorCheckError(problems);
}
