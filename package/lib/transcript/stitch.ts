/**
 * Joining the transcripts of consecutive audio chunks into one transcript of the whole file.
 * No n8n imports.
 */
import { formatSubtitles, type Cue } from './subtitles';
import type { Transcript, TranscriptFormat } from './transcript';

/** A chunk's transcript and where the chunk is in the whole file, in seconds. */
export interface ChunkTranscript {
	transcript: Transcript;
	/** Start of the chunk in the whole file, in seconds. */
	start: number;
	/** End of the chunk in the whole file, in seconds. */
	end: number;
	/**
	 * The span of the whole file this chunk's transcript is kept for, when chunks overlap: from
	 * the cut before it to the cut after it. Entries (cues, segments, words) whose middle falls
	 * outside are left to the neighbouring chunk. Default: `start` to `end`.
	 */
	keepFrom?: number;
	keepTo?: number;
}

type Timed = { start?: unknown; end?: unknown; [key: string]: unknown };

function shifted<T extends Timed>(entry: T, offset: number): T {
	const out: Timed = { ...entry };
	if (typeof entry.start === 'number') out.start = round(entry.start + offset);
	if (typeof entry.end === 'number') out.end = round(entry.end + offset);
	return out as T;
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

/** Where the entries kept so far end, in seconds of the whole file. */
interface Picked {
	end: number;
}

/**
 * A chunk's entries (cues, segments or words, times relative to the chunk) that the stitched
 * transcript keeps where chunks overlap: those that start after the previous cut, or after the
 * end of the last entry kept before (when that one ran on past the cut), and before the next cut.
 * An entry that runs on past the next cut is kept whole: the chunk's audio goes on for half the
 * overlap after the cut, so the speech engine heard it to its end, and the next chunk's copy of
 * it starts before this one's end and is left out. Without overlap every entry is kept.
 */
function pick<T extends { start?: unknown; end?: unknown }>(
	entries: readonly T[],
	part: ChunkTranscript,
	picked: Picked,
): T[] {
	if (!overlaps(part)) return [...entries];
	const from = Math.max(part.keepFrom ?? part.start, picked.end - 0.05);
	const to = part.keepTo ?? Infinity;
	return entries.filter((entry) => {
		if (typeof entry.start !== 'number') return true;
		const start = part.start + entry.start;
		if (start < from || start >= to) return false;
		if (typeof entry.end === 'number') picked.end = Math.max(picked.end, part.start + entry.end);
		return true;
	});
}

/** Whether a part shares audio with its neighbours, so that its entries must be picked. */
const overlaps = (part: ChunkTranscript) =>
	(part.keepFrom ?? part.start) > part.start || (part.keepTo ?? part.end) < part.end;

function joinText(parts: string[]): string {
	return parts
		.map((part) => part.trim())
		.filter((part) => part.length > 0)
		.join(' ');
}

/**
 * Stitches chunk transcripts, in order, into one.
 *
 * - `text`: the chunks' texts joined with a space.
 * - `verbose_json`: `segments` and `words` shifted by each chunk's start and renumbered (`id`,
 *   and `seek` dropped as it points into a chunk); `duration` up to the last chunk's end; other fields from the first
 *   chunk.
 * - `diarized_json`: `segments` shifted and renumbered, `speaker` labels kept as each chunk named
 *   them: a provider labels speakers per request, so "A" in one chunk need not be "A" in the next.
 *   Each segment gets `chunk` (0-based) so that the caller can tell.
 * - `srt` and `vtt`: cues shifted, renumbered and written back as one file.
 * - `json`: `text` joined; `usage` and `logprobs` concatenated or summed where numeric.
 *
 * Where chunks overlap (`keepFrom`/`keepTo`), each cue, segment and word is taken from one chunk
 * only (see `pick`), so that words near a cut are neither lost nor doubled, and the text is
 * rebuilt from the kept cues or segments.
 *
 * @param format the `response_format` all chunks were asked for.
 * @param parts the chunks' transcripts in order, with their start times in seconds.
 * @returns the whole transcript in the same shape {@link readTranscript} gives.
 */
export function stitchTranscripts(format: TranscriptFormat, parts: ChunkTranscript[]): Transcript {
	if (format === 'srt' || format === 'vtt') {
		const cues: Cue[] = [];
		const picked: Picked = { end: -Infinity };
		for (const part of parts) {
			for (const cue of pick(part.transcript.cues ?? [], part, picked)) {
				cues.push({
					index: cues.length + 1,
					text: cue.text,
					start: round(cue.start + part.start),
					end: round(cue.end + part.start),
				});
			}
		}
		const text = parts.some(overlaps)
			? joinText(cues.map((cue) => cue.text.replace(/\s+/g, ' ')))
			: joinText(parts.map((p) => p.transcript.text));
		return { text, cues, subtitles: formatSubtitles(cues, format) };
	}
	if (format === 'text') return { text: joinText(parts.map((p) => p.transcript.text)) };

	const replies = parts.map((p) => p.transcript.reply ?? {});
	const segments: Timed[] = [];
	const words: Timed[] = [];
	const logprobs: unknown[] = [];
	const texts: string[] = [];
	const pickedSegments: Picked = { end: -Infinity };
	const pickedWords: Picked = { end: -Infinity };
	parts.forEach((part, chunk) => {
		const r = replies[chunk];
		const ownSegments = (r.segments as Timed[] | undefined) ?? [];
		const keptSegments = pick(ownSegments, part, pickedSegments);
		for (const segment of keptSegments) {
			const rest = shifted(segment, part.start);
			delete rest.seek;
			segments.push({
				...rest,
				id: segments.length,
				...(format === 'diarized_json' ? { chunk } : {}),
			});
		}
		for (const word of pick((r.words as Timed[] | undefined) ?? [], part, pickedWords)) {
			words.push(shifted(word, part.start));
		}
		if (Array.isArray(r.logprobs)) logprobs.push(...(r.logprobs as unknown[]));
		texts.push(
			overlaps(part) && ownSegments.length > 0
				? joinText(keptSegments.map((segment) => String(segment.text ?? '')))
				: part.transcript.text,
		);
	});
	const text = joinText(texts);
	const reply: Record<string, unknown> = { ...replies[0], text };
	if (replies.some((r) => Array.isArray(r.segments))) reply.segments = segments;
	if (replies.some((r) => Array.isArray(r.words))) reply.words = words;
	if (replies.some((r) => Array.isArray(r.logprobs))) reply.logprobs = logprobs;
	if (replies.some((r) => typeof r.duration === 'number')) {
		const last = parts[parts.length - 1];
		const lastDuration = replies[replies.length - 1].duration;
		reply.duration = round(
			last.start + (typeof lastDuration === 'number' ? lastDuration : last.end - last.start),
		);
	}
	const usage = sumUsage(replies.map((r) => r.usage));
	if (usage) reply.usage = usage;
	delete reply.request_id;
	return { text, reply };
}

/** Sums numeric fields of `usage` objects (tokens, seconds); `undefined` when none has usage. */
function sumUsage(usages: unknown[]): Record<string, unknown> | undefined {
	const objects = usages.filter(
		(u): u is Record<string, unknown> => typeof u === 'object' && u !== null,
	);
	if (objects.length === 0) return undefined;
	const total: Record<string, unknown> = { ...objects[0] };
	for (const usage of objects.slice(1)) {
		for (const [key, value] of Object.entries(usage)) {
			if (typeof value === 'number' && typeof total[key] === 'number') {
				total[key] = (total[key] as number) + value;
			}
		}
	}
	return total;
}

/**
 * The last words of a transcript, for the `prompt` of the next chunk (OpenAI: "the prompt should
 * match the audio language" and only its final 224 tokens are used).
 *
 * @param text the transcript so far.
 * @param maxChars longest tail in characters; cut at a word boundary. Default 800.
 */
export function promptTail(text: string, maxChars = 800): string {
	const trimmed = text.trim();
	if (trimmed.length <= maxChars) return trimmed;
	const tail = trimmed.slice(trimmed.length - maxChars);
	const space = tail.indexOf(' ');
	return space >= 0 ? tail.slice(space + 1) : tail;
}
