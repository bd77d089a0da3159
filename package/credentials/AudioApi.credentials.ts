import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import { AZURE_DEFAULT_API_VERSION, credentialHeaders } from '../lib/providers';

/**
 * Credential for any server that speaks OpenAI's audio API: OpenAI itself, Groq, Apertis,
 * OpenAI-compatible gateways, and self-hosted servers (LocalAI, speaches, Kokoro-FastAPI).
 */
export class AudioApi implements ICredentialType {
	name = 'audioApi';

	displayName = 'Audio API';

	icon: Icon = {
		light: 'file:../nodes/shared/audio.svg',
		dark: 'file:../nodes/shared/audio.dark.svg',
	};

	documentationUrl = 'https://github.com/n8n-nodes-audio-api/n8n-nodes-audio-api#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'API Style',
			name: 'apiStyle',
			type: 'options',
			default: 'openai',
			description: 'How the provider lays out its API',
			options: [
				{
					name: 'OpenAI-Compatible',
					value: 'openai',
					description:
						"OpenAI, Groq, Apertis, gateways, LocalAI, speaches, and Azure's /openai/v1/ path",
				},
				{
					name: 'Azure OpenAI',
					value: 'azure',
					description: 'Azure OpenAI deployments: /openai/deployments/{deployment}/audio/...',
				},
				{
					name: 'Opper',
					value: 'opper',
					description:
						"Opper's /v3 gateway: JSON speech replies, audio by data-URI, file_id or URL",
				},
			],
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.openai.com/v1',
			placeholder: 'https://api.openai.com/v1',
			description:
				"Root of the API, up to and including the version segment. Examples: https://api.groq.com/openai/v1, https://api.apertis.ai/v1, http://localhost:8000/v1, or https://my-resource.openai.azure.com/openai/v1 for Azure's OpenAI-compatible path.",
			required: true,
			displayOptions: { show: { apiStyle: ['openai', 'opper'] } },
		},
		{
			displayName: 'Resource Endpoint',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://my-resource.openai.azure.com',
			description:
				'The Azure OpenAI resource endpoint, without /openai. The Model field of each node holds the deployment name.',
			required: true,
			displayOptions: { show: { apiStyle: ['azure'] } },
		},
		{
			displayName: 'API Version',
			name: 'apiVersion',
			type: 'string',
			default: AZURE_DEFAULT_API_VERSION,
			description: 'The api-version query parameter of Azure OpenAI requests',
			displayOptions: { show: { apiStyle: ['azure'] } },
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Sent in the Authentication Header below (Azure: the api-key header). Self-hosted servers without authentication accept any value.',
		},
		{
			displayName: 'Authentication Header',
			name: 'authHeader',
			type: 'options',
			default: 'bearer',
			description: 'Which header carries the API key',
			options: [
				{
					name: 'Authorization: Bearer',
					value: 'bearer',
					description: 'OpenAI and most compatible servers',
				},
				{
					name: 'Api-Key',
					value: 'apiKey',
					description: 'Gateways that take the key in an api-key header, as Azure does',
				},
				{
					name: 'Custom Header',
					value: 'custom',
					description: 'Gateways that take the key in a header of their own',
				},
			],
			displayOptions: { show: { apiStyle: ['openai', 'opper'] } },
		},
		{
			displayName: 'Header Name',
			name: 'authHeaderName',
			type: 'string',
			default: '',
			placeholder: 'X-API-Key',
			description: 'The name of the header that carries the API key',
			required: true,
			displayOptions: { show: { apiStyle: ['openai', 'opper'], authHeader: ['custom'] } },
		},
		{
			displayName: 'Organization ID',
			name: 'organizationId',
			type: 'string',
			default: '',
			description: 'OpenAI only: sent as the OpenAI-Organization header when set',
		},
		{
			displayName: 'Custom Header Name',
			name: 'customHeaderName',
			type: 'string',
			default: '',
			placeholder: 'X-Gateway-Key',
			description: 'An extra header some gateways need. Leave empty to send none.',
		},
		{
			displayName: 'Custom Header Value',
			name: 'customHeaderSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'The value of the custom header, usually a gateway key; stored encrypted like the API key',
			displayOptions: { hide: { customHeaderName: [''] } },
		},
	];

	// A function rather than a generic block: the optional headers are only sent when set, and
	// the style decides the key's header. Every node tests the credential (testedBy), so that the
	// dialog shows the provider's own message for a refused key.
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return {
			...requestOptions,
			headers: {
				...(requestOptions.headers as Record<string, string>),
				...credentialHeaders(credentials),
			},
		};
	}
}
