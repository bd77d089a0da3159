import { parseSubtitles } from '../../package/lib/transcript/subtitles';
import { promptTail, stitchTranscripts } from '../../package/lib/transcript/stitch';
import { readTranscript } from '../../package/lib/transcript/transcript';
import { splitText } from '../../package/lib/text/split-text';

const srt = (first: string, second: string) =>
	`1\n00:00:00,000 --> 00:00:02,500\n${first}\n\n2\n00:00:02,500 --> 00:00:04,000\n${second}\n`;

describe('stitchTranscripts', () => {
	it('srt: re-times and renumbers the cues of each chunk', () => {
		const parts = [
			{ transcript: readTranscript('srt', 'text/plain', srt('one', 'two')), start: 0, end: 600 },
			{
				transcript: readTranscript('srt', 'text/plain', srt('three', 'four')),
				start: 600,
				end: 1200.5,
			},
		];
		const whole = stitchTranscripts('srt', parts);
		expect(whole.text).toBe('one two three four');
		expect(whole.cues!.map((c) => [c.index, c.start, c.end])).toEqual([
			[1, 0, 2.5],
			[2, 2.5, 4],
			[3, 600, 602.5],
			[4, 602.5, 604],
		]);
		expect(whole.subtitles).toContain('4\n00:10:02,500 --> 00:10:04,000\nfour');
		expect(parseSubtitles(whole.subtitles!)).toEqual(whole.cues);
	});

	it('vtt: writes one WebVTT file', () => {
		const vtt = 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi\n';
		const whole = stitchTranscripts('vtt', [
			{ transcript: readTranscript('vtt', 'text/plain', vtt), start: 0, end: 10 },
			{ transcript: readTranscript('vtt', 'text/plain', vtt), start: 3725, end: 3735 },
		]);
		expect(whole.subtitles!.startsWith('WEBVTT')).toBe(true);
		expect(whole.subtitles).toContain('01:02:06.000 --> 01:02:07.000');
	});

	it('verbose_json: shifts segments and words, renumbers, sums duration and usage', () => {
		const chunk = (text: string, duration: number) =>
			readTranscript(
				'verbose_json',
				'application/json',
				JSON.stringify({
					task: 'transcribe',
					language: 'english',
					duration,
					text,
					segments: [{ id: 0, seek: 0, start: 0.5, end: 2, text }],
					words: [{ word: text, start: 0.5, end: 1 }],
					usage: { type: 'duration', seconds: duration },
					request_id: 'req_chunk',
				}),
			);
		const whole = stitchTranscripts('verbose_json', [
			{ transcript: chunk('alpha', 10), start: 0, end: 10 },
			{ transcript: chunk('beta', 5.25), start: 10, end: 15.25 },
		]);
		expect(whole.text).toBe('alpha beta');
		expect(whole.reply).toEqual({
			task: 'transcribe',
			language: 'english',
			duration: 15.25,
			text: 'alpha beta',
			segments: [
				{ id: 0, start: 0.5, end: 2, text: 'alpha' },
				{ id: 1, start: 10.5, end: 12, text: 'beta' },
			],
			words: [
				{ word: 'alpha', start: 0.5, end: 1 },
				{ word: 'beta', start: 10.5, end: 11 },
			],
			usage: { type: 'duration', seconds: 15.25 },
		});
	});

	it('diarized_json: keeps speakers per chunk and marks the chunk', () => {
		const chunk = (speaker: string) =>
			readTranscript(
				'diarized_json',
				'application/json',
				JSON.stringify({
					text: 'x',
					segments: [{ id: 'seg_0', speaker, start: 0, end: 1, text: 'x' }],
				}),
			);
		const whole = stitchTranscripts('diarized_json', [
			{ transcript: chunk('A'), start: 0, end: 5 },
			{ transcript: chunk('A'), start: 5, end: 9 },
		]);
		expect(whole.reply!.segments).toEqual([
			{ id: 0, speaker: 'A', start: 0, end: 1, text: 'x', chunk: 0 },
			{ id: 1, speaker: 'A', start: 5, end: 6, text: 'x', chunk: 1 },
		]);
	});

	it('text and json: joins the text', () => {
		expect(
			stitchTranscripts('text', [
				{ transcript: { text: ' a ' }, start: 0, end: 1 },
				{ transcript: { text: '' }, start: 1, end: 2 },
				{ transcript: { text: 'b' }, start: 2, end: 3 },
			]).text,
		).toBe('a b');
	});
});

describe('promptTail', () => {
	it('keeps the last words up to the limit', () => {
		expect(promptTail('one two three four', 10)).toBe('four');
		expect(promptTail('short', 10)).toBe('short');
	});
});

describe('splitText', () => {
	it('splits at paragraphs, then sentences, then words, each part under the limit', () => {
		const paragraph = (n: number) => `Sentence ${n} is here. `.repeat(30).trim();
		const text = [paragraph(1), paragraph(2), paragraph(3)].join('\n\n');
		const parts = splitText(text, 1000);
		expect(parts.every((p) => p.length <= 1000)).toBe(true);
		expect(parts.join(' ').replace(/\s+/g, ' ')).toBe(text.replace(/\s+/g, ' '));
		// Paragraphs of 689 characters: one per part, not cut mid-sentence.
		expect(parts).toEqual([paragraph(1), paragraph(2), paragraph(3)]);
		const sentences = splitText(paragraph(1), 100);
		expect(sentences.every((p) => p.length <= 100 && p.endsWith('here.'))).toBe(true);
		expect(splitText('word '.repeat(50), 12).every((p) => p.length <= 12)).toBe(true);
		expect(splitText('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
		expect(splitText('  ', 10)).toEqual([]);
	});
});
