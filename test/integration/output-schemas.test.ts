/**
 * Each node ships `__schema__/v1.0.0.json`, the JSON Schema of its output item that n8n's editor
 * serves at `/schemas/<node type>/1.0.0.json` and shows as the node's schema preview before it has
 * run (the next node maps fields from it). The nodes run here against the test server in their
 * common settings, and every field of every output item must be declared, with its type, in the
 * shipped schema: a field the preview does not offer is one the user cannot map before a run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';

import { writeLongWav } from '../../e2e/queue';
import { FIXTURES, OpenAiTestServer } from '../support/openai-server';
import { runWorkflow, type TestNode } from '../support/engine';

const DIST = path.resolve(__dirname, '../../package/dist/nodes');
const NODE_FOLDERS: Record<string, string> = {
	audioSpeech: 'AudioSpeech',
	audioTranscription: 'AudioTranscription',
	audioTranslation: 'AudioTranslation',
	audioModels: 'AudioModels',
	audioChat: 'AudioChat',
};
const model = (value: string) => ({ __rl: true, mode: 'id', value });

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema };

/**
 * The shipped schema made strict for checking: no undeclared property at any depth, and null
 * allowed where a value is absent (n8n's schemas, like ours, declare one type per field).
 */
function strict(schema: Schema): Record<string, unknown> {
	return {
		...(schema.type ? { type: [schema.type, 'null'] } : {}),
		...(schema.properties
			? {
					properties: Object.fromEntries(
						Object.entries(schema.properties).map(([k, v]) => [k, strict(v)]),
					),
					additionalProperties: false,
				}
			: {}),
		...(schema.items ? { items: strict(schema.items) } : {}),
	};
}

function shipped(nodeType: string): Schema {
	return JSON.parse(
		readFileSync(path.join(DIST, NODE_FOLDERS[nodeType], '__schema__/v1.0.0.json'), 'utf8'),
	) as Schema;
}

describe('the output schemas n8n shows before a run', () => {
	const openai = new OpenAiTestServer();
	const opper = new OpenAiTestServer('opper');
	const dir = mkdtempSync(path.join(tmpdir(), 'schemas-'));
	const longWav = path.join(dir, 'long.wav');
	beforeAll(async () => {
		await openai.start();
		await opper.start();
		opper.apiKey = 'op-key';
		// 0.35 MB: three chunks or more at the smallest Max Upload Size a user can set (0.1 MB).
		await writeLongWav(longWav, 350_000);
	});
	afterAll(async () => {
		await openai.stop();
		await opper.stop();
		rmSync(dir, { recursive: true, force: true });
	});
	const ajv = new Ajv({ allErrors: true });
	const hello = { data: { path: path.join(FIXTURES, 'hello.mp3'), fileName: 'hello.mp3' } };
	const long = { data: { path: longWav, fileName: 'long.wav', mimeType: 'audio/wav' } };

	const cases: Array<[string, 'openai' | 'opper', TestNode, typeof hello | undefined]> = [
		[
			'Speech',
			'openai',
			{
				name: 'N',
				type: 'audioSpeech',
				parameters: { model: model('tts-1'), input: 'Hello', voice: 'alloy', options: {} },
			},
			undefined,
		],
		[
			'Speech, Opper (file_id, url, usage)',
			'opper',
			{
				name: 'N',
				type: 'audioSpeech',
				parameters: { model: model('openai/tts-1'), input: 'Hello', voice: 'nova', options: {} },
			},
			undefined,
		],
		...(['json', 'verbose_json', 'srt', 'vtt', 'text'] as const).map(
			(responseFormat): [string, 'openai', TestNode, typeof hello] => [
				`Transcription, ${responseFormat}`,
				'openai',
				{
					name: 'N',
					type: 'audioTranscription',
					parameters: {
						model: model('whisper-1'),
						responseFormat,
						...(responseFormat === 'verbose_json'
							? { timestampGranularities: ['word', 'segment'] }
							: {}),
						options: {},
					},
				},
				hello,
			],
		),
		[
			'Transcription of a long file in chunks',
			'openai',
			{
				name: 'N',
				type: 'audioTranscription',
				parameters: {
					model: model('whisper-1'),
					responseFormat: 'verbose_json',
					options: { maxUploadMb: 0.1 },
				},
			},
			long,
		],
		[
			'Translation',
			'openai',
			{
				name: 'N',
				type: 'audioTranslation',
				parameters: { model: model('whisper-1'), responseFormat: 'verbose_json', options: {} },
			},
			hello,
		],
		[
			'Models',
			'openai',
			{ name: 'N', type: 'audioModels', parameters: { options: {} } },
			undefined,
		],
		[
			'Chat',
			'openai',
			{
				name: 'N',
				type: 'audioChat',
				parameters: { model: model('gpt-4o-audio-preview'), prompt: 'What is said?', options: {} },
			},
			hello,
		],
	];

	it.each(cases)(
		'%s: every output field is in the shipped schema',
		async (_, style, node, binary) => {
			const server = style === 'opper' ? opper : openai;
			const result = await runWorkflow({
				credentials: {
					audioApi: {
						baseUrl: server.baseUrl,
						apiKey: style === 'opper' ? 'op-key' : 'sk-schema',
						...(style === 'opper' ? { apiStyle: 'opper' } : {}),
					},
				},
				items: [binary ? { binary } : { json: {} }],
				nodes: [node],
			});
			expect(result.failure).toBeUndefined();
			const items = result.output('N');
			expect(items.length).toBeGreaterThan(0);
			const validate = ajv.compile(strict(shipped(node.type)));
			for (const item of items) {
				validate(item.json);
				// Each error named by its path and, for an undeclared field, the field.
				const errors = (validate.errors ?? []).map(
					(e) =>
						`${e.dataPath} ${e.message}${'additionalProperty' in e.params ? `: ${e.params.additionalProperty}` : ''}`,
				);
				expect(errors).toEqual([]);
			}
			if (
				node.parameters.options &&
				(node.parameters.options as { maxUploadMb?: number }).maxUploadMb
			)
				expect((items[0].json.chunks as unknown[]).length).toBeGreaterThanOrEqual(3);
		},
	);

	it('the strict check refuses a field the schema does not declare', () => {
		const validate = ajv.compile(strict(shipped('audioSpeech')));
		expect(validate({ model: 'tts-1', bytes: 10 })).toBe(true);
		expect(validate({ model: 'tts-1', audio_seconds: 10 })).toBe(false);
		expect(validate({ model: 'tts-1', bytes: 'ten' })).toBe(false);
	});
});
