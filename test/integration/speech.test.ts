import { OpenAiTestServer } from '../support/openai-server';
import { runWorkflow, type BinaryMode } from '../support/engine';

const API_KEY = 'sk-test-speech-0123456789';

describe.each<BinaryMode>(['default', 'filesystem'])(
	'Audio Speech in binary mode %s',
	(binaryMode) => {
		const server = new OpenAiTestServer();
		beforeAll(async () => {
			await server.start();
			server.apiKey = API_KEY;
		});
		afterAll(async () => await server.stop());
		afterEach(() => expect(server.contractViolations()).toEqual([]));
		beforeEach(() => server.requests.splice(0));

		const credentials = () => ({ audioApi: { baseUrl: `${server.baseUrl}/`, apiKey: API_KEY } });

		it('sends a spec-valid JSON body per item and returns each reply as a binary with the right MIME type', async () => {
			const result = await runWorkflow({
				binaryMode,
				credentials: credentials(),
				items: [{ json: { line: 'Hello there.' } }, { json: { line: 'General Kenobi.' } }],
				nodes: [
					{
						name: 'Speech',
						type: 'audioSpeech',
						parameters: {
							model: { __rl: true, mode: 'id', value: 'gpt-4o-mini-tts' },
							input: '={{ $json.line }}',
							voice: 'coral',
							responseFormat: 'mp3',
							options: { speed: 1.25, instructions: 'Cheerful.', fileName: 'greeting' },
						},
					},
				],
			});

			expect(result.failure).toBeUndefined();
			expect(server.requests).toHaveLength(2);
			for (const [i, line] of ['Hello there.', 'General Kenobi.'].entries()) {
				const request = server.requests[i];
				expect(request.contractErrors).toEqual([]);
				expect(request.apiPath).toBe('/audio/speech');
				expect(request.headers['content-type']).toBe('application/json');
				expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
				expect(request.json).toEqual({
					model: 'gpt-4o-mini-tts',
					input: line,
					voice: 'coral',
					response_format: 'mp3',
					speed: 1.25,
					instructions: 'Cheerful.',
				});
			}

			const items = result.output('Speech');
			expect(items).toHaveLength(2);
			for (const [i, item] of items.entries()) {
				expect(item.pairedItem).toEqual({ item: i });
				expect(item.json).toEqual({
					model: 'gpt-4o-mini-tts',
					voice: 'coral',
					response_format: 'mp3',
					bytes: 5553,
					fileName: 'greeting.mp3',
					mimeType: 'audio/mpeg',
					characters: [12, 15][i],
					request_id: `req_${i + 1}`,
				});
				expect(item.binary?.data?.mimeType).toBe('audio/mpeg');
				expect(item.binary?.data?.fileName).toBe('greeting.mp3');
				if (binaryMode === 'filesystem') expect(item.binary?.data?.id).toMatch(/^filesystem/);
				const bytes = await result.binaryBytes(item);
				expect(bytes.subarray(0, 3).toString('latin1')).toBe('ID3');
				expect(bytes.length).toBe(5553);
			}
		});
	},
);
