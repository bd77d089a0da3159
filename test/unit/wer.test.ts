import { alignWords, errorsIn, wordErrorRate, words } from '../../e2e/wer';

describe('word alignment for scoring stretches of a transcript', () => {
	const ref = words('the quick brown fox jumps over the lazy dog');

	it('counts the same errors as the word error rate, each on the reference word it concerns', () => {
		const hyp = words('the quick fox jumped over over the lazy dog today');
		const alignment = alignWords(ref, hyp);
		const total = errorsIn(alignment, 0, ref.length - 1) + alignment.insertedBefore[0];
		expect(total / ref.length).toBeCloseTo(wordErrorRate(ref.join(' '), hyp.join(' ')), 10);
		// "brown" dropped: the words either side keep their partners.
		const dropped = alignWords(ref, words('the quick fox jumps over the lazy dog'));
		expect(Array.from(dropped.error)).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0]);
		expect(dropped.hypOf[2]).toBe(-1);
		expect(dropped.hypOf[3]).toBe(2);
		// A doubled word is one insertion, next to the word it doubles.
		const doubled = alignWords(ref, words('the quick brown fox jumps over over the lazy dog'));
		expect(Array.from(doubled.error)).toEqual(Array(9).fill(0));
		expect(Array.from(doubled.insertedBefore)).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0]);
	});

	it('scores a stretch: errors inside it only', () => {
		const alignment = alignWords(ref, words('the quick brown fox jumps over a lazy cat'));
		expect(errorsIn(alignment, 0, 4)).toBe(0);
		expect(errorsIn(alignment, 5, 8)).toBe(2);
	});
});
