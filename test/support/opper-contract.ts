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
		// Checked by audioErrors: a pattern over a 30 MB data-URI exhausts V8's backtracking stack.
		audio: { type: 'string', minLength: 1 },
		language: { type: 'string' },
		prompt: { type: 'string' },
		diarize: { type: 'boolean' },
		parameters: { type: 'object' },
	},
});

const BASE64 = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')
	BASE64[c.charCodeAt(0)] = 1;

/**
 * Checks `audio`: a `file_…` ID, an https URL, or a base64 data-URI of at most 25 MB decoded.
 * The data is read by position, not by a regular expression, which a 30 MB string would overflow.
 */
function audioErrors(audio: string): string[] {
	if (/^file_\S+$/.test(audio.slice(0, 200)) && !audio.includes(' ')) return [];
	if (audio.startsWith('https://') && audio.length < 8192 && !/\s/.test(audio)) return [];
	const comma = audio.indexOf(',');
	const header = comma < 0 ? '' : audio.slice(0, comma);
	if (!/^data:[a-z]+\/[-+.a-z0-9]+(;[^;,]+)*;base64$/.test(header))
		return ['/audio must be a file ID, an https URL or a base64 data-URI'];
	const end = audio.endsWith('==')
		? audio.length - 2
		: audio.endsWith('=')
			? audio.length - 1
			: audio.length;
	for (let i = comma + 1; i < end; i++) {
		const code = audio.charCodeAt(i);
		if (code >= 128 || !BASE64[code]) return [`/audio has a character that is not base64 at ${i}`];
	}
	if (end === comma + 1) return ['/audio has no data'];
	if (Buffer.byteLength(audio.slice(comma + 1), 'base64') > 25 * 1024 * 1024)
		return ['/audio is over 25 MB decoded'];
	return [];
}

/** Checks an Opper request; returns the errors, empty when valid. */
export function validateOpperRequest(method: string, apiPath: string, body: unknown): string[] {
	const check = (validate: typeof speech) =>
		validate(body)
			? []
			: (validate.errors ?? []).map((e) => `${e.dataPath || '/'} ${e.message ?? ''}`.trim());
	if (method === 'POST' && apiPath === '/audio/speech') return check(speech);
	if (method === 'POST' && apiPath === '/audio/transcriptions') {
		const errors = check(transcription);
		const audio = (body as { audio?: unknown })?.audio;
		return typeof audio === 'string' ? [...errors, ...audioErrors(audio)] : errors;
	}
	if (method === 'GET' && apiPath === '/audio/models') return [];
	return [`${method} ${apiPath} is not an Opper audio endpoint`];
}
