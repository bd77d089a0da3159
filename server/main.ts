/**
 * Runs the reference speech server until interrupted.
 *
 *   node build/server/main.js [--port N] [--api-key KEY] [--mp3-bitrate 128k] [--max-upload-bytes N]
 *
 * Prints `listening <base URL>` once ready, then one line per request.
 */
import { MissingEngineError } from './engines';
import { startReferenceServer } from './reference-server';

function flag(name: string): string | undefined {
	const at = process.argv.indexOf(`--${name}`);
	return at >= 0 ? process.argv[at + 1] : undefined;
}

startReferenceServer({
	port: Number(flag('port') ?? 0),
	apiKey: flag('api-key'),
	mp3Bitrate: flag('mp3-bitrate'),
	maxUploadBytes: flag('max-upload-bytes') ? Number(flag('max-upload-bytes')) : undefined,
	log: (line) => console.log(line),
})
	.then((server) => {
		console.log(`listening ${server.baseUrl}`);
		const stop = () => void server.stop().then(() => process.exit(0));
		process.on('SIGINT', stop);
		process.on('SIGTERM', stop);
	})
	.catch((error: Error) => {
		console.error(error instanceof MissingEngineError ? error.message : error.stack);
		process.exit(1);
	});
