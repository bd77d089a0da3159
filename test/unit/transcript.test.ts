import {
	cuesToText,
	formatSubtitles,
	formatTimestamp,
	parseSubtitles,
} from '../../package/lib/transcript/subtitles';
import {
	readTranscript,
	subtitleFormatOf,
	TranscriptFormatError,
} from '../../package/lib/transcript/transcript';

const SRT = `1
00:00:00,000 --> 00:00:02,500
The quick brown fox

2
00:00:02,500 --> 00:01:05,040
jumps over
the lazy dog.
`;

const VTT = `WEBVTT
Kind: captions

NOTE made by a test

intro
00:00.000 --> 00:02.500 align:start position:10%
The quick brown fox

01:00:02.500 --> 01:00:05.040
jumps over the lazy dog.
`;

describe('parseSubtitles', () => {
	it('reads SRT cues in seconds, with multi-line text', () => {
		expect(parseSubtitles(SRT)).toEqual([
			{ index: 1, start: 0, end: 2.5, text: 'The quick brown fox' },
			{ index: 2, start: 2.5, end: 65.04, text: 'jumps over\nthe lazy dog.' },
		]);
	});

	it('reads VTT with short timestamps, cue IDs, settings and NOTE blocks', () => {
		expect(parseSubtitles(VTT)).toEqual([
			{ index: 1, start: 0, end: 2.5, text: 'The quick brown fox' },
			{ index: 2, start: 3602.5, end: 3605.04, text: 'jumps over the lazy dog.' },
		]);
	});

	it('accepts CRLF line endings and a byte order mark', () => {
		expect(parseSubtitles(`\uFEFF${SRT.replace(/\n/g, '\r\n')}`)).toHaveLength(2);
	});

	it('gives no cues for text that has no timings', () => {
		expect(parseSubtitles('WEBVTT\n\n')).toEqual([]);
		expect(parseSubtitles('')).toEqual([]);
	});
});

describe('formatSubtitles', () => {
	it('writes SRT and VTT that parse back to the same cues', () => {
		const cues = parseSubtitles(SRT);
		for (const format of ['srt', 'vtt'] as const) {
			expect(parseSubtitles(formatSubtitles(cues, format))).toEqual(cues);
		}
		expect(formatSubtitles(cues, 'srt')).toBe(SRT.replace('jumps over\nthe', 'jumps over\nthe'));
		expect(
			formatSubtitles(cues, 'vtt').startsWith('WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.500\n'),
		).toBe(true);
	});

	it('formats timestamps with rounding and clamps negatives', () => {
		expect(formatTimestamp(3725.0456, 'srt')).toBe('01:02:05,046');
		expect(formatTimestamp(-1, 'vtt')).toBe('00:00:00.000');
		expect(formatTimestamp(59.9999, 'vtt')).toBe('00:01:00.000');
	});
});

describe('cuesToText', () => {
	it('joins cue texts with single spaces', () => {
		expect(cuesToText(parseSubtitles(SRT))).toBe('The quick brown fox jumps over the lazy dog.');
	});
});

describe('readTranscript', () => {
	it('reads every response_format into text', () => {
		expect(readTranscript('text', 'text/plain', 'hello world\n')).toEqual({ text: 'hello world' });
		expect(
			readTranscript('json', 'application/json', '{"text":" hi ","usage":{"seconds":2}}'),
		).toEqual({
			text: 'hi',
			reply: { text: ' hi ', usage: { seconds: 2 } },
		});
		const srt = readTranscript('srt', 'text/plain', SRT);
		expect(srt.text).toBe('The quick brown fox jumps over the lazy dog.');
		expect(srt.subtitles).toBe(SRT);
		expect(srt.cues).toHaveLength(2);
	});

	it('throws when a JSON format is not JSON or has no text', () => {
		expect(() => readTranscript('verbose_json', 'text/plain', 'hello')).toThrow(
			TranscriptFormatError,
		);
		expect(() => readTranscript('json', 'application/json', '{"segments":[]}')).toThrow(
			/Expected a JSON transcript/,
		);
	});

	it('reads a reply by what it is: JSON where subtitles were asked, events, HTML', () => {
		const json = JSON.stringify({
			text: 'one two',
			segments: [
				{ start: 0, end: 1.5, text: ' one' },
				{ start: 1.5, end: 3, text: ' two' },
			],
		});
		const srt = readTranscript('srt', 'application/json', json);
		expect(srt.cues).toEqual([
			{ index: 1, start: 0, end: 1.5, text: 'one' },
			{ index: 2, start: 1.5, end: 3, text: 'two' },
		]);
		expect(srt.subtitles).toBe(
			'1\n00:00:00,000 --> 00:00:01,500\none\n\n2\n00:00:01,500 --> 00:00:03,000\ntwo\n',
		);
		expect(readTranscript('text', 'application/json', '{"text":" only json "}').text).toBe(
			'only json',
		);
		const noSegments = (() => {
			try {
				readTranscript('vtt', 'application/json', '{"text":"hi"}');
			} catch (error) {
				return error as TranscriptFormatError;
			}
			return undefined;
		})();
		expect(noSegments).toBeInstanceOf(TranscriptFormatError);
		expect(noSegments!.message).toMatch(/answers JSON only/);
		expect(noSegments!.hint).toMatch(/JSON or Verbose JSON.*whisper-1/);
		expect(() => readTranscript('srt', 'text/html', '<html><title>Login</title></html>')).toThrow(
			/HTML page instead of a transcript/,
		);
		const events =
			'data: {"type":"transcript.text.delta","delta":"he"}\n\ndata: {"type":"transcript.text.done","text":"hello"}\n\n';
		expect(readTranscript('json', 'text/event-stream', events).text).toBe('hello');
	});

	it('knows which formats are subtitles', () => {
		expect(subtitleFormatOf('srt')).toBe('srt');
		expect(subtitleFormatOf('vtt')).toBe('vtt');
		expect(subtitleFormatOf('verbose_json')).toBeUndefined();
	});
});
