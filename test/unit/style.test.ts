import {
	authHeaders,
	AZURE_DEFAULT_API_VERSION,
	route,
	RouteError,
} from '../../package/lib/providers/style';

describe('route', () => {
	it('puts OpenAI-compatible operations at the API root', () => {
		expect(route('openai', 'speech')).toEqual({ path: '/audio/speech' });
		expect(route('openai', 'transcriptions', 'whisper-1')).toEqual({
			path: '/audio/transcriptions',
		});
		expect(route('openai', 'models')).toEqual({ path: '/models' });
	});

	it('routes Azure by deployment with an api-version', () => {
		expect(route('azure', 'translations', 'whisper prod', '2025-01-01')).toEqual({
			path: '/openai/deployments/whisper%20prod/audio/translations',
			qs: { 'api-version': '2025-01-01' },
		});
		expect(route('azure', 'models')).toEqual({
			path: '/openai/models',
			qs: { 'api-version': AZURE_DEFAULT_API_VERSION },
		});
		expect(() => route('azure', 'speech', ' ')).toThrow(RouteError);
	});
});

describe('authHeaders', () => {
	it('sends the key the chosen way, or not at all when there is none', () => {
		expect(authHeaders('bearer', 'k')).toEqual({ Authorization: 'Bearer k' });
		expect(authHeaders('apiKey', 'k')).toEqual({ 'api-key': 'k' });
		expect(authHeaders('custom', 'k', ' X-API-Key ')).toEqual({ 'X-API-Key': 'k' });
		expect(authHeaders('bearer', '')).toEqual({});
		expect(() => authHeaders('custom', 'k', '')).toThrow('no header name');
	});
});
