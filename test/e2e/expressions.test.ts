/**
 * Expressions as users write them, in real n8n 1.x and 2.x: each node with an expression in every
 * field that offers one (Audio Chat against the simulator, the others against the reference
 * server's real engines), n8n's own parameter-issue check on each node, and expressions that
 * resolve to empty, `undefined` or `null` in the fields a request needs.
 *
 * Expected (issue 10, item 8): any field may hold an expression; a field that applies only to some
 * values is not required at design time; an expression resolving to nothing fails its item with
 * the field's name, the item index and the fix, and is never sent as the text "undefined".
 */
import type { INodeProperties, INodePropertyCollection, INodeTypeDescription } from 'n8n-workflow';

import {
	loadPackageTypes,
	parameterIssues,
	undeclaredParameters,
	type PackageTypes,
} from '../../e2e/editor-check';
import {
	N8N_VERSIONS,
	N8nInstance,
	PACKAGE_DIR,
	type Execution,
	type N8nMajor,
} from '../../e2e/n8n';
import { wordErrorRate } from '../../e2e/wer';
import {
	PACKAGE,
	SENTENCES,
	speechNode,
	workflow,
	type WorkflowJson,
	type WorkflowNode,
} from '../../e2e/workflows';
import { startReferenceServer, type ReferenceServer } from '../../server/reference-server';
import { DEFAULT_MODELS, OpenAiTestServer, type ReceivedRequest } from '../support/openai-server';

jest.setTimeout(10 * 60_000);

const KEY = 'sk-expr-e2e-41c2';

type NodeName =
	'audioSpeech' | 'audioTranscription' | 'audioTranslation' | 'audioModels' | 'audioChat';

/**
 * The value each field's expression resolves to, by the field's path (`options.speed`). A field
 * the package adds later has no value here, and the test says so.
 */
const VALUES: Record<NodeName, Record<string, unknown>> = {
	audioSpeech: {
		model: 'gpt-4o-mini-tts',
		input: SENTENCES[0],
		voice: 'nova',
		responseFormat: 'wav',
		binaryPropertyName: 'speech',
		'options.extraBody': '{}',
		'options.fileName': 'greeting',
		'options.instructions': 'Speak calmly.',
		'options.partConcurrency': 2,
		'options.itemConcurrency': 1,
		'options.maxParts': 50,
		'options.maxRetries': 1,
		'options.timeout': 120000,
		'options.speed': 1.1,
		'options.splitLongText': true,
		'opperOptions.store': false,
		'options.streamFormat': 'audio',
	},
	audioTranscription: {
		audioSource: 'binary',
		binaryPropertyName: 'data',
		model: 'whisper-1',
		responseFormat: 'verbose_json',
		timestampGranularities: ['segment', 'word'],
		'options.chunkingStrategy': 'auto',
		'options.chunkOverlap': 5,
		'opperOptions.diarize': false,
		'opperOptions.parameters': '{}',
		'options.includeLogprobs': false,
		'options.knownSpeakers.speaker.name': 'reader',
		'options.knownSpeakers.speaker.reference': 'data',
		'options.language': 'en',
		'options.itemConcurrency': 1,
		'options.maxRetries': 1,
		'options.timeout': 120000,
		'options.prompt': 'A sentence about the weather.',
		'options.stream': false,
		'options.subtitlesAsFile': false,
		'options.subtitleFileFormat': 'srt',
		'options.subtitlesBinaryPropertyName': 'subtitles',
		'options.uploadAs': 'multipart',
		'options.chunkConcurrency': 2,
		'options.keepContext': false,
		'options.maxUploadMb': 25,
		'options.oversize': 'split',
		'options.temperature': 0,
	},
	audioTranslation: {
		audioSource: 'binary',
		binaryPropertyName: 'data',
		model: 'whisper-1',
		responseFormat: 'srt',
		'options.itemConcurrency': 1,
		'options.maxRetries': 1,
		'options.timeout': 120000,
		'options.prompt': 'A sentence about the weather.',
		'options.subtitlesAsFile': true,
		'options.subtitleFileFormat': 'srt',
		'options.subtitlesBinaryPropertyName': 'subs',
		'options.chunkOverlap': 5,
		'options.uploadAs': 'multipart',
		'options.chunkConcurrency': 2,
		'options.keepContext': false,
		'options.maxUploadMb': 25,
		'options.oversize': 'split',
		'options.temperature': 0,
	},
	audioModels: {
		audioOnly: false,
		'options.maxRetries': 1,
		'options.timeout': 120000,
	},
	audioChat: {
		binaryPropertyName: 'data',
		model: 'gpt-4o-audio-preview',
		prompt: 'What is said?',
		'options.itemConcurrency': 1,
		'options.maxRetries': 1,
		'options.timeout': 120000,
		'options.spokenAnswer': true,
		'options.answerBinaryPropertyName': 'reply',
		'options.answerFormat': 'wav',
		'options.answerVoice': 'coral',
		'options.systemMessage': 'Answer in one sentence.',
		'options.temperature': 0.5,
	},
};

/** Fields left unset: they belong to a choice the workflow does not make, as a user leaves them. */
const NOT_CHOSEN: Record<NodeName, string[]> = {
	audioSpeech: ['customVoiceId', 'voiceName'],
	audioTranscription: ['fileId', 'audioUrl'],
	audioTranslation: ['audioUrl'],
	audioModels: [],
	audioChat: [],
};

/** The key of a node's field value in a Set node's JSON (Set reads dots as nested paths). */
const key = (node: NodeName, fieldPath: string) => `${node}_${fieldPath.replace(/\./g, '_')}`;

/**
 * Parameters with an expression in every field of `properties`, reading its value from `ref`,
 * e.g. `$json` or `$('Values').item.json`.
 *
 * @throws Error naming a field that has neither a value in VALUES nor a place in NOT_CHOSEN.
 */
function expressionsEverywhere(
	node: NodeName,
	properties: INodeProperties[],
	ref: string,
	prefix = '',
): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const property of properties) {
		const at = `${prefix}${property.name}`;
		if (NOT_CHOSEN[node].includes(at)) continue;
		if (property.type === 'collection') {
			out[property.name] = expressionsEverywhere(
				node,
				property.options as INodeProperties[],
				ref,
				`${at}.`,
			);
			continue;
		}
		if (property.type === 'fixedCollection') {
			const groups = property.options as INodePropertyCollection[];
			out[property.name] = Object.fromEntries(
				groups.map((group) => {
					const entry = expressionsEverywhere(node, group.values, ref, `${at}.${group.name}.`);
					return [group.name, property.typeOptions?.multipleValues ? [entry] : entry];
				}),
			);
			continue;
		}
		if (!(at in VALUES[node]))
			throw new Error(`${node}: no value chosen for the field ${at}; add one to VALUES`);
		const expression = `={{ ${ref}.${key(node, at)} }}`;
		out[property.name] =
			property.type === 'resourceLocator'
				? { __rl: true, mode: 'id', value: expression }
				: expression;
	}
	return out;
}

/** A Set node whose one item holds `json`. */
function valuesNode(name: string, json: unknown): WorkflowNode {
	return {
		name,
		type: 'n8n-nodes-base.set',
		typeVersion: 3.4,
		parameters: { mode: 'raw', jsonOutput: JSON.stringify(json), options: {} },
	};
}

function nodeValues(node: NodeName): Record<string, unknown> {
	return Object.fromEntries(
		Object.entries(VALUES[node]).map(([at, value]) => [key(node, at), value]),
	);
}

const description = (types: PackageTypes, node: NodeName): INodeTypeDescription =>
	types.nodes[`${PACKAGE}.${node}`].description;

/** Where each node runs with an expression in every field: workflow ID and node name. */
const EVERYWHERE: Record<NodeName, [string, string]> = {
	audioSpeech: ['exprSpeech', 'Speech'],
	audioTranscription: ['exprTranscribe', 'Transcription'],
	audioTranslation: ['exprOthers', 'Translation'],
	audioModels: ['exprOthers', 'Models'],
	audioChat: ['exprOthers', 'Chat'],
};

/**
 * The workflows with an expression in every field. Speech and Transcription, whose fields decide
 * which others show, run on their own: n8n refuses a whole workflow when one node has issues.
 * Audio Chat and Audio Models talk to the simulator (which lists a model that is not an audio
 * model, so that Audio Models Only shows), the others to the reference server.
 */
function expressionWorkflows(types: PackageTypes): WorkflowJson[] {
	const fromValues = "$('Values').item.json";
	const node = (name: NodeName, after?: string): WorkflowNode => ({
		name: EVERYWHERE[name][1],
		type: `${PACKAGE}.${name}`,
		parameters: expressionsEverywhere(name, description(types, name).properties, fromValues),
		...(after ? { after: [after] } : {}),
	});
	const values = (...names: NodeName[]) =>
		valuesNode('Values', Object.assign({}, ...names.map(nodeValues)));
	const spoken = speechNode('Speak', { input: SENTENCES[0], responseFormat: 'wav' });
	const others = workflow('exprOthers', 'Translation, Models, Chat: expressions everywhere', [
		values('audioTranslation', 'audioModels', 'audioChat'),
		spoken,
		node('audioTranslation', 'Speak'),
		node('audioChat', 'Speak'),
		node('audioModels', 'Values'),
	]);
	for (const sim of others.nodes.filter((n) => ['Chat', 'Models'].includes(String(n.name))))
		sim.credentials = { audioApi: { id: 'exprSim', name: 'Simulator' } };
	return [
		workflow('exprSpeech', 'Speech, expressions everywhere', [
			values('audioSpeech'),
			node('audioSpeech'),
			{
				name: 'Check',
				type: `${PACKAGE}.audioTranscription`,
				parameters: {
					binaryPropertyName: 'speech',
					model: { __rl: true, mode: 'id', value: 'whisper-1' },
					responseFormat: 'json',
					options: {},
				},
			},
		]),
		workflow('exprTranscribe', 'Transcription, expressions everywhere', [
			values('audioTranscription'),
			spoken,
			node('audioTranscription'),
		]),
		others,
	];
}

/** A field a request needs, set by an expression that resolves to a value, '', undefined or null. */
interface EmptyCase {
	node: NodeName;
	/** The field's path, e.g. `input` or `options.language`. */
	field: string;
	/** The request field it becomes; its absence from a request is checked too. */
	apiField?: string;
	/** Item 0's value; items 1, 2 and 3 get '', nothing and null. */
	value: unknown;
	/** A field the request cannot do without: items 1 to 3 must fail, naming it. */
	required: boolean;
}

const EMPTY_CASES: EmptyCase[] = [
	{ node: 'audioSpeech', field: 'input', apiField: 'input', value: 'Hello there.', required: true },
	{ node: 'audioSpeech', field: 'model', apiField: 'model', value: 'tts-1', required: true },
	{ node: 'audioSpeech', field: 'voice', apiField: 'voice', value: 'alloy', required: true },
	{
		node: 'audioSpeech',
		field: 'responseFormat',
		apiField: 'response_format',
		value: 'mp3',
		required: true,
	},
	{ node: 'audioSpeech', field: 'binaryPropertyName', value: 'data', required: true },
	{
		node: 'audioSpeech',
		field: 'options.instructions',
		apiField: 'instructions',
		value: 'Calm.',
		required: false,
	},
	{ node: 'audioSpeech', field: 'options.fileName', value: 'hello', required: false },
	{
		node: 'audioTranscription',
		field: 'model',
		apiField: 'model',
		value: 'whisper-1',
		required: true,
	},
	{
		node: 'audioTranscription',
		field: 'responseFormat',
		apiField: 'response_format',
		value: 'json',
		required: true,
	},
	{ node: 'audioTranscription', field: 'binaryPropertyName', value: 'data', required: true },
	{
		node: 'audioTranscription',
		field: 'options.language',
		apiField: 'language',
		value: 'en',
		required: false,
	},
	{
		node: 'audioTranscription',
		field: 'options.prompt',
		apiField: 'prompt',
		value: 'Hello.',
		required: false,
	},
	{
		node: 'audioTranslation',
		field: 'model',
		apiField: 'model',
		value: 'whisper-1',
		required: true,
	},
	{
		node: 'audioTranslation',
		field: 'responseFormat',
		apiField: 'response_format',
		value: 'json',
		required: true,
	},
	{ node: 'audioTranslation', field: 'binaryPropertyName', value: 'data', required: true },
	{
		node: 'audioChat',
		field: 'model',
		apiField: 'model',
		value: 'gpt-4o-audio-preview',
		required: true,
	},
	{ node: 'audioChat', field: 'prompt', value: 'What is said?', required: true },
	{ node: 'audioChat', field: 'binaryPropertyName', value: 'data', required: true },
	{ node: 'audioChat', field: 'options.systemMessage', value: 'Be brief.', required: false },
];

/** Literal parameters a user would set, for the fields not under test. */
const LITERAL: Record<NodeName, Record<string, unknown>> = {
	audioSpeech: {
		model: { __rl: true, mode: 'id', value: 'gpt-4o-mini-tts' },
		input: 'Hello there.',
		voice: 'alloy',
		responseFormat: 'mp3',
		binaryPropertyName: 'data',
		options: {},
	},
	audioTranscription: {
		binaryPropertyName: 'data',
		model: { __rl: true, mode: 'id', value: 'whisper-1' },
		responseFormat: 'json',
		options: {},
	},
	audioTranslation: {
		audioSource: 'binary',
		binaryPropertyName: 'data',
		model: { __rl: true, mode: 'id', value: 'whisper-1' },
		responseFormat: 'json',
		options: {},
	},
	audioModels: { audioOnly: true, options: {} },
	audioChat: {
		binaryPropertyName: 'data',
		model: { __rl: true, mode: 'id', value: 'gpt-4o-audio-preview' },
		prompt: 'What is said?',
		options: {},
	},
};

const caseName = (c: EmptyCase) => `${c.node} ${c.field}`;

/**
 * Each case node has its own credential for the simulator, which sends the case's number in an
 * X-Case header (the credential's Custom Header), so that its requests can be told apart.
 */
const caseCredential = (c: EmptyCase) => `xcase${EMPTY_CASES.indexOf(c)}`;

/** Sets `field` (a path) in a copy of `parameters` to `value`. */
function withField(parameters: Record<string, unknown>, field: string, value: unknown) {
	const copy = structuredClone(parameters);
	const parts = field.split('.');
	let target = copy;
	for (const part of parts.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
	const last = parts[parts.length - 1];
	target[last] = last === 'model' && parts.length === 1 ? { __rl: true, mode: 'id', value } : value;
	return copy;
}

/**
 * Workflows of four items each (a value, '', nothing, null): Voice on its own (its expression
 * decides which fields show, so n8n may refuse its workflow), every other case in one.
 */
function emptyWorkflows(): Record<string, { workflow: WorkflowJson; cases: EmptyCase[] }> {
	const isVoice = (c: EmptyCase) => c.node === 'audioSpeech' && c.field === 'voice';
	const groups: Record<string, EmptyCase[]> = {
		emptyCases: EMPTY_CASES.filter((c) => !isVoice(c)),
		emptyVoice: EMPTY_CASES.filter(isVoice),
	};
	return Object.fromEntries(
		Object.entries(groups).map(([id, cases]) => {
			const entries = cases.map((c) => [key(c.node, c.field), c.value] as const);
			const items = [
				Object.fromEntries(entries),
				Object.fromEntries(entries.map(([k]) => [k, ''])),
				{},
				Object.fromEntries(entries.map(([k]) => [k, null])),
			];
			const needsAudio = cases.some((c) => c.node !== 'audioSpeech');
			const nodes: WorkflowNode[] = [
				valuesNode('Cases', { cases: items }),
				{
					name: 'One Item Each',
					type: 'n8n-nodes-base.splitOut',
					parameters: { fieldToSplitOut: 'cases', options: {} },
				},
				...(needsAudio
					? [speechNode('Speak', { input: SENTENCES[0], responseFormat: 'mp3' })]
					: []),
				...cases.map((c): WorkflowNode => ({
					name: caseName(c),
					type: `${PACKAGE}.${c.node}`,
					continueOnFail: true,
					after: [c.node === 'audioSpeech' ? 'One Item Each' : 'Speak'],
					parameters: withField(
						LITERAL[c.node],
						c.field,
						`={{ $('One Item Each').item.json.${key(c.node, c.field)} }}`,
					),
				})),
			];
			const built = workflow(id, id, nodes, 'exprSim');
			for (const c of cases) {
				const node = built.nodes.find((n) => n.name === caseName(c))!;
				node.credentials = { audioApi: { id: caseCredential(c), name: caseCredential(c) } };
			}
			return [id, { workflow: built, cases }];
		}),
	);
}

/** Every string (and JSON null, as "null") in a request's JSON body or multipart fields. */
function sentStrings(request: ReceivedRequest): Array<[string, string]> {
	const found: Array<[string, string]> = [];
	const walk = (value: unknown, at: string) => {
		if (typeof value === 'string') found.push([at, value]);
		else if (value === null) found.push([at, 'null']);
		else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${at}[${i}]`));
		else if (value && typeof value === 'object')
			for (const [k, v] of Object.entries(value)) walk(v, at ? `${at}.${k}` : k);
	};
	walk(request.json ?? request.fields ?? {}, '');
	return found;
}

function displayName(types: PackageTypes, c: EmptyCase): string {
	let properties = description(types, c.node).properties;
	let found: INodeProperties | undefined;
	for (const part of c.field.split('.')) {
		found = properties.find((p) => p.name === part);
		properties = (found?.options ?? []) as INodeProperties[];
	}
	// "Voice Name or ID" is n8n's label for a list that also takes an ID; the field is the Voice.
	return found!.displayName.replace(/ Name or ID$/, '');
}

function runOf(execution: Execution, node: string) {
	return execution.data?.resultData.runData[node]?.[0];
}

/** n8n's reason for not running a workflow at all, from its output. */
function refusal(execution: Execution): string {
	const error = execution.data?.resultData.error;
	if (error) return `${error.message} ${error.description ?? ''}`;
	return `${execution.stdout.slice(-1500)}\n${execution.stderr.slice(-1500)}`;
}

let types: PackageTypes;
let server: ReferenceServer;
const simulator = new OpenAiTestServer('openai');

beforeAll(async () => {
	types = loadPackageTypes(PACKAGE_DIR);
	server = await startReferenceServer({ apiKey: KEY });
	await simulator.start();
	simulator.apiKey = KEY;
});

afterAll(async () => {
	await server?.stop();
	await simulator.stop();
});

describe("n8n's own parameter-issue check, with an expression in every field", () => {
	it.each<NodeName>([
		'audioSpeech',
		'audioTranscription',
		'audioTranslation',
		'audioModels',
		'audioChat',
	])('%s: no issues at design time, and nothing a user could not set', (node) => {
		const parameters = expressionsEverywhere(node, description(types, node).properties, '$json');
		expect(undeclaredParameters(description(types, node), parameters as never)).toEqual([]);
		expect(parameterIssues(description(types, node), parameters as never)).toEqual([]);
	});

	it('the workflows below hold only what a user can set', () => {
		const all = [
			...expressionWorkflows(types),
			...Object.values(emptyWorkflows()).map((e) => e.workflow),
		];
		for (const wf of all)
			for (const node of wf.nodes.filter((n) => String(n.type).startsWith(PACKAGE)))
				expect([
					wf.id,
					node.name,
					undeclaredParameters(
						types.nodes[String(node.type)].description,
						node.parameters as never,
					),
				]).toEqual([wf.id, node.name, []]);
	});
});

describe.each(N8N_VERSIONS.map((major): [N8nMajor] => [major]))('n8n %s.x', (major) => {
	let n8n: N8nInstance;
	const executions = new Map<string, Execution>();
	/** What the simulator received while each empty-case workflow ran. */
	const received = new Map<string, ReceivedRequest[]>();

	beforeAll(async () => {
		n8n = new N8nInstance(major, major === 1 ? 'default' : 'filesystem');
		await n8n.importCredentials([
			{
				id: 'audioRef',
				name: 'Reference',
				type: 'audioApi',
				data: { baseUrl: server.baseUrl, apiKey: KEY },
			},
			{
				id: 'exprSim',
				name: 'Simulator',
				type: 'audioApi',
				data: { baseUrl: simulator.baseUrl, apiKey: KEY },
			},
			...EMPTY_CASES.map((c) => ({
				id: caseCredential(c),
				name: caseCredential(c),
				type: 'audioApi',
				data: {
					baseUrl: simulator.baseUrl,
					apiKey: KEY,
					customHeaderName: 'X-Case',
					customHeaderSecret: caseCredential(c),
				},
			})),
		]);
		// Imported unchecked: n8n's own check is the subject here, asserted above and by n8n itself.
		await n8n.importWorkflows(
			[...expressionWorkflows(types), ...Object.values(emptyWorkflows()).map((e) => e.workflow)],
			{ editorCheck: false },
		);
	});

	afterAll(() => n8n?.dispose());

	async function execute(id: string): Promise<Execution> {
		let execution = executions.get(id);
		if (!execution) {
			simulator.requests.splice(0);
			execution = await n8n.execute(id);
			executions.set(id, execution);
			received.set(id, [...simulator.requests]);
		}
		return execution;
	}

	/** The execution of the workflow where `node` has an expression in every field, and its name. */
	async function everywhere(node: NodeName): Promise<[Execution, string]> {
		const [id, name] = EVERYWHERE[node];
		return [await execute(id), name];
	}

	/** The node's output items; fails with n8n's own words when the workflow did not run. */
	function output(execution: Execution, node: string) {
		const run = runOf(execution, node);
		if (!run) throw new Error(`"${node}" did not run; n8n said: ${refusal(execution)}`);
		if (run.error) throw new Error(`"${node}" failed: ${run.error.message}`);
		return run.data!.main[0];
	}

	describe('an expression in every field', () => {
		it('Audio Speech speaks with the values the expressions resolve to', async () => {
			const [execution, name] = await everywhere('audioSpeech');
			const [item] = output(execution, name);
			expect(item.json).toMatchObject({
				model: 'gpt-4o-mini-tts',
				voice: 'nova',
				response_format: 'wav',
				fileName: 'greeting.wav',
				mimeType: 'audio/wav',
			});
			expect(item.binary?.speech).toBeDefined();
			const [check] = output(execution, 'Check');
			expect(wordErrorRate(SENTENCES[0], String(check.json.text))).toBeLessThanOrEqual(0.25);
		});

		it('Audio Transcription transcribes with the values the expressions resolve to', async () => {
			const [execution, name] = await everywhere('audioTranscription');
			const [item] = output(execution, name);
			expect(item.json.response_format).toBe('verbose_json');
			expect(wordErrorRate(SENTENCES[0], String(item.json.text))).toBeLessThanOrEqual(0.25);
			expect((item.json.segments as unknown[]).length).toBeGreaterThan(0);
			expect((item.json.words as unknown[]).length).toBeGreaterThan(3);
		});

		it('Audio Translation translates with the values the expressions resolve to', async () => {
			const [execution, name] = await everywhere('audioTranslation');
			const [item] = output(execution, name);
			expect(item.json.response_format).toBe('srt');
			expect((item.json.cues as unknown[]).length).toBeGreaterThan(0);
			expect(item.binary?.subs?.fileName).toMatch(/\.srt$/);
		});

		it('Audio Models lists models with the values the expressions resolve to', async () => {
			const [execution, name] = await everywhere('audioModels');
			const ids = output(execution, name).map((item) => item.json.id);
			// Audio Models Only resolved to false: the list is the server's whole list, gpt-4o-mini too.
			expect([...ids].sort()).toEqual(DEFAULT_MODELS.map((m) => m.id).sort());
		});

		it('Audio Chat asks with the values the expressions resolve to', async () => {
			const [execution, name] = await everywhere('audioChat');
			const [item] = output(execution, name);
			expect(item.json.text).toEqual(expect.any(String));
			expect(item.binary?.reply?.fileName).toBe('answer.wav');
			const chat = received
				.get(EVERYWHERE.audioChat[0])!
				.find((r) => r.apiPath === '/chat/completions')!;
			expect(chat.json).toMatchObject({
				model: 'gpt-4o-audio-preview',
				temperature: 0.5,
				audio: { voice: 'coral', format: 'wav' },
			});
			expect(JSON.stringify(chat.json)).toContain('Answer in one sentence.');
		});
	});

	describe("an expression resolving to '', undefined or null", () => {
		const workflows = emptyWorkflows();
		const cases = Object.entries(workflows).flatMap(([id, w]) =>
			w.cases.map((c) => [id, c] as const),
		);

		it.each(cases.map(([id, c]) => [caseName(c), id, c] as const))('%s', async (_name, id, c) => {
			const execution = await execute(id);
			const items = output(execution, caseName(c));
			expect(items).toHaveLength(4);
			expect(items[0].json.error).toBeUndefined();
			const requests = received.get(id)!.filter((r) => r.headers['x-case'] === caseCredential(c));
			expect(requests.length).toBeGreaterThan(0);
			const sent = requests.flatMap(sentStrings);
			// Nothing is ever sent as the text "undefined" or "null", nor as JSON null.
			expect(sent.filter(([, value]) => /^(undefined|null)$/.test(value))).toEqual([]);
			expect(requests.flatMap((r) => r.contractErrors)).toEqual([]);
			if (c.node === 'audioSpeech' && c.field === 'options.fileName')
				for (const item of items.filter((i) => !i.json.error))
					expect(String(item.json.fileName)).toMatch(/^(hello|speech)\.mp3$/);
			if (!c.required) return;
			const label = displayName(types, c);
			for (const index of [1, 2, 3]) {
				const { error, description: fix } = items[index].json as {
					error?: string;
					description?: string;
				};
				expect(error).toEqual(expect.any(String));
				const said = `${error} ${fix ?? ''}`;
				expect(said.toLowerCase()).toContain(label.toLowerCase());
				expect(said).toMatch(new RegExp(`\\bitem ${index}\\b`));
				expect(fix).toEqual(expect.any(String));
			}
			// Only item 0 is sent, and with the field (JSON drops an undefined one silently).
			expect(requests).toHaveLength(1);
			if (c.apiField)
				expect(sentStrings(requests[0]).find(([at]) => at === c.apiField)?.[1]).toEqual(
					expect.stringMatching(/./),
				);
		});
	});
});
