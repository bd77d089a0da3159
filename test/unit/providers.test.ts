import { bufferSource, type StreamedBody } from '../../package/lib/http/body';
import {
	AZURE_DEFAULT_API_VERSION,
	credentialHeaders,
	providerFor,
} from '../../package/lib/providers';
import { NotAudioError, RequestParameterError } from '../../package/lib/providers/openai';
import {
	OPPER_MAX_AUDIO_BYTES,
	OpperError,
	readOpperModels,
	readOpperSpeech,
} from '../../package/lib/providers/opper';
import type { TranscriptionRequest } from '../../package/lib/providers/types';
import { AudioApiError } from '../../package/lib/errors';

const openai = providerFor('openai');
const azure = providerFor('azure');
const opper = providerFor('opper');

async function text(body: StreamedBody): Promise<string> {
	const parts: Buffer[] = [];
	for await (const part of body.stream()) parts.push(Buffer.from(part));
	return Buffer.concat(parts).toString('utf8');
}

const speech = {
	model: 'openai/tts-1',
	input: 'Hi',
	voice: 'alloy',
	response_format: 'mp3' as const,
};

describe('providerFor: one module per style', () => {
	it('falls back to the OpenAI style for an unknown or missing style', () => {
		expect(providerFor(undefined).style).toBe('openai');
		expect(providerFor('something').style).toBe('openai');
	});

	it('routes each style', () => {
		expect(openai.route('speech')).toEqual({ path: '/audio/speech' });
		expect(openai.route('models')).toEqual({ path: '/models' });
		expect(openai.route('chat')).toEqual({ path: '/chat/completions' });
		expect(azure.route('translations', 'whisper prod', '2025-01-01')).toEqual({
			path: '/openai/deployments/whisper%20prod/audio/translations',
			qs: { 'api-version': '2025-01-01' },
		});
		expect(azure.route('models')).toEqual({
			path: '/openai/models',
			qs: { 'api-version': AZURE_DEFAULT_API_VERSION },
		});
		expect(() => azure.route('speech', ' ')).toThrow(AudioApiError);
		expect(opper.route('models')).toEqual({ path: '/audio/models' });
		expect(() => opper.route('translations')).toThrow(/no translation endpoint/);
		expect(() => opper.route('chat')).toThrow(AudioApiError);
	});
});

describe('credentialHeaders', () => {
	it('sends the key the chosen way; Azure always in api-key', () => {
		expect(credentialHeaders({ apiKey: 'k' })).toEqual({ Authorization: 'Bearer k' });
		expect(credentialHeaders({ apiKey: 'k', authHeader: 'apiKey' })).toEqual({ 'api-key': 'k' });
		expect(
			credentialHeaders({ apiKey: 'k', authHeader: 'custom', authHeaderName: ' X-API-Key ' }),
		).toEqual({ 'X-API-Key': 'k' });
		expect(credentialHeaders({ apiStyle: 'azure', apiKey: 'k', authHeader: 'bearer' })).toEqual({
			'api-key': 'k',
		});
		expect(credentialHeaders({ apiKey: '' })).toEqual({});
		expect(
			credentialHeaders({
				apiKey: 'k',
				organizationId: ' org ',
				customHeaderName: 'X-Gateway',
				customHeaderSecret: 's',
			}),
		).toEqual({ Authorization: 'Bearer k', 'OpenAI-Organization': 'org', 'X-Gateway': 's' });
	});
});

describe('speech bodies', () => {
	it('OpenAI: the voice is left out for the model default, and bad input is refused', () => {
		expect(openai.speechBody({ ...speech, voice: undefined })).toEqual({
			model: 'openai/tts-1',
			input: 'Hi',
			response_format: 'mp3',
		});
		expect(openai.speechBody({ ...speech, voice: { id: 'v1' }, speed: 1.5 })).toMatchObject({
			voice: { id: 'v1' },
			speed: 1.5,
		});
		expect(() => openai.speechBody({ ...speech, input: ' ' })).toThrow(RequestParameterError);
		expect(() => openai.speechBody({ ...speech, input: 'x'.repeat(4097) })).toThrow(/4096/);
		expect(() => openai.speechBody({ ...speech, speed: 5 })).toThrow(/0.25 to 4/);
	});

	it('Opper: format, store and the parameters passthrough, validated like OpenAI', () => {
		expect(
			opper.speechBody({ ...speech, instructions: 'Calm.', extra: { seed: 1 }, store: false }),
		).toEqual({
			model: 'openai/tts-1',
			input: 'Hi',
			voice: 'alloy',
			format: 'mp3',
			store: false,
			parameters: { seed: 1, instructions: 'Calm.' },
		});
		expect(opper.speechBody({ ...speech, voice: undefined })).toEqual({
			model: 'openai/tts-1',
			input: 'Hi',
			format: 'mp3',
			store: true,
		});
		expect(() => opper.speechBody({ ...speech, input: '' })).toThrow('empty');
	});
});

describe('speech replies', () => {
	it('passes audio through and refuses JSON, text or HTML where audio was expected', () => {
		expect(openai.speechReplyIsAudio('audio/mpeg')).toBe(true);
		expect(openai.speechReplyIsAudio('application/json')).toBe(false);
		expect(() => openai.readSpeech('application/json', Buffer.from('{"a":1}'))).toThrow(
			NotAudioError,
		);
		expect(() => azure.readSpeech('text/html', Buffer.from('<html>'))).toThrow(/HTML page/);
	});

	it("reads Opper's published reply, with file_id and url inside audio", () => {
		// https://docs.opper.ai/v3-api-reference/audio/create-speech
		const reply = {
			id: 'spch_1',
			model: 'openai/tts-1',
			created: 1716124800,
			audio: {
				b64_json: 'SUQz',
				mime_type: 'audio/mpeg',
				file_id: 'file_1',
				url: 'https://files/1',
			},
			usage: { cost: 0.0009, characters: 17 },
		};
		expect(readOpperSpeech(reply)).toEqual({
			audio: Buffer.from('ID3'),
			mimeType: 'audio/mpeg',
			details: {
				file_id: 'file_1',
				url: 'https://files/1',
				id: 'spch_1',
				usage: { cost: 0.0009, characters: 17 },
			},
		});
		expect(
			opper.readSpeech('application/json', Buffer.from(JSON.stringify(reply))).details.file_id,
		).toBe('file_1');
		expect(readOpperSpeech({ audio: { b64_json: '' }, file_id: 'top' }).details.file_id).toBe(
			'top',
		);
		expect(() => readOpperSpeech({ audio: {} })).toThrow(OpperError);
	});
});

describe('transcription bodies', () => {
	const request: TranscriptionRequest = {
		endpoint: 'transcriptions',
		model: 'm',
		response_format: 'json',
		language: 'en',
		diarize: true,
		parameters: { x: 1 },
	};
	const file = {
		kind: 'file' as const,
		fileName: 'a.wav',
		contentType: 'audio/wav',
		source: bufferSource(Buffer.from('abc')),
	};

	it('Opper: a data-URI streamed up to 25 MB, an https URL or a file_id', async () => {
		expect(JSON.parse(await text(opper.transcriptionBody(request, file)))).toEqual({
			model: 'm',
			audio: 'data:audio/wav;base64,YWJj',
			language: 'en',
			diarize: true,
			parameters: { x: 1 },
		});
		expect(() =>
			opper.transcriptionBody(request, {
				...file,
				source: { length: OPPER_MAX_AUDIO_BYTES + 1, read: bufferSource(Buffer.alloc(1)).read },
			}),
		).toThrow(/up to 25 MB/);
		expect(
			JSON.parse(
				await text(opper.transcriptionBody(request, { kind: 'url', url: ' https://x/a.mp3 ' })),
			).audio,
		).toBe('https://x/a.mp3');
		expect(() => opper.transcriptionBody(request, { kind: 'url', url: 'ftp://x' })).toThrow(
			'https',
		);
		expect(() => opper.transcriptionBody(request, { kind: 'fileId', fileId: ' ' })).toThrow(
			'file_id',
		);
	});

	it('OpenAI: multipart, or JSON with base64 audio for gateways; no file IDs', async () => {
		const multipart = openai.transcriptionBody(request, file);
		expect(multipart.contentType).toMatch(/^multipart\/form-data; boundary=/);
		const json = JSON.parse(
			await text(openai.transcriptionBody({ ...request, uploadAs: 'json' }, file)),
		);
		expect(json).toEqual({
			model: 'm',
			response_format: 'json',
			language: 'en',
			audio: { data: 'YWJj', fileName: 'a.wav', contentType: 'audio/wav' },
		});
		expect(() => openai.transcriptionBody(request, { kind: 'fileId', fileId: 'f' })).toThrow(
			/Only the Opper API style/,
		);
	});
});

describe('Opper models and voices', () => {
	it('reads model lists tagged in type, kind or tags, bare or wrapped, with their voices', () => {
		const models = readOpperModels({
			models: [
				{ name: 'x/voice', kind: 'tts', voices: ['a', 'b'] },
				{ id: 'y', tags: ['stt'] },
				{ id: 'openai/whisper-1' },
			],
		});
		expect(models).toEqual([
			{ id: 'openai/whisper-1', kind: 'stt' },
			{ id: 'x/voice', kind: 'tts', voices: ['a', 'b'] },
			{ id: 'y', kind: 'stt' },
		]);
		expect(opper.voices(models, 'x/voice')).toEqual(['a', 'b']);
		expect(opper.voices(models, undefined)).toEqual(['a', 'b']);
		expect(opper.voices(models, 'y')).toBeUndefined();
		expect(openai.voices(models, 'x/voice')).toBeUndefined();
		expect(() => readOpperModels({})).toThrow(OpperError);
	});
});
