/**
 * Word error rate: the word-level edit distance between a reference text and a hypothesis,
 * divided by the number of reference words. Case and punctuation are ignored; digits and
 * number words are not unified.
 */

/** Lower-cases a text and splits it into words, dropping punctuation. */
export function words(text: string): string[] {
	return text
		.toLowerCase()
		.replace(/[^a-z0-9' ]+/g, ' ')
		.split(/\s+/)
		.filter(Boolean);
}

/** The word error rate of `hypothesis` against `reference`, from 0 (identical) upwards. */
export function wordErrorRate(reference: string, hypothesis: string): number {
	const ref = words(reference);
	const hyp = words(hypothesis);
	if (ref.length === 0) return hyp.length === 0 ? 0 : 1;
	let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
	for (let i = 1; i <= ref.length; i++) {
		const current = [i];
		for (let j = 1; j <= hyp.length; j++) {
			const substitution = previous[j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
			current[j] = Math.min(substitution, previous[j] + 1, current[j - 1] + 1);
		}
		previous = current;
	}
	return previous[hyp.length] / ref.length;
}
