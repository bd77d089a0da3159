import { CutOffError } from '../../package/lib/errors';
import {
	assembleSpeechStream,
	assembleTranscriptStream,
	isEventStream,
	parseSse,
	StreamError,
} from '../../package/lib/http/sse';

const sse = (...payloads: object[]) =>
	payloads.map((p) => `data: ${JSON.stringify(p)}\n\n`).join('');

describe('parseSse', () => {
	it('reads events, multi-line data, names and comments, with any line endings', () => {
		expect(
			parseSse(': keep-alive\r\n\r\nevent: ping\r\ndata: a\r\ndata: b\r\n\r\ndata:c\n\nid: 3\n\n'),
		).toEqual([{ event: 'ping', data: 'a\nb' }, { data: 'c' }]);
		expect(isEventStream('text/event-stream; charset=utf-8')).toBe(true);
		expect(isEventStream('audio/mpeg')).toBe(false);
	});
});

describe('assembleSpeechStream', () => {
	it('joins the base64 audio of the deltas in order and keeps the usage', () => {
		const text = sse(
			{ type: 'speech.audio.delta', audio: Buffer.from('ID3abc').toString('base64') },
			{ type: 'speech.audio.delta', audio: Buffer.from('def').toString('base64') },
			{
				type: 'speech.audio.done',
				usage: { input_tokens: 14, output_tokens: 101, total_tokens: 115 },
			},
		);
		expect(assembleSpeechStream(text)).toEqual({
			audio: Buffer.from('ID3abcdef'),
			usage: { input_tokens: 14, output_tokens: 101, total_tokens: 115 },
		});
	});
	it('refuses a stream without audio and reports error events', () => {
		expect(() => assembleSpeechStream(sse({ type: 'speech.audio.done' }))).toThrow(
			'carried no audio',
		);
		expect(() =>
			assembleSpeechStream(
				sse({ type: 'error', error: { message: 'overloaded', code: 'server_busy' } }),
			),
		).toThrow("The provider's stream reported an error: overloaded (server_busy)");
		expect(() => assembleSpeechStream('data: {not json\n\n')).toThrow(StreamError);
	});
});

describe('assembleTranscriptStream', () => {
	it("takes the done event's text, logprobs and usage", () => {
		const text = sse(
			{
				type: 'transcript.text.delta',
				delta: 'Hello',
				logprobs: [{ token: 'Hello', logprob: -0.1 }],
			},
			{ type: 'transcript.text.delta', delta: ' world' },
			{
				type: 'transcript.text.done',
				text: 'Hello world',
				logprobs: [
					{ token: 'Hello', logprob: -0.1 },
					{ token: ' world', logprob: -0.2 },
				],
				usage: { type: 'tokens', total_tokens: 9 },
			},
		);
		expect(assembleTranscriptStream(text)).toEqual({
			text: 'Hello world',
			logprobs: [
				{ token: 'Hello', logprob: -0.1 },
				{ token: ' world', logprob: -0.2 },
			],
			usage: { type: 'tokens', total_tokens: 9 },
		});
	});
	it('counts a stream without its done event as cut off, and ignores [DONE]', () => {
		const text = `${sse({ type: 'transcript.text.delta', delta: 'Hi ', logprobs: [{ token: 'Hi' }] }, { type: 'transcript.text.delta', delta: 'there' })}data: [DONE]\n\n`;
		expect(() => assembleTranscriptStream(text)).toThrow(CutOffError);
		const done = `${text}${sse({ type: 'transcript.text.done', text: 'Hi there' })}`;
		expect(assembleTranscriptStream(done)).toEqual({
			text: 'Hi there',
			logprobs: [{ token: 'Hi' }],
		});
		expect(() => assembleTranscriptStream(sse({ type: 'other' }))).toThrow('no text events');
		expect(() => assembleSpeechStream(sse({ type: 'speech.audio.delta', audio: 'SUQz' }))).toThrow(
			CutOffError,
		);
	});
});
