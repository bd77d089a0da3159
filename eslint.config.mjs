import tsParser from '@typescript-eslint/parser';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';

const tsFiles = ['nodes/**/*.ts', 'credentials/**/*.ts', 'lib/**/*.ts'];

export default [
	{
		ignores: [
			'dist/**',
			'node_modules/**',
			'test/**',
			'.tools/**',
			'gulpfile.js',
			'eslint.config.mjs',
		],
	},
	{
		...n8nCommunityNodesPlugin.configs.recommended,
		files: [...tsFiles, 'package.json'],
		languageOptions: { parser: tsParser, parserOptions: { extraFileExtensions: ['.json'] } },
	},
	{
		files: ['package.json'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.community.rules,
			// form-data is kept as the one runtime dependency: filesystem-mode binaries are streamed
			// into multipart uploads with a known length, which native FormData cannot do without
			// reading the whole file into memory (see README, "Why form-data").
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
		},
	},
	{
		files: ['credentials/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// Documented by the plugin as "only applicable to nodes in the main repository".
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// These older rules want ['main']; the newer community rule node-connection-type-literal
			// wants NodeConnectionTypes, which n8n 1.x and 2.x both export. The newer rule wins.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
		},
	},
	{
		// lib/ has no n8n imports by design (it is shared with tests and the reference server); its
		// errors are plain classes that the nodes turn into NodeOperationError with an itemIndex.
		files: ['lib/**/*.ts'],
		rules: { '@n8n/community-nodes/require-node-api-error': 'off' },
	},
];
