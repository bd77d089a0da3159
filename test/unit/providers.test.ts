import {
	OPPER_MAX_AUDIO_BYTES,
	opperSpeechBody,
	opperTranscriptionBody,
	OpperError,
	readOpperModels,
	readOpperSpeech,
} from '../../package/lib/providers/opper';
import {
	NotAudioError,
	readSpeechReply,
	speechRequestBody,
} from '../../package/lib/providers/speech';
import { route, RouteError } from '../../package/lib/providers/style';

const request = {
	model: 'openai/tts-1',
	input: 'Hi',
	voice: 'alloy',
	response_format: 'mp3' as const,
};

describe('Opper requests', () => {
	it('maps response_format to format and instructions and extras into parameters', () => {
		expect(
			opperSpeechBody({ ...request, instructions: 'Calm.', extra: { seed: 1 } }, false),
		).toEqual({
			model: 'openai/tts-1',
			input: 'Hi',
			voice: 'alloy',
			format: 'mp3',
			store: false,
			parameters: { seed: 1, instructions: 'Calm.' },
		});
		expect(speechRequestBody('opper', request)).toEqual({
			model: 'openai/tts-1',
			input: 'Hi',
			voice: 'alloy',
			format: 'mp3',
			store: true,
		});
		expect(() => speechRequestBody('opper', { ...request, input: '' })).toThrow('empty');
	});

	it('sends audio as a data-URI up to 25 MB, an https URL or a file_id', () => {
		expect(
			opperTranscriptionBody({
				model: 'm',
				source: { kind: 'data', bytes: Buffer.from('abc'), contentType: 'audio/wav' },
			}),
		).toEqual({ model: 'm', audio: 'data:audio/wav;base64,YWJj' });
		expect(() =>
			opperTranscriptionBody({
				model: 'm',
				source: {
					kind: 'data',
					bytes: Buffer.alloc(OPPER_MAX_AUDIO_BYTES + 1),
					contentType: 'audio/wav',
				},
			}),
		).toThrow(OpperError);
		expect(
			opperTranscriptionBody({
				model: 'm',
				source: { kind: 'url', url: ' https://x/a.mp3 ' },
				diarize: true,
				language: 'en',
			}),
		).toEqual({ model: 'm', audio: 'https://x/a.mp3', diarize: true, language: 'en' });
		expect(() =>
			opperTranscriptionBody({ model: 'm', source: { kind: 'url', url: 'ftp://x' } }),
		).toThrow('https');
		expect(() =>
			opperTranscriptionBody({ model: 'm', source: { kind: 'fileId', fileId: ' ' } }),
		).toThrow('file_id');
	});

	it('has no translation or chat route', () => {
		expect(route('opper', 'models')).toEqual({ path: '/audio/models' });
		expect(() => route('opper', 'translations')).toThrow(RouteError);
		expect(() => route('opper', 'chat')).toThrow(RouteError);
	});
});

describe('Opper replies', () => {
	it('reads base64 audio with file_id, url and usage', () => {
		expect(
			readOpperSpeech({
				audio: { b64_json: 'SUQz', mime_type: 'audio/mpeg' },
				file_id: 'f',
				url: 'https://u',
				usage: { cost: 1 },
			}),
		).toEqual({
			audio: Buffer.from('ID3'),
			mimeType: 'audio/mpeg',
			file_id: 'f',
			url: 'https://u',
			usage: { cost: 1 },
		});
		expect(() => readOpperSpeech({ audio: {} })).toThrow(OpperError);
	});

	it('reads model lists tagged in type, kind or tags, bare or wrapped', () => {
		expect(
			readOpperModels({
				models: [
					{ name: 'x/voice', kind: 'tts', voices: ['a'] },
					{ id: 'y', tags: ['stt'] },
					{ id: 'openai/whisper-1' },
				],
			}),
		).toEqual([
			{ id: 'openai/whisper-1', kind: 'stt' },
			{ id: 'x/voice', kind: 'tts', voices: ['a'] },
			{ id: 'y', kind: 'stt' },
		]);
		expect(() => readOpperModels({})).toThrow(OpperError);
	});
});

describe('readSpeechReply', () => {
	it('passes audio through, reads Opper JSON, and refuses what is not audio', () => {
		expect(readSpeechReply('openai', 'audio/mpeg', Buffer.from('ID3'))).toEqual({
			audio: Buffer.from('ID3'),
			details: {},
		});
		expect(
			readSpeechReply(
				'opper',
				'application/json',
				Buffer.from('{"audio":{"b64_json":"SUQz"},"file_id":"f"}'),
			),
		).toEqual({ audio: Buffer.from('ID3'), details: { file_id: 'f' } });
		expect(() =>
			readSpeechReply('openai', 'application/json; charset=utf-8', Buffer.from('{"a":1}')),
		).toThrow(NotAudioError);
		expect(() => readSpeechReply('azure', 'text/html', Buffer.from('<html>'))).toThrow(
			'instead of audio',
		);
	});
});
