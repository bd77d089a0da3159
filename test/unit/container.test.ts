import { readFileSync } from 'node:fs';
import path from 'node:path';

import {
	containerForExtension,
	id3v2Size,
	sniffContainer,
	speechFormatInfo,
	SPEECH_FORMATS,
} from '../../package/lib/audio/container';

const fixture = (name: string) => readFileSync(path.join(__dirname, '../fixtures/audio', name));

describe('sniffContainer', () => {
	it.each([
		['hello.mp3', 'mp3', 'mp3', 'audio/mpeg', undefined],
		['hello-bare.mp3', 'mp3', 'mp3', 'audio/mpeg', undefined],
		['hello.wav', 'wav', 'wav', 'audio/wav', undefined],
		['hello.ogg', 'ogg', 'ogg', 'audio/ogg', 'opus'],
		['hello-vorbis.ogg', 'ogg', 'ogg', 'audio/ogg', 'vorbis'],
		['hello.flac', 'flac', 'flac', 'audio/flac', undefined],
		['hello.m4a', 'm4a', 'm4a', 'audio/mp4', undefined],
		['hello.mp4', 'mp4', 'mp4', 'audio/mp4', undefined],
		['hello.webm', 'webm', 'webm', 'audio/webm', undefined],
		['hello.aac', 'aac', 'aac', 'audio/aac', undefined],
	])('identifies %s made by ffmpeg', (file, container, extension, mimeType, codec) => {
		expect(sniffContainer(fixture(file).subarray(0, 4096))).toEqual({
			container,
			extension,
			mimeType,
			...(codec ? { codec } : {}),
		});
	});

	it('identifies an ID3-tagged file from the tag alone, even when the tag is longer than the head', () => {
		const head = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0x00, 0x01, 0x00, 0x00]); // 16 KiB tag
		expect(sniffContainer(head)?.container).toBe('mp3');
		expect(id3v2Size(head)).toBe(10 + 16384);
	});

	it('counts the ID3v2 footer', () => {
		expect(id3v2Size(Buffer.from([0x49, 0x44, 0x33, 4, 0, 0x10, 0, 0, 0, 5]))).toBe(25);
	});

	it.each([
		['a PDF', Buffer.from('%PDF-1.7\n')],
		['a PNG', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
		['text', Buffer.from('hello world, not audio')],
		['nothing', Buffer.alloc(0)],
		['a RIFF that is not WAVE', Buffer.from('RIFF\x00\x00\x00\x00AVI LIST', 'latin1')],
		['a frame sync with the reserved MPEG version', Buffer.from([0xff, 0xea, 0x90, 0x00])],
	])('refuses %s', (_name, bytes) => {
		expect(sniffContainer(bytes)).toBeUndefined();
	});
});

describe('containerForExtension', () => {
	it('maps aliases the API accepts', () => {
		expect(containerForExtension('mpga')?.container).toBe('mp3');
		expect(containerForExtension('.MPEG')?.container).toBe('mp3');
		expect(containerForExtension('opus')?.container).toBe('ogg');
		expect(containerForExtension('pdf')).toBeUndefined();
		expect(containerForExtension(undefined)).toBeUndefined();
	});
});

describe('speechFormatInfo', () => {
	it('gives the real MIME type and extension of each response_format', () => {
		expect(Object.fromEntries(SPEECH_FORMATS.map((f) => [f, speechFormatInfo(f)]))).toEqual({
			mp3: { extension: 'mp3', mimeType: 'audio/mpeg' },
			opus: { extension: 'opus', mimeType: 'audio/ogg' },
			aac: { extension: 'aac', mimeType: 'audio/aac' },
			flac: { extension: 'flac', mimeType: 'audio/flac' },
			wav: { extension: 'wav', mimeType: 'audio/wav' },
			pcm: { extension: 'pcm', mimeType: 'audio/L16;rate=24000;channels=1' },
		});
	});
});
