/**
 * Opper's `/v3` audio requests as seed 000_00f1e10a131a52f7.txt documents them, for the Opper
 * simulator: speech `{model, input, voice, format, speed, store, parameters}` and transcription
 * `{model, audio, language, prompt, diarize, parameters}` with `audio` a file_id, an https URL or a
 * data-URI of at most 25 MB decoded.
 */
import Ajv from 'ajv';

const ajv = new Ajv({ allErrors: true });

const speech = ajv.compile({
	type: 'object',
	additionalProperties: false,
	required: ['model', 'input'],
	properties: {
		model: { type: 'string', minLength: 1 },
		input: { type: 'string', minLength: 1 },
		voice: { type: 'string' },
		format: { enum: ['mp3', 'wav', 'opus', 'aac', 'flac', 'pcm'] },
		speed: { type: 'number', minimum: 0.25, maximum: 4 },
		store: { type: 'boolean' },
		parameters: { type: 'object' },
	},
});

const transcription = ajv.compile({
	type: 'object',
	additionalProperties: false,
	required: ['model', 'audio'],
	properties: {
		model: { type: 'string', minLength: 1 },
		audio: {
			type: 'string',
			pattern:
				'^(data:[a-z]+/[-+.a-z0-9]+(;[^;,]+)*;base64,[A-Za-z0-9+/]+=*|https://\\S+|file_\\S+)$',
		},
		language: { type: 'string' },
		prompt: { type: 'string' },
		diarize: { type: 'boolean' },
		parameters: { type: 'object' },
	},
});

/** Checks an Opper request; returns the errors, empty when valid. */
export function validateOpperRequest(method: string, apiPath: string, body: unknown): string[] {
	const check = (validate: typeof speech) =>
		validate(body)
			? []
			: (validate.errors ?? []).map((e) => `${e.dataPath || '/'} ${e.message ?? ''}`.trim());
	if (method === 'POST' && apiPath === '/audio/speech') return check(speech);
	if (method === 'POST' && apiPath === '/audio/transcriptions') {
		const errors = check(transcription);
		const audio = String((body as { audio?: unknown })?.audio ?? '');
		const data = /^data:[^,]*;base64,(.*)$/.exec(audio)?.[1];
		if (data && Buffer.from(data, 'base64').length > 25 * 1024 * 1024)
			errors.push('/audio is over 25 MB decoded');
		return errors;
	}
	if (method === 'GET' && apiPath === '/audio/models') return [];
	return [`${method} ${apiPath} is not an Opper audio endpoint`];
}
