/**
 * Runs workflows through n8n-core's real execution engine (WorkflowExecute), with the package
 * loaded from dist/ the way n8n loads an installed community package: through the "n8n" section
 * of package.json. Binary data goes through n8n-core's real BinaryDataService, in memory
 * ("default") or filesystem mode.
 */
import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
	BinaryDataService,
	CredentialTestContext,
	ExecutionLifecycleHooks,
	LoadOptionsContext,
	WorkflowExecute,
} from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	ICredentials,
	IExecuteFunctions,
	IHttpRequestOptions,
	INodeCredentialTestResult,
	INodeExecutionData,
	INodeParameters,
	INodeProperties,
	INodePropertyOptions,
	INodeType,
	INodeTypes,
	IRun,
	IWorkflowExecuteAdditionalData,
	IVersionedNodeType,
	IConnections,
	INode,
	ITaskData,
} from 'n8n-workflow';
import {
	ICredentialsHelper,
	LoggerProxy,
	NodeConnectionTypes,
	NodeHelpers,
	Workflow,
} from 'n8n-workflow';

import {
	assertEditorAllows,
	loadPackageTypes,
	PACKAGE_NAME,
	type PackageTypes,
} from '../../e2e/editor-check';

/** The package folder: its package.json and its built dist/. */
const PACKAGE_DIR = path.resolve(__dirname, '../../package');
export { PACKAGE_NAME };

/** A file to attach to a start item as a binary property. */
export interface StartBinary {
	/** Path of the file to read. */
	path?: string;
	/** Or the bytes themselves. */
	bytes?: Buffer;
	fileName?: string;
	mimeType?: string;
}

/** An item the start node emits. */
export interface StartItem {
	json?: Record<string, unknown>;
	binary?: Record<string, StartBinary>;
}

/**
 * A trigger for tests: emits the items given in its `items` parameter, storing their files with
 * n8n's own prepareBinaryData so that they land in the configured binary data mode.
 */
class TestStart implements INodeType {
	description = {
		displayName: 'Test Start',
		name: 'testStart',
		group: ['trigger'],
		version: 1,
		description: 'Emits fixture items',
		defaults: { name: 'Start' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{ displayName: 'Items', name: 'items', type: 'json', default: '[]' } as INodeProperties,
		],
	} as INodeType['description'];

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = JSON.parse(this.getNodeParameter('items', 0) as string) as Array<{
			json?: Record<string, unknown>;
			binary?: Record<
				string,
				{ path?: string; base64?: string; fileName?: string; mimeType?: string }
			>;
		}>;
		const out: INodeExecutionData[] = [];
		for (const [index, item] of items.entries()) {
			const result: INodeExecutionData = {
				json: (item.json ?? {}) as INodeExecutionData['json'],
				pairedItem: { item: 0 },
			};
			for (const [name, file] of Object.entries(item.binary ?? {})) {
				const bytes = file.path
					? readFileSync(file.path)
					: Buffer.from(file.base64 ?? '', 'base64');
				result.binary ??= {};
				result.binary[name] = await this.helpers.prepareBinaryData(
					bytes,
					file.fileName,
					file.mimeType,
				);
				// prepareBinaryData fills in a name and type when none is given; tests of sniffing
				// need a binary that truly has none.
				if (file.fileName === '') delete result.binary[name].fileName;
				if (file.mimeType === '') result.binary[name].mimeType = '';
			}
			out.push(result);
			void index;
		}
		return [out];
	}
}

/**
 * Loads the built package from package/dist through its package.json's "n8n" section, as n8n does:
 * node types keyed `n8n-nodes-audio-api.<name>`, credential types by name.
 */
export function loadPackage(): PackageTypes {
	return loadPackageTypes(PACKAGE_DIR);
}

class NodeTypes implements INodeTypes {
	constructor(private readonly types: Record<string, INodeType>) {}

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		return this.getByNameAndVersion(nodeType);
	}

	getByNameAndVersion(nodeType: string): INodeType {
		const type = this.types[nodeType];
		if (!type) throw new Error(`Unknown node type ${nodeType}`);
		return type;
	}

	getKnownTypes() {
		return {};
	}
}

/** Serves credential data from memory; authentication is the credential type's own code. */
class CredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly types: Record<string, ICredentialType>,
		private readonly data: Record<string, ICredentialDataDecryptedObject>,
	) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const authenticate = this.types[typeName]?.authenticate;
		if (typeof authenticate !== 'function')
			throw new Error(`Credential ${typeName} has no authenticate function`);
		return await authenticate(credentials, requestOptions);
	}

	async preAuthentication() {
		return undefined;
	}

	async runPreAuthentication() {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used by these nodes');
	}

	/** The stored data with the type's defaults filled in, as n8n's own CredentialsHelper does. */
	async getDecrypted(
		_additionalData: unknown,
		_nodeCredentials: unknown,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const data = this.data[type];
		if (!data) throw new Error(`No test credential of type ${type}`);
		return NodeHelpers.getNodeParameters(
			this.getCredentialsProperties(type),
			{ ...data } as INodeParameters,
			true,
			false,
			null,
			null,
		) as ICredentialDataDecryptedObject;
	}

	async updateCredentials() {}

	async updateCredentialsOauthTokenData() {}

	getCredentialsProperties(type: string): INodeProperties[] {
		return this.types[type]?.properties ?? [];
	}
}

function createAdditionalData(
	credentialsHelper: ICredentialsHelper,
	hooks?: ExecutionLifecycleHooks,
): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper,
		hooks,
		executionId: '1',
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://127.0.0.1/rest',
		instanceBaseUrl: 'http://127.0.0.1/',
		formBaseUrl: 'http://127.0.0.1:5678/formBaseUrl',
		formWaitingBaseUrl: 'http://127.0.0.1:5678/formWaitingBaseUrl',
		formTestBaseUrl: 'http://127.0.0.1:5678/formTestBaseUrl',
		webhookBaseUrl: 'http://127.0.0.1:5678/webhookBaseUrl',
		webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhookWaitingBaseUrl',
		webhookTestBaseUrl: 'http://127.0.0.1:5678/webhookTestBaseUrl',
		mcpBaseUrl: 'http://127.0.0.1:5678/mcpBaseUrl',
		mcpTestBaseUrl: 'http://127.0.0.1:5678/mcpTestBaseUrl',
		variables: {},
		executeWorkflow: async () => {
			throw new Error('sub-workflows are not used in these tests');
		},
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		logAiEvent: () => {},
		setExecutionStatus: () => {},
		sendDataToUI: () => {},
	} as unknown as IWorkflowExecuteAdditionalData;
}

/** Every line n8n logged during the tests of this file, so that tests can look for secrets in them. */
export const logLines: string[] = [];

/** A logger for n8n-core's container that records instead of printing. */
const recordingLogger = {
	error: (message: string, meta?: object) =>
		logLines.push(`error ${message} ${meta ? JSON.stringify(meta) : ''}`),
	warn: (message: string, meta?: object) =>
		logLines.push(`warn ${message} ${meta ? JSON.stringify(meta) : ''}`),
	info: (message: string, meta?: object) =>
		logLines.push(`info ${message} ${meta ? JSON.stringify(meta) : ''}`),
	debug: (message: string, meta?: object) =>
		logLines.push(`debug ${message} ${meta ? JSON.stringify(meta) : ''}`),
	scoped: () => recordingLogger,
};
LoggerProxy.init(recordingLogger);

export type BinaryMode = 'default' | 'filesystem';

let initialisedMode: BinaryMode | undefined;

/**
 * Sets up n8n-core's dependency container with a binary data service in `mode`. Files of the
 * filesystem mode go to a fresh temporary folder.
 */
export async function useBinaryMode(mode: BinaryMode): Promise<void> {
	if (initialisedMode === mode) return;
	Container.reset();
	Container.set(Logger, recordingLogger as unknown as Logger);
	const folder = mkdtempSync(path.join(tmpdir(), 'audio-api-n8n-'));
	process.env.N8N_USER_FOLDER = folder;
	process.env.N8N_DEFAULT_BINARY_DATA_MODE = mode;
	process.env.N8N_BINARY_DATA_STORAGE_PATH = path.join(folder, 'binaryData');
	await Container.get(BinaryDataService).init();
	initialisedMode = mode;
}

/** A node of a test workflow. `type` is the node's short name, e.g. `audioSpeech`. */
export interface TestNode {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
	continueOnFail?: boolean;
}

/** The outcome of a run. */
export interface RunResult {
	run: IRun;
	/** Output items of a node's first run, first output. */
	output(nodeName: string): INodeExecutionData[];
	/** The node's error, if it failed. */
	error(nodeName: string): ITaskData['error'];
	/** The error that stopped the run, if any; `undefined` for a run that finished. */
	failure: IRun['data']['resultData']['error'];
	/** Reads the bytes of a binary property of an output item, whatever the binary data mode. */
	binaryBytes(item: INodeExecutionData, property?: string): Promise<Buffer>;
}

/**
 * Runs a linear workflow: a Test Start node emitting `items`, then `nodes` in a chain.
 *
 * @param credentials decrypted credential data by type, e.g. `{ audioApi: {...} }`.
 */
export async function runWorkflow(options: {
	items: StartItem[];
	nodes: TestNode[];
	credentials: Record<string, ICredentialDataDecryptedObject>;
	binaryMode?: BinaryMode;
}): Promise<RunResult> {
	await useBinaryMode(options.binaryMode ?? 'default');
	const pkg = loadPackage();
	const types = new NodeTypes({ ...pkg.nodes, 'test.testStart': new TestStart() });

	const startItems = options.items.map((item) => ({
		json: item.json,
		binary: Object.fromEntries(
			Object.entries(item.binary ?? {}).map(([name, b]) => [
				name,
				{
					path: b.path,
					base64: b.bytes?.toString('base64'),
					fileName: b.fileName,
					mimeType: b.mimeType,
				},
			]),
		),
	}));
	const nodes: INode[] = [
		{
			id: 'start',
			name: 'Start',
			type: 'test.testStart',
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: JSON.stringify(startItems) },
		},
		...options.nodes.map((node, i): INode => ({
			id: `node-${i}`,
			name: node.name,
			type: node.type.includes('.') ? node.type : `${PACKAGE_NAME}.${node.type}`,
			typeVersion: 1,
			position: [200 * (i + 1), 0],
			parameters: node.parameters as INode['parameters'],
			credentials: { audioApi: { id: '1', name: 'Audio API' } },
			...(node.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		})),
	];
	const connections: IConnections = {};
	const chain = ['Start', ...options.nodes.map((n) => n.name)];
	for (let i = 0; i < chain.length - 1; i++) {
		connections[chain[i]] = {
			main: [[{ node: chain[i + 1], type: NodeConnectionTypes.Main, index: 0 }]],
		};
	}

	assertEditorAllows(pkg, {
		nodes,
		credentials: Object.entries(options.credentials).map(([type, data]) => ({ type, data })),
	});

	const workflow = new Workflow({
		id: 'test',
		nodes,
		connections,
		active: false,
		nodeTypes: types,
	});
	const hooks = new ExecutionLifecycleHooks('manual', '1', {
		id: 'test',
		name: 'test',
		nodes,
		connections,
		active: false,
		activeVersionId: null,
		isArchived: false,
		createdAt: new Date(),
		updatedAt: new Date(),
	} as never);
	const additionalData = createAdditionalData(
		new CredentialsHelper(pkg.credentials, options.credentials),
		hooks,
	);

	const run = await new WorkflowExecute(additionalData, 'manual').run({
		workflow,
		startNode: workflow.getNode('Start')!,
	});

	return {
		run,
		output: (nodeName) => run.data.resultData.runData[nodeName]?.[0]?.data?.main?.[0] ?? [],
		error: (nodeName) => run.data.resultData.runData[nodeName]?.[0]?.error,
		failure: run.data.resultData.error,
		binaryBytes: async (item, property = 'data') => {
			const binary = item.binary?.[property];
			if (!binary) throw new Error(`item has no binary property ${property}`);
			return await Container.get(BinaryDataService).getAsBuffer(binary);
		},
	};
}

function singleNodeWorkflow(
	nodeType: string,
	types: Record<string, INodeType>,
	parameters: INodeParameters = {},
	withCredential = true,
) {
	// Without a credential, as the editor has a node before the user attaches one.
	const node: INode = {
		id: 'solo',
		name: 'Solo',
		type: nodeType,
		typeVersion: 1,
		position: [0, 0],
		parameters,
		...(withCredential ? { credentials: { audioApi: { id: '1', name: 'Audio API' } } } : {}),
	};
	const workflow = new Workflow({
		id: 'solo',
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: new NodeTypes(types),
	});
	return { node, workflow };
}

/** The package's node type and a LoadOptionsContext for one of its parameters, as the editor makes. */
async function editorContext(
	nodeType: string,
	credentials: Record<string, ICredentialDataDecryptedObject>,
	parameterPath: string,
	parameters: INodeParameters = {},
) {
	await useBinaryMode('default');
	const pkg = loadPackage();
	const type = pkg.nodes[`${PACKAGE_NAME}.${nodeType}`];
	// A dropdown loads while the node is being filled in, so required fields may still be empty.
	assertEditorAllows(
		pkg,
		{
			nodes: [{ name: nodeType, type: `${PACKAGE_NAME}.${nodeType}`, parameters }],
			credentials: Object.entries(credentials).map(([type, data]) => ({ type, data })),
		},
		{ issues: false },
	);
	const { node, workflow } = singleNodeWorkflow(
		`${PACKAGE_NAME}.${nodeType}`,
		pkg.nodes,
		parameters,
		'audioApi' in credentials,
	);
	const context = new LoadOptionsContext(
		workflow,
		node,
		createAdditionalData(new CredentialsHelper(pkg.credentials, credentials)),
		parameterPath,
	);
	return { type, context };
}

/**
 * Runs a node's listSearch method the way the editor fills a dropdown: through n8n-core's
 * LoadOptionsContext for the node's `model` parameter.
 */
export async function listSearch(
	nodeType: string,
	method: string,
	credentials: Record<string, ICredentialDataDecryptedObject>,
	filter?: string,
) {
	const { type, context } = await editorContext(nodeType, credentials, 'parameters.model');
	const search = type.methods?.listSearch?.[method];
	if (!search) throw new Error(`${nodeType} has no listSearch method ${method}`);
	return await search.call(context, filter);
}

/**
 * Runs a node's loadOptions method the way the editor fills an options dropdown: through
 * n8n-core's LoadOptionsContext, with the node's other parameters set to `parameters`.
 */
export async function loadOptions(
	nodeType: string,
	method: string,
	credentials: Record<string, ICredentialDataDecryptedObject>,
	parameters: INodeParameters = {},
): Promise<INodePropertyOptions[]> {
	const { type, context } = await editorContext(
		nodeType,
		credentials,
		'parameters.voice',
		parameters,
	);
	const load = type.methods?.loadOptions?.[method];
	if (!load) throw new Error(`${nodeType} has no loadOptions method ${method}`);
	return await load.call(context);
}

/**
 * Runs a credential's test the way n8n's credential tester does for a credential that nodes test
 * (`testedBy`): the first node of the package that names a test function for it, called with
 * n8n-core's CredentialTestContext.
 *
 * @returns the result the credential dialog shows: `{status: 'OK' | 'Error', message}`.
 */
export async function testCredential(
	type: string,
	data: ICredentialDataDecryptedObject,
): Promise<INodeCredentialTestResult> {
	await useBinaryMode('default');
	const pkg = loadPackage();
	assertEditorAllows(pkg, { credentials: [{ type, data }] });
	// n8n's credential tester fills in the type's defaults before it runs the test.
	const withDefaults = await new CredentialsHelper(pkg.credentials, { [type]: data }).getDecrypted(
		undefined,
		undefined,
		type,
	);
	for (const node of Object.values(pkg.nodes)) {
		const testedBy = node.description.credentials?.find((c) => c.name === type)?.testedBy;
		if (typeof testedBy !== 'string') continue;
		const test = node.methods?.credentialTest?.[testedBy];
		if (!test) throw new Error(`${node.description.name} names ${testedBy} but has no such method`);
		const context = new CredentialTestContext(
			createAdditionalData(new CredentialsHelper(pkg.credentials, { [type]: data })),
		);
		return await test.call(context, { id: '1', name: 'test', type, data: withDefaults });
	}
	throw new Error(`No node of the package tests the credential ${type}`);
}
