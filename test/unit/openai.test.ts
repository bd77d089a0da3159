import { inferModelKind, ModelListError, readModelList } from '../../package/lib/openai/models';
import {
	RequestParameterError,
	speechBody,
	transcriptionFields,
} from '../../package/lib/openai/requests';

describe('inferModelKind', () => {
	it.each([
		['tts-1', 'tts'],
		['tts-1-hd', 'tts'],
		['gpt-4o-mini-tts', 'tts'],
		['gpt-4o-mini-tts-2025-12-15', 'tts'],
		['kokoro', 'tts'],
		['speaches-ai/Kokoro-82M-v1.0-ONNX', 'tts'],
		['playai-tts', 'tts'],
		['whisper-1', 'stt'],
		['whisper-large-v3-turbo', 'stt'],
		['gpt-4o-transcribe', 'stt'],
		['gpt-4o-transcribe-diarize', 'stt'],
		['Systran/faster-distil-whisper-small.en', 'stt'],
		['distil-whisper-large-v3-en', 'stt'],
		['gpt-4o-mini', 'other'],
		['text-embedding-3-small', 'other'],
		['gpt-4o-audio-preview', 'chat'],
		['gpt-audio-mini', 'chat'],
		['gpt-4o-mini-audio-preview-2024-12-17', 'chat'],
	])('%s is %s', (id, kind) => {
		expect(inferModelKind(id)).toBe(kind);
	});
});

describe('readModelList', () => {
	it('reads OpenAI lists and bare arrays, skipping entries without an id', () => {
		expect(
			readModelList({
				object: 'list',
				data: [{ id: 'whisper-1', owned_by: 'openai', created: 1 }, { name: 'x' }],
			}),
		).toEqual([{ id: 'whisper-1', owned_by: 'openai', created: 1, kind: 'stt' }]);
		expect(readModelList([{ id: 'tts-1' }, { id: 'kokoro' }]).map((m) => m.id)).toEqual([
			'kokoro',
			'tts-1',
		]);
	});
	it('throws on a reply without a list', () => {
		expect(() => readModelList({ models: [] })).toThrow(ModelListError);
		expect(() => readModelList('<html>')).toThrow(ModelListError);
	});
});

describe('speechBody', () => {
	const base = { model: 'tts-1', input: 'Hi', voice: 'alloy', response_format: 'mp3' as const };
	it('sends only what differs from the defaults', () => {
		expect(speechBody({ ...base, speed: 1 })).toEqual({
			model: 'tts-1',
			input: 'Hi',
			voice: 'alloy',
			response_format: 'mp3',
		});
	});
	it('sends a custom voice as an object, and extras that cannot override the named fields', () => {
		expect(
			speechBody({
				...base,
				voice: { id: 'voice_1234' },
				speed: 0.5,
				instructions: 'Calm.',
				extra: { model: 'evil', lang_code: 'a' },
			}),
		).toEqual({
			lang_code: 'a',
			model: 'tts-1',
			input: 'Hi',
			voice: { id: 'voice_1234' },
			response_format: 'mp3',
			speed: 0.5,
			instructions: 'Calm.',
		});
	});
	it('refuses empty text, text over 4,096 characters and speeds outside 0.25 to 4', () => {
		expect(() => speechBody({ ...base, input: '  ' })).toThrow(RequestParameterError);
		expect(() => speechBody({ ...base, input: 'x'.repeat(4097) })).toThrow('4097 characters');
		expect(speechBody({ ...base, input: 'x'.repeat(4096) }).input).toHaveLength(4096);
		expect(() => speechBody({ ...base, speed: 4.5 })).toThrow('outside 0.25 to 4');
		expect(() => speechBody({ ...base, speed: 0.2 })).toThrow(RequestParameterError);
	});
});

describe('transcriptionFields', () => {
	it('names arrays with [] and keeps the order of the API', () => {
		expect(
			transcriptionFields(
				{
					model: 'whisper-1',
					response_format: 'verbose_json',
					language: 'en',
					prompt: 'p',
					temperature: 0,
					timestamp_granularities: ['word', 'segment'],
					include: ['logprobs'],
					chunking_strategy: 'auto',
				},
				'transcriptions',
			),
		).toEqual([
			['model', 'whisper-1'],
			['response_format', 'verbose_json'],
			['prompt', 'p'],
			['temperature', '0'],
			['language', 'en'],
			['timestamp_granularities[]', 'word'],
			['timestamp_granularities[]', 'segment'],
			['include[]', 'logprobs'],
			['chunking_strategy', 'auto'],
		]);
	});
	it('drops what translations do not take', () => {
		expect(
			transcriptionFields(
				{ model: 'whisper-1', response_format: 'srt', language: 'de', include: ['logprobs'] },
				'translations',
			),
		).toEqual([
			['model', 'whisper-1'],
			['response_format', 'srt'],
		]);
	});
	it('refuses granularities without verbose_json and unpaired known speakers', () => {
		expect(() =>
			transcriptionFields(
				{ model: 'm', response_format: 'json', timestamp_granularities: ['word'] },
				'transcriptions',
			),
		).toThrow('verbose_json');
		expect(() =>
			transcriptionFields(
				{
					model: 'm',
					response_format: 'diarized_json',
					known_speaker_names: ['a'],
					known_speaker_references: [],
				},
				'transcriptions',
			),
		).toThrow('one reference per name');
		expect(() =>
			transcriptionFields(
				{
					model: 'm',
					response_format: 'diarized_json',
					known_speaker_names: ['a', 'b', 'c', 'd', 'e'],
					known_speaker_references: ['1', '2', '3', '4', '5'],
				},
				'transcriptions',
			),
		).toThrow('At most 4');
	});
});
