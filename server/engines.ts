/**
 * The real speech engines behind the reference server, all from Debian's packages:
 * flite (text to speech), ffmpeg (encoding, decoding, tempo) and pocketsphinx (speech to text).
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Debian package that provides each command. */
const PACKAGES: Record<string, string> = {
	flite: 'flite',
	ffmpeg: 'ffmpeg',
	pocketsphinx_continuous: 'pocketsphinx pocketsphinx-en-us',
};

/** Thrown when an engine is not installed; the message gives the install line. */
export class MissingEngineError extends Error {}

/**
 * Checks that flite, ffmpeg and pocketsphinx (with its English model) are installed.
 *
 * @param env the environment whose PATH is searched.
 * @throws MissingEngineError naming what is missing and the `apt-get install` line that fixes it.
 */
export function checkEngines(env: NodeJS.ProcessEnv = process.env): void {
	const missing = Object.keys(PACKAGES).filter(
		(command) => spawnSync('/bin/sh', ['-c', `command -v ${command}`], { env }).status !== 0,
	);
	const packages = missing.map((command) => PACKAGES[command]);
	if (!missing.includes('pocketsphinx_continuous')) {
		const model = spawnSync('/bin/sh', ['-c', 'test -d /usr/share/pocketsphinx/model/en-us/en-us']);
		if (model.status !== 0) packages.push('pocketsphinx-en-us');
	}
	if (packages.length > 0) {
		throw new MissingEngineError(
			`The reference speech server needs ${packages.join(', ')}. Install with:\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`,
		);
	}
}

/** The flite voices the OpenAI voice names map to (slt and kal16 female-ish, rms and awb male-ish). */
const FLITE_VOICES: Record<string, string> = {
	alloy: 'slt',
	ash: 'rms',
	ballad: 'awb',
	coral: 'slt',
	echo: 'rms',
	fable: 'awb',
	nova: 'slt',
	onyx: 'rms',
	sage: 'kal16',
	shimmer: 'slt',
	verse: 'awb',
	marin: 'slt',
	cedar: 'rms',
};

/** The flite voice for an OpenAI voice name; flite's own names (slt, rms, awb, kal16) pass through. */
export function fliteVoice(voice: string): string {
	if (['slt', 'rms', 'awb', 'kal16'].includes(voice)) return voice;
	return FLITE_VOICES[voice] ?? 'slt';
}

/** ffmpeg output arguments for each speech `response_format`, with the MIME type to serve. */
const ENCODINGS: Record<string, { args: string[]; mimeType: string }> = {
	mp3: { args: ['-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'], mimeType: 'audio/mpeg' },
	opus: { args: ['-c:a', 'libopus', '-b:a', '32k', '-f', 'ogg'], mimeType: 'audio/ogg' },
	aac: { args: ['-c:a', 'aac', '-b:a', '64k', '-f', 'adts'], mimeType: 'audio/aac' },
	flac: { args: ['-c:a', 'flac', '-f', 'flac'], mimeType: 'audio/flac' },
	wav: { args: ['-c:a', 'pcm_s16le', '-f', 'wav'], mimeType: 'audio/wav' },
	// OpenAI's pcm: 24 kHz, 16-bit signed little-endian, mono, no header.
	pcm: { args: ['-f', 's16le', '-ac', '1', '-ar', '24000'], mimeType: 'audio/pcm' },
};

/** ffmpeg's atempo takes 0.5 to 2 per filter, so wider speeds chain several. */
function tempoFilter(speed: number): string[] {
	if (speed === 1) return [];
	const filters: string[] = [];
	let rest = speed;
	while (rest > 2) {
		filters.push('atempo=2');
		rest /= 2;
	}
	while (rest < 0.5) {
		filters.push('atempo=0.5');
		rest /= 0.5;
	}
	filters.push(`atempo=${rest.toFixed(4)}`);
	return ['-filter:a', filters.join(',')];
}

async function withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
	const dir = await mkdtemp(path.join(tmpdir(), 'reference-speech-'));
	try {
		return await work(dir);
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}

/**
 * Speaks `text` with flite and encodes it with ffmpeg.
 *
 * @param speed 0.25 to 4, applied with ffmpeg's atempo.
 * @param format a speech `response_format`: mp3, opus, aac, flac, wav or pcm.
 * @returns the encoded audio and its MIME type.
 */
export async function synthesize(
	text: string,
	voice: string,
	format: string,
	speed = 1,
	bitrate?: string,
): Promise<{ audio: Buffer; mimeType: string }> {
	const encoding = ENCODINGS[format];
	if (!encoding) throw new Error(`unknown response_format ${format}`);
	return await withTempDir(async (dir) => {
		const textFile = path.join(dir, 'input.txt');
		const wav = path.join(dir, 'speech.wav');
		const out = path.join(dir, 'out');
		await writeFile(textFile, text);
		await run('flite', ['-voice', fliteVoice(voice), '-f', textFile, '-o', wav], {
			maxBuffer: 1 << 20,
		});
		const args = [...encoding.args];
		if (bitrate && args.includes('-b:a')) args[args.indexOf('-b:a') + 1] = bitrate;
		await run('ffmpeg', [
			'-loglevel',
			'error',
			'-y',
			'-i',
			wav,
			...tempoFilter(speed),
			...args,
			out,
		]);
		return { audio: await readFile(out), mimeType: encoding.mimeType };
	});
}

/** A recognised word with its time range in seconds. */
export interface RecognizedWord {
	word: string;
	start: number;
	end: number;
}

/** An utterance pocketsphinx found between pauses, with its words. */
export interface Utterance {
	text: string;
	start: number;
	end: number;
	words: RecognizedWord[];
}

/**
 * Reads `pocketsphinx_continuous -time yes` output: each utterance is a line of text followed by
 * one `word start end confidence` line per word. Fillers (`<s>`, `</s>`, `<sil>`, `[NOISE]`) are
 * dropped and alternate pronunciations (`the(2)`) lose their marker.
 */
export function parsePocketsphinx(output: string): Utterance[] {
	const utterances: Utterance[] = [];
	let current: Utterance | undefined;
	for (const line of output.split('\n')) {
		const timing = /^(\S+) (\d+\.\d+) (\d+\.\d+) (-?\d+(?:\.\d+)?)$/.exec(line.trim());
		if (timing) {
			const word = timing[1].replace(/\(\d+\)$/, '');
			if (!current || /^(<.*>|\[.*\])$/.test(word)) continue;
			current.words.push({ word, start: Number(timing[2]), end: Number(timing[3]) });
		} else if (line.trim()) {
			current = { text: line.trim(), start: 0, end: 0, words: [] };
			utterances.push(current);
		}
	}
	for (const u of utterances) {
		u.start = u.words[0]?.start ?? 0;
		u.end = u.words[u.words.length - 1]?.end ?? u.start;
	}
	return inOrder(utterances.filter((u) => u.words.length > 0));
}

/**
 * pocketsphinx 0.8 now and then stamps an utterance seconds too late or too long, overlapping
 * the next one. A provider's segments never overlap, so each utterance is clamped between its
 * neighbours: it starts no earlier than the previous one ends and ends no later than the next
 * one starts. Its words are clamped the same way.
 */
function inOrder(utterances: Utterance[]): Utterance[] {
	let previousEnd = 0;
	utterances.forEach((u, i) => {
		const nextStart = utterances[i + 1]?.start ?? Infinity;
		u.start = Math.max(u.start, previousEnd);
		u.end = Math.max(u.start, Math.min(u.end, nextStart));
		for (const w of u.words) {
			w.start = Math.min(Math.max(w.start, u.start), u.end);
			w.end = Math.min(Math.max(w.end, w.start), u.end);
		}
		previousEnd = u.end;
	});
	return utterances;
}

/**
 * Transcribes audio in any container ffmpeg reads: decodes it to 16 kHz mono 16-bit WAV, then
 * runs pocketsphinx with its US English model. Headerless 16-bit little-endian PCM (OpenAI's
 * `pcm` speech) is read when `contentType` is `audio/L16` or `audio/pcm`, with `rate` and
 * `channels` parameters (default 24000 and 1).
 *
 * @returns the utterances with word timings, and the audio's duration in seconds.
 */
export async function transcribe(
	audio: Buffer,
	contentType = '',
): Promise<{ utterances: Utterance[]; duration: number }> {
	return await withTempDir(async (dir) => {
		const input = path.join(dir, 'input');
		const wav = path.join(dir, 'input16k.wav');
		await writeFile(input, audio);
		const param = (name: string, fallback: string) =>
			new RegExp(`${name}=(\\d+)`, 'i').exec(contentType)?.[1] ?? fallback;
		const inputArgs = /^audio\/(l16|pcm)\b/i.test(contentType)
			? ['-f', 's16le', '-ar', param('rate', '24000'), '-ac', param('channels', '1'), '-i', input]
			: ['-i', input];
		const decode = ['-ar', '16000', '-ac', '1', '-c:a', 'pcm_s16le', wav];
		await run('ffmpeg', ['-loglevel', 'error', '-y', ...inputArgs, ...decode]);
		const { stdout } = await run(
			'pocketsphinx_continuous',
			// Utterances end after 0.25 s of silence (default 0.5 s): flite's pauses between
			// sentences are shorter than that, and pocketsphinx 0.8's times go wrong in utterances
			// minutes long (overlapping, past the end of the file).
			['-infile', wav, '-time', 'yes', '-logfn', '/dev/null', '-vad_postspeech', '25'],
			{ maxBuffer: 64 << 20 },
		);
		const samples = ((await stat(wav)).size - 44) / 2;
		const duration = samples / 16000;
		const utterances = parsePocketsphinx(stdout);
		const last = utterances[utterances.length - 1];
		if (last) last.end = Math.min(last.end, duration);
		return { utterances, duration };
	});
}
