/**
 * The engine refuses, before anything runs, what a user could not set in n8n's editor; and it
 * gives nodes their credential with the type's defaults filled in, as n8n does.
 */
import { EditorCheckError } from '../../e2e/editor-check';
import { OpenAiTestServer } from '../support/openai-server';
import { listSearch, runWorkflow, testCredential } from '../support/engine';

const model = (value: string) => ({ __rl: true, mode: 'id', value });

describe('the engine runs only what the editor allows', () => {
	const server = new OpenAiTestServer();
	beforeAll(async () => await server.start());
	afterAll(async () => await server.stop());
	beforeEach(() => server.requests.splice(0));
	const speech = (parameters: Record<string, unknown>) => ({
		name: 'Speak',
		type: 'audioSpeech',
		parameters: {
			model: model('tts-1'),
			input: 'Hello',
			voice: 'alloy',
			responseFormat: 'mp3',
			binaryPropertyName: 'data',
			options: {},
			...parameters,
		},
	});

	it('refuses an undeclared credential field and a hidden one, sending nothing', async () => {
		await expect(
			runWorkflow({
				credentials: {
					audioApi: { baseUrl: server.baseUrl, apiKey: 'k', authHeaderName: 'X-Key' },
				},
				items: [{ json: {} }],
				nodes: [speech({})],
			}),
		).rejects.toThrow(/credential \(audioApi\): authHeaderName: hidden for these values/);
		await expect(
			testCredential('audioApi', { baseUrl: server.baseUrl, apiKey: 'k', token: 't' }),
		).rejects.toThrow(/token: not declared/);
		await expect(
			listSearch('audioSpeech', 'searchSpeechModels', {
				audioApi: { baseUrl: server.baseUrl, apiKey: 'k', apiStyle: 'anthropic' },
			}),
		).rejects.toThrow(EditorCheckError);
		expect(server.requests).toHaveLength(0);
	});

	it('refuses an undeclared option, a value outside the options, and a node with issues', async () => {
		const error = await runWorkflow({
			credentials: { audioApi: { baseUrl: server.baseUrl, apiKey: 'k' } },
			items: [{ json: {} }],
			nodes: [speech({ input: '', responseFormat: 'ogg', options: { sampleRate: 24000 } })],
		}).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(EditorCheckError);
		expect((error as EditorCheckError).problems).toEqual([
			expect.stringMatching(/responseFormat: "ogg" is not one of its options/),
			expect.stringMatching(/options\.sampleRate: not declared/),
			expect.stringMatching(/has issues: input: Parameter "Text" is required\./),
		]);
		expect(server.requests).toHaveLength(0);
	});

	it('accepts expressions, and the node gets the credential with its defaults filled in', async () => {
		const result = await runWorkflow({
			credentials: { audioApi: { baseUrl: server.baseUrl, apiKey: 'k' } },
			items: [{ json: { format: 'wav' } }],
			nodes: [speech({ responseFormat: '={{ $json.format }}' })],
		});
		expect(result.failure).toBeUndefined();
		expect(server.requests[0].json).toMatchObject({ response_format: 'wav' });
		// Authentication Header was never given: its default, bearer, applies.
		expect(server.requests[0].headers.authorization).toBe('Bearer k');
	});
});
