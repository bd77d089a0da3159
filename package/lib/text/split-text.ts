/**
 * Splitting long text for speech into parts under a provider's input limit. No n8n imports.
 */

import { SPEECH_INPUT_MAX_CHARS } from '../providers/openai';

// A sentence ends at . ! ? … (or CJK 。！？) followed by closing quotes/brackets and a space.
const SENTENCE_END = /(?<=[.!?…。！？]["'”’)\]]*)\s+/u;

function pack(pieces: string[], maxChars: number, joiner: string): string[] {
	const parts: string[] = [];
	let current = '';
	for (const piece of pieces) {
		const candidate = current ? `${current}${joiner}${piece}` : piece;
		if (candidate.length <= maxChars) {
			current = candidate;
		} else {
			if (current) parts.push(current);
			current = piece;
		}
	}
	if (current) parts.push(current);
	return parts;
}

function splitLevel(text: string, maxChars: number, level: number): string[] {
	if (text.length <= maxChars) return [text];
	const [separator, joiner] =
		level === 0 ? [/\n\s*\n/, '\n\n'] : level === 1 ? [SENTENCE_END, ' '] : [/\s+/, ' '];
	if (level > 2) {
		// One "word" longer than the limit (a URL, a run without spaces): cut it hard.
		const parts: string[] = [];
		for (let i = 0; i < text.length; i += maxChars) parts.push(text.slice(i, i + maxChars));
		return parts;
	}
	const pieces = text
		.split(separator)
		.map((piece) => piece.trim())
		.filter((piece) => piece.length > 0)
		.flatMap((piece) => splitLevel(piece, maxChars, level + 1));
	return pack(pieces, maxChars, joiner);
}

/**
 * Splits text into parts of at most `maxChars` characters: at paragraph breaks first, then at
 * sentence ends, then between words; a single word over the limit is cut. Neighbouring pieces
 * are packed together up to the limit, so there are as few parts as the boundaries allow.
 *
 * @param text the whole text.
 * @param maxChars the limit per part, in characters (UTF-16 code units, as OpenAI counts).
 * @returns the parts in order, trimmed, none empty; `[]` for blank text.
 */
export function splitText(text: string, maxChars: number = SPEECH_INPUT_MAX_CHARS): string[] {
	const trimmed = text.trim();
	if (!trimmed) return [];
	return splitLevel(trimmed, maxChars, 0);
}
