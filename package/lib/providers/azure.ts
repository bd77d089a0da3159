/**
 * The Azure OpenAI style: OpenAI's bodies and replies on Azure's deployment routes,
 * `/openai/deployments/{deployment}/audio/...?api-version=...`, with the key in an `api-key`
 * header (Azure OpenAI REST API reference, "Data plane – inference"). No n8n imports.
 */
import { AudioApiError } from '../errors';
import { openai } from './openai';
import type { Provider } from './types';

/**
 * The newest generally available Azure OpenAI data-plane `api-version` at the time of writing
 * (Azure OpenAI REST API reference, "Data plane – inference", 2024-10-21 GA).
 */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

/** The Azure OpenAI style. */
export const azure: Provider = {
	...openai,
	style: 'azure',
	route(operation, model, apiVersion) {
		const qs = { 'api-version': apiVersion?.trim() || AZURE_DEFAULT_API_VERSION };
		if (operation === 'models') return { path: '/openai/models', qs };
		const deployment = (model ?? '').trim();
		if (!deployment) {
			throw new AudioApiError(
				'Azure OpenAI needs a deployment name',
				'Put the deployment name in the Model field.',
			);
		}
		const suffix = operation === 'chat' ? '/chat/completions' : `/audio/${operation}`;
		return { path: `/openai/deployments/${encodeURIComponent(deployment)}${suffix}`, qs };
	},
	authHeader: () => 'apiKey',
	// The Model field holds deployment names, which the data plane cannot list.
	listsModels: false,
};
