/**
 * SubRip (SRT) and WebVTT subtitles: parsing into cues, writing cues back, and plain text.
 *
 * A cue is one subtitle entry: a time range and its text. Times are in seconds.
 * No n8n imports.
 */

/** One subtitle entry. `start` and `end` are seconds from the start of the audio. */
export interface Cue {
	/** 1-based position in the file. */
	index: number;
	start: number;
	end: number;
	/** The cue's text; lines are joined with `\n`. */
	text: string;
}

export type SubtitleFormat = 'srt' | 'vtt';

// hh:mm:ss,mmm (SRT) or [hh:]mm:ss.mmm (VTT); providers vary in digit counts, so be lenient.
const TIMESTAMP = /(?:(\d+):)?(\d{1,2}):(\d{1,2})[,.](\d{1,3})/;
const TIMING_LINE = new RegExp(`^\\s*${TIMESTAMP.source}\\s*-->\\s*${TIMESTAMP.source}`);

function toSeconds(h: string | undefined, m: string, s: string, frac: string): number {
	const ms = Number(frac.padEnd(3, '0'));
	return Number(h ?? 0) * 3600 + Number(m) * 60 + Number(s) + ms / 1000;
}

/**
 * Parses SRT or WebVTT text into cues. Blocks without a timing line (the `WEBVTT` header, `NOTE`,
 * `STYLE` and `REGION` blocks) are skipped; cue settings after the timing are ignored.
 *
 * @param text the subtitle file's text (CRLF or LF line endings).
 * @returns the cues in file order, renumbered from 1.
 */
export function parseSubtitles(text: string): Cue[] {
	const cues: Cue[] = [];
	const blocks = text
		.replace(/^\uFEFF/, '')
		.replace(/\r\n?/g, '\n')
		.split(/\n{2,}/);
	for (const block of blocks) {
		const lines = block.split('\n');
		const timingAt = lines.findIndex((line) => TIMING_LINE.test(line));
		if (timingAt < 0) continue;
		const m = TIMING_LINE.exec(lines[timingAt])!;
		cues.push({
			index: cues.length + 1,
			start: toSeconds(m[1], m[2], m[3], m[4]),
			end: toSeconds(m[5], m[6], m[7], m[8]),
			text: lines
				.slice(timingAt + 1)
				.join('\n')
				.trim(),
		});
	}
	return cues;
}

function pad(value: number, width: number): string {
	return String(value).padStart(width, '0');
}

/**
 * Formats seconds as a subtitle timestamp: `hh:mm:ss,mmm` for SRT, `hh:mm:ss.mmm` for VTT.
 * Negative times are clamped to zero.
 */
export function formatTimestamp(seconds: number, format: SubtitleFormat): string {
	const totalMs = Math.max(0, Math.round(seconds * 1000));
	const h = Math.floor(totalMs / 3_600_000);
	const m = Math.floor((totalMs % 3_600_000) / 60_000);
	const s = Math.floor((totalMs % 60_000) / 1000);
	const ms = totalMs % 1000;
	return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${format === 'srt' ? ',' : '.'}${pad(ms, 3)}`;
}

/**
 * Writes cues as an SRT or WebVTT file. Cues are numbered from 1 in the order given.
 *
 * @returns the file's text, ending with a newline.
 */
export function formatSubtitles(cues: readonly Cue[], format: SubtitleFormat): string {
	const blocks = cues.map((cue, i) => {
		const timing = `${formatTimestamp(cue.start, format)} --> ${formatTimestamp(cue.end, format)}`;
		return `${i + 1}\n${timing}\n${cue.text}`;
	});
	const body = blocks.join('\n\n');
	return format === 'vtt' ? `WEBVTT\n\n${body}\n` : `${body}\n`;
}

/** The cues' text as one plain transcript, cue texts joined by single spaces. */
export function cuesToText(cues: readonly Cue[]): string {
	return cues
		.map((cue) => cue.text.replace(/\s+/g, ' ').trim())
		.filter(Boolean)
		.join(' ');
}
