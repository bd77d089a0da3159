/**
 * The JSON upload of the `/api/client/v1` gateway (seed 002_f705ed291cac5651.txt, "Transcriptions"
 * and "Translations"): the multipart fields as JSON, with the file as a base64 `audio` object.
 * The OpenAI document has no such form, so the simulator checks it against this schema.
 */
import Ajv from 'ajv';

const schema = {
	type: 'object',
	additionalProperties: false,
	required: ['model', 'audio'],
	properties: {
		model: { type: 'string', minLength: 1 },
		audio: {
			type: 'object',
			additionalProperties: false,
			required: ['data', 'fileName', 'contentType'],
			properties: {
				data: { type: 'string', pattern: '^[A-Za-z0-9+/]+={0,2}$' },
				fileName: { type: 'string', minLength: 1 },
				contentType: { type: 'string', minLength: 1 },
			},
		},
		language: { type: 'string' },
		prompt: { type: 'string' },
		response_format: { type: 'string', enum: ['json', 'text', 'srt', 'vtt', 'verbose_json'] },
		temperature: { type: 'number', minimum: 0, maximum: 1 },
		timestamp_granularities: { type: 'array', items: { enum: ['word', 'segment'] } },
	},
};

const validate = new Ajv({ allErrors: true }).compile(schema);

/** Checks a JSON upload body; returns the errors, empty when valid. */
export function validateJsonUpload(
	body: unknown,
	endpoint: 'transcriptions' | 'translations',
): string[] {
	const errors = validate(body)
		? []
		: (validate.errors ?? []).map((e) => `${e.dataPath || '/'} ${e.message ?? ''}`.trim());
	const record = body as Record<string, unknown>;
	if (endpoint === 'translations') {
		for (const field of ['language', 'timestamp_granularities']) {
			if (record?.[field] !== undefined) errors.push(`${field} is not used by translations`);
		}
	}
	return errors;
}
