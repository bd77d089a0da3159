/**
 * The nodes this package is weighed against, configured as a user would configure them in the
 * editor: n8n's own OpenAI node ("Transcribe a recording", "Generate audio") and the HTTP Request
 * node with the OpenAI credential. Both ship with n8n (`@n8n/n8n-nodes-langchain.openAi`,
 * `n8n-nodes-base.httpRequest`); their parameters and versions (2.3 and 4.5) are those n8n 2.41 gives a new node.
 */
import { speechNode, transcriptionNode, type WorkflowNode } from '../e2e/workflows';

/** The work a contender does for one item. */
export type Work = 'transcribe' | 'speak';

/** One contender: the nodes that do `work` for each incoming item. */
export interface Contender {
	/** Its name in the tables. */
	label: string;
	/** The node doing `work`, named `name`, fed by `after`. */
	node(name: string, work: Work, after: string, options?: Record<string, unknown>): WorkflowNode;
}

/** The credential the peers use: n8n's own OpenAI credential, pointed at the stub. */
export const OPENAI_CREDENTIAL = { openAiApi: { id: 'benchOpenAi', name: 'OpenAI (stub)' } };

/** n8n's OpenAI credential as imported: `url` is its Base URL field. */
export function openAiCredential(baseUrl: string) {
	return {
		id: OPENAI_CREDENTIAL.openAiApi.id,
		name: OPENAI_CREDENTIAL.openAiApi.name,
		type: 'openAiApi',
		data: { apiKey: 'bench', url: baseUrl, header: false },
	};
}

/** This package's nodes with their defaults, plus `options`. */
export const PACKAGE_NODE: Contender = {
	label: 'this package',
	node: (name, work, after, options = {}) =>
		work === 'speak'
			? speechNode(name, { input: '={{ $json.text }}', options }, { after: [after] })
			: transcriptionNode(name, { options }, { after: [after] }),
};

/** n8n's OpenAI node, resource Audio: "Transcribe a recording" or "Generate audio". */
export const OPENAI_NODE: Contender = {
	label: 'OpenAI node',
	node: (name, work, after) => ({
		name,
		type: '@n8n/n8n-nodes-langchain.openAi',
		typeVersion: 2.3,
		after: [after],
		credentials: OPENAI_CREDENTIAL,
		parameters:
			work === 'speak'
				? {
						resource: 'audio',
						operation: 'generate',
						model: 'tts-1',
						input: '={{ $json.text }}',
						voice: 'alloy',
						options: {},
					}
				: { resource: 'audio', operation: 'transcribe', binaryPropertyName: 'data', options: {} },
	}),
};

/**
 * The HTTP Request node with the OpenAI credential: a multipart upload of the binary with
 * `model`, or a JSON body whose reply is kept as a file.
 */
export function httpRequestNode(baseUrl: string): Contender {
	const common = {
		method: 'POST',
		authentication: 'predefinedCredentialType',
		nodeCredentialType: 'openAiApi',
		sendBody: true,
	};
	return {
		label: 'HTTP Request node',
		node: (name, work, after) => ({
			name,
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4.5,
			after: [after],
			credentials: OPENAI_CREDENTIAL,
			parameters:
				work === 'speak'
					? {
							...common,
							url: `${baseUrl}/audio/speech`,
							specifyBody: 'json',
							jsonBody:
								'={{ JSON.stringify({ model: "tts-1", input: $json.text, voice: "alloy" }) }}',
							options: { response: { response: { responseFormat: 'file' } } },
						}
					: {
							...common,
							url: `${baseUrl}/audio/transcriptions`,
							contentType: 'multipart-form-data',
							bodyParameters: {
								parameters: [
									{ parameterType: 'formBinaryData', name: 'file', inputDataFieldName: 'data' },
									{ parameterType: 'formData', name: 'model', value: 'whisper-1' },
								],
							},
							options: {},
						},
		}),
	};
}
