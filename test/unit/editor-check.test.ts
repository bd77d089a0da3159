import type { ICredentialType, INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import {
	assertEditorAllows,
	EditorCheckError,
	parameterIssues,
	undeclaredCredentialFields,
	undeclaredParameters,
	type PackageTypes,
} from '../../e2e/editor-check';
import { AudioApi } from '../../package/credentials/AudioApi.credentials';
import { AudioSpeech } from '../../package/nodes/AudioSpeech/AudioSpeech.node';

/** A node description with one field of every kind the check walks into. */
const properties: INodeProperties[] = [
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		default: 'simple',
		options: [
			{ name: 'Simple', value: 'simple' },
			{ name: 'Advanced', value: 'advanced' },
		],
	},
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		default: '',
		required: true,
	},
	{
		displayName: 'Detail',
		name: 'detail',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: { mode: ['advanced'] } },
	},
	{
		displayName: 'Tags',
		name: 'tags',
		type: 'multiOptions',
		default: [],
		options: [
			{ name: 'Red', value: 'red' },
			{ name: 'Blue', value: 'blue' },
		],
	},
	{
		displayName: 'Model',
		name: 'model',
		type: 'resourceLocator',
		default: { mode: 'id', value: '' },
		modes: [
			{ displayName: 'From List', name: 'list', type: 'list' },
			{ displayName: 'ID', name: 'id', type: 'string' },
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		default: {},
		options: [
			{
				displayName: 'Speed',
				name: 'speed',
				type: 'number',
				typeOptions: { minValue: 0.25, maxValue: 4, numberPrecision: 2 },
				default: 1,
			},
			{ displayName: 'Loud', name: 'loud', type: 'boolean', default: false },
			{
				displayName: 'Volume',
				name: 'volume',
				type: 'number',
				default: 5,
				displayOptions: { show: { loud: [true] } },
			},
			{
				displayName: 'Speakers',
				name: 'speakers',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				default: {},
				options: [
					{
						displayName: 'Speaker',
						name: 'speaker',
						values: [
							{ displayName: 'Name', name: 'name', type: 'string', default: '' },
							{
								displayName: 'Kind',
								name: 'kind',
								type: 'options',
								default: 'person',
								options: [
									{ name: 'Person', value: 'person' },
									{ name: 'Robot', value: 'robot' },
								],
							},
						],
					},
				],
			},
		],
	},
];

const description = {
	displayName: 'Sample',
	name: 'sample',
	group: ['transform'],
	version: 1,
	description: '',
	defaults: { name: 'Sample' },
	inputs: ['main'],
	outputs: ['main'],
	properties,
} as unknown as INodeTypeDescription;

const rl = (value: string, mode = 'id') => ({ __rl: true, mode, value });

describe('undeclaredParameters', () => {
	it('accepts what a user can set, and reports nothing', () => {
		expect(
			undeclaredParameters(description, {
				mode: 'advanced',
				text: 'hello',
				detail: 'more',
				tags: ['red', 'blue'],
				model: rl('tts-1'),
				options: {
					speed: 1.25,
					loud: true,
					volume: 7,
					speakers: { speaker: [{ name: 'Ada', kind: 'robot' }] },
				},
			}),
		).toEqual([]);
	});

	it('refuses a parameter the description does not declare, at the top and inside a collection', () => {
		expect(undeclaredParameters(description, { text: 'a', txet: 'b' })).toEqual([
			expect.stringMatching(/^txet: not declared \(declared here: mode, text, detail/),
		]);
		expect(undeclaredParameters(description, { options: { pitch: 2 } })).toEqual([
			expect.stringMatching(/^options\.pitch: not declared/),
		]);
	});

	it('refuses an undeclared group or field inside a fixed collection', () => {
		expect(
			undeclaredParameters(description, {
				options: { speakers: { voices: [{ name: 'x' }] } },
			}),
		).toEqual([expect.stringMatching(/^options\.speakers\.voices: not declared/)]);
		expect(
			undeclaredParameters(description, {
				options: { speakers: { speaker: [{ name: 'x', sample: 'data' }] } },
			}),
		).toEqual([expect.stringMatching(/^options\.speakers\.speaker\[0\]\.sample: not declared/)]);
		expect(
			undeclaredParameters(description, {
				options: { speakers: { speaker: { name: 'x' } } },
			}),
		).toEqual([expect.stringMatching(/must be a list/)]);
	});

	it('refuses a value an options or multiOptions field does not allow, inside groups too', () => {
		expect(undeclaredParameters(description, { mode: 'expert' })).toEqual([
			'mode: "expert" is not one of its options ("simple", "advanced")',
		]);
		expect(undeclaredParameters(description, { tags: ['red', 'green'] })).toEqual([
			'tags: "green" is not one of its options ("red", "blue")',
		]);
		expect(
			undeclaredParameters(description, {
				options: { speakers: { speaker: [{ kind: 'cat' }] } },
			}),
		).toEqual([expect.stringMatching(/^options\.speakers\.speaker\[0\]\.kind: "cat" is not one/)]);
	});

	it('refuses a field hidden for the values given, judged with the defaults of the rest', () => {
		// Mode defaults to simple, which hides Detail.
		expect(undeclaredParameters(description, { text: 'a', detail: 'b' })).toEqual([
			expect.stringMatching(
				/^detail: hidden for these values.*\{"show":\{"mode":\["advanced"\]\}\}/,
			),
		]);
		// Inside a collection, displayOptions refer to the collection's own values.
		expect(undeclaredParameters(description, { options: { volume: 7 } })).toEqual([
			expect.stringMatching(/^options\.volume: hidden/),
		]);
	});

	it('refuses an unknown resource locator mode, extra keys and a bare string', () => {
		expect(undeclaredParameters(description, { model: rl('x', 'url') })).toEqual([
			'model.mode: "url" is not one of its modes (list, id)',
		]);
		expect(undeclaredParameters(description, { model: { ...rl('x'), deployment: 'y' } })).toEqual([
			'model.deployment: not part of a resource locator value',
		]);
		expect(undeclaredParameters(description, { model: 'tts-1' })).toEqual([
			expect.stringMatching(/^model: a resource locator holds/),
		]);
	});

	it('refuses values of the wrong type, out of range or finer than the field takes', () => {
		expect(
			undeclaredParameters(description, {
				text: 42,
				options: { speed: 5, loud: 'yes' },
			}),
		).toEqual([
			'text: a string field holds text, not 42',
			"options.speed: 5 is above the field's maximum 4",
			'options.loud: a boolean field holds true or false, not "yes"',
		]);
		expect(undeclaredParameters(description, { options: { speed: 1.005 } })).toEqual([
			"options.speed: 1.005 has more than the field's 2 decimal places",
		]);
	});

	it('accepts an expression in any field, and one deciding displayOptions shows its dependents', () => {
		expect(
			undeclaredParameters(description, {
				mode: '={{ $json.mode }}',
				detail: '={{ $json.detail }}',
				tags: '={{ $json.tags }}',
				model: rl('={{ $json.model }}'),
				options: {
					speed: '={{ $json.speed }}',
					loud: '={{ $json.loud }}',
					volume: '={{ 3 }}',
					speakers: { speaker: [{ name: '={{ $json.name }}', kind: '={{ "cat" }}' }] },
				},
			}),
		).toEqual([]);
	});
});

describe('parameterIssues (n8n NodeHelpers, as the editor runs them)', () => {
	it('reports a required field left empty, by its display name', () => {
		expect(parameterIssues(description, { text: '' })).toEqual([
			'text: Parameter "Text" is required.',
		]);
		expect(parameterIssues(description, { text: 'a' })).toEqual([]);
	});

	it('reports a required field that an expression elsewhere makes shown', () => {
		// n8n shows every field that depends on an expression, so a required one must be filled.
		expect(parameterIssues(description, { text: 'a', mode: '={{ $json.mode }}' })).toEqual([
			'detail: Parameter "Detail" is required.',
		]);
	});
});

describe('the real credential and a real node', () => {
	const credential = new AudioApi() as ICredentialType;

	it('refuses credential fields a user cannot set: undeclared, hidden, or not an option', () => {
		expect(
			undeclaredCredentialFields(credential, {
				apiStyle: 'azure',
				baseUrl: 'https://x.openai.azure.com',
				apiKey: 'k',
				authHeader: 'bearer',
				apiKeyHeader: 'api-key',
			}),
		).toEqual([
			expect.stringMatching(/^authHeader: hidden for these values/),
			expect.stringMatching(/^apiKeyHeader: not declared/),
		]);
		expect(undeclaredCredentialFields(credential, { apiStyle: 'google' })).toEqual([
			expect.stringMatching(/^apiStyle: "google" is not one of its options/),
		]);
		// Header Name shows only for a custom header; the default is bearer.
		expect(undeclaredCredentialFields(credential, { authHeaderName: 'X-Key' })).toEqual([
			expect.stringMatching(/^authHeaderName: hidden/),
		]);
	});

	it('accepts a credential as the form allows it, expressions included', () => {
		expect(
			undeclaredCredentialFields(credential, {
				apiStyle: 'openai',
				baseUrl: 'http://127.0.0.1:8000/v1',
				apiKey: '={{ "sk-" + "key" }}',
				authHeader: 'custom',
				authHeaderName: 'X-Key',
				customHeaderName: 'X-Gateway',
				customHeaderSecret: 's',
			}),
		).toEqual([]);
	});

	it('assertEditorAllows lists every problem of every node and credential, and skips other packages', () => {
		const speech = new AudioSpeech();
		const types: PackageTypes = {
			nodes: { 'n8n-nodes-audio-api.audioSpeech': speech },
			credentials: { audioApi: credential },
		};
		const ok = {
			model: rl('tts-1'),
			input: 'Hello',
			voice: 'alloy',
			responseFormat: 'mp3',
			binaryPropertyName: 'data',
			options: {},
		};
		expect(() =>
			assertEditorAllows(types, {
				nodes: [
					{ name: 'Speak', type: 'n8n-nodes-audio-api.audioSpeech', parameters: ok },
					{ name: 'Set', type: 'n8n-nodes-base.set', parameters: { anything: 1 } },
				],
				credentials: [{ type: 'audioApi', data: { baseUrl: 'http://127.0.0.1/v1', apiKey: 'k' } }],
			}),
		).not.toThrow();

		let thrown: unknown;
		try {
			assertEditorAllows(types, {
				nodes: [
					{
						name: 'Speak',
						type: 'n8n-nodes-audio-api.audioSpeech',
						parameters: { ...ok, input: '', responseFormat: 'ogg', options: { volume: 2 } },
					},
				],
				credentials: [{ type: 'audioApi', data: { apiStyle: 'azure', authHeader: 'apiKey' } }],
			});
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeInstanceOf(EditorCheckError);
		expect((thrown as EditorCheckError).problems).toEqual([
			expect.stringMatching(
				/^node "Speak" \(n8n-nodes-audio-api\.audioSpeech\): responseFormat: "ogg"/,
			),
			expect.stringMatching(/^node "Speak" .*: options\.volume: not declared/),
			'node "Speak" (n8n-nodes-audio-api.audioSpeech): has issues: input: Parameter "Text" is required.',
			expect.stringMatching(/^credential \(audioApi\): authHeader: hidden/),
		]);
	});
});
