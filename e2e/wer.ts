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

/** How each reference word fared in the best word alignment of a hypothesis against it. */
export interface Alignment {
	/** Per reference word: the hypothesis word it was matched or substituted by, else -1 (deleted). */
	hypOf: Int32Array;
	/** Per reference word: 1 when it was substituted or deleted. */
	error: Uint8Array;
	/** Per reference word: hypothesis words inserted just before it (after the last: at the last). */
	insertedBefore: Uint32Array;
}

/**
 * Aligns `hyp` to `ref` word by word with the least edits (the alignment behind
 * {@link wordErrorRate}), so that errors can be counted on any stretch of the reference.
 */
export function alignWords(ref: string[], hyp: string[]): Alignment {
	const n = ref.length;
	const m = hyp.length;
	// 0 match/substitution, 1 deletion (reference word missing), 2 insertion.
	const step = new Uint8Array((n + 1) * (m + 1));
	let previous = new Uint32Array(m + 1).map((_, j) => j);
	for (let j = 1; j <= m; j++) step[j] = 2;
	for (let i = 1; i <= n; i++) {
		const current = new Uint32Array(m + 1);
		current[0] = i;
		step[i * (m + 1)] = 1;
		for (let j = 1; j <= m; j++) {
			const diagonal = previous[j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
			const deletion = previous[j] + 1;
			const insertion = current[j - 1] + 1;
			let best = diagonal;
			let move = 0;
			if (deletion < best) [best, move] = [deletion, 1];
			if (insertion < best) [best, move] = [insertion, 2];
			current[j] = best;
			step[i * (m + 1) + j] = move;
		}
		previous = current;
	}
	const hypOf = new Int32Array(n).fill(-1);
	const error = new Uint8Array(n);
	const insertedBefore = new Uint32Array(n);
	let i = n;
	let j = m;
	while (i > 0 || j > 0) {
		const move = i === 0 ? 2 : j === 0 ? 1 : step[i * (m + 1) + j];
		if (move === 0) {
			hypOf[i - 1] = j - 1;
			error[i - 1] = ref[i - 1] === hyp[j - 1] ? 0 : 1;
			i--;
			j--;
		} else if (move === 1) {
			error[i - 1] = 1;
			i--;
		} else {
			if (n > 0) insertedBefore[Math.min(i, n - 1)]++;
			j--;
		}
	}
	return { hypOf, error, insertedBefore };
}

/** Errors (substitutions, deletions, insertions) on the reference words `from` to `to` inclusive. */
export function errorsIn(alignment: Alignment, from: number, to: number): number {
	let errors = 0;
	for (let i = from; i <= to; i++) {
		errors += alignment.error[i];
		if (i > from) errors += alignment.insertedBefore[i];
	}
	return errors;
}
