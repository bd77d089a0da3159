/** @type {import('jest').Config} */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	// Queue mode runs on its own (npm run test:queue) until its memory target is met: issue 16.
	testPathIgnorePatterns: process.env.QUEUE_MODE_TEST
		? []
		: ['/node_modules/', '/queue-mode\\.test\\.ts$'],
	testTimeout: 60_000,
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
	},
};
