/**
 * Audio container identification from a file's first bytes, and the file names and MIME types
 * that go with each container and with each speech `response_format`.
 *
 * No n8n imports: this module is shared by the nodes, the tests and the reference server.
 */

/** A container this package recognises. `ogg` covers both Opus and Vorbis streams. */
export type AudioContainer = 'mp3' | 'wav' | 'ogg' | 'flac' | 'm4a' | 'mp4' | 'webm' | 'aac';

/** What an upload should be called and labelled as. */
export interface ContainerInfo {
	container: AudioContainer;
	/** File extension without the dot, as providers check it (OpenAI accepts flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm). */
	extension: string;
	mimeType: string;
	/** For `ogg`: the codec of the first logical stream, when the first page names it. */
	codec?: 'opus' | 'vorbis';
}

const INFO: Record<AudioContainer, Omit<ContainerInfo, 'container'>> = {
	mp3: { extension: 'mp3', mimeType: 'audio/mpeg' },
	wav: { extension: 'wav', mimeType: 'audio/wav' },
	ogg: { extension: 'ogg', mimeType: 'audio/ogg' },
	flac: { extension: 'flac', mimeType: 'audio/flac' },
	m4a: { extension: 'm4a', mimeType: 'audio/mp4' },
	mp4: { extension: 'mp4', mimeType: 'audio/mp4' },
	webm: { extension: 'webm', mimeType: 'audio/webm' },
	aac: { extension: 'aac', mimeType: 'audio/aac' },
};

/** How many leading bytes {@link sniffContainer} wants to see; fewer still works for most containers. */
export const SNIFF_BYTES = 4096;

function ascii(bytes: Uint8Array, offset: number, length: number): string {
	if (bytes.length < offset + length) return '';
	return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

/** Size in bytes of an ID3v2 tag starting at `offset` (header, body and footer), or 0 when there is none. */
export function id3v2Size(bytes: Uint8Array, offset = 0): number {
	if (ascii(bytes, offset, 3) !== 'ID3' || bytes.length < offset + 10) return 0;
	// Syncsafe integer: 7 bits per byte (ID3v2.4 spec, section 3.1).
	const size =
		((bytes[offset + 6] & 0x7f) << 21) |
		((bytes[offset + 7] & 0x7f) << 14) |
		((bytes[offset + 8] & 0x7f) << 7) |
		(bytes[offset + 9] & 0x7f);
	const hasFooter = (bytes[offset + 5] & 0x10) !== 0;
	return 10 + size + (hasFooter ? 10 : 0);
}

function frameSyncKind(bytes: Uint8Array, offset: number): 'mpeg' | 'adts' | undefined {
	if (bytes.length < offset + 2) return undefined;
	const b0 = bytes[offset];
	const b1 = bytes[offset + 1];
	if (b0 !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
	const layer = (b1 >> 1) & 0x03;
	// ADTS: 12-bit sync, layer bits always 00 (ISO/IEC 13818-7). MPEG audio: layer 01..11.
	if ((b1 & 0xf0) === 0xf0 && layer === 0) return 'adts';
	if (layer !== 0 && ((b1 >> 3) & 0x03) !== 0x01) return 'mpeg';
	return undefined;
}

/**
 * Identifies the audio container from its first bytes.
 *
 * Recognises ID3-tagged or bare MPEG audio (mp3), `RIFF....WAVE`, `OggS` (with Opus or Vorbis
 * codec), `fLaC`, ISO BMFF `ftyp` (m4a when the brand is `M4A `, otherwise mp4), EBML (webm) and
 * ADTS AAC.
 *
 * @param head the first bytes of the file; {@link SNIFF_BYTES} is enough. An ID3v2 tag longer than
 *   `head` still yields `mp3`, since a tagged file is nearly always MPEG audio.
 * @returns the container with its extension and MIME type, or `undefined` when the bytes are not a
 *   container this package knows (a PDF, an image, text, or an empty file).
 */
export function sniffContainer(head: Uint8Array): ContainerInfo | undefined {
	const found = (container: AudioContainer, codec?: ContainerInfo['codec']): ContainerInfo => ({
		container,
		...INFO[container],
		...(codec ? { codec } : {}),
	});

	if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WAVE') return found('wav');
	if (ascii(head, 0, 4) === 'fLaC') return found('flac');
	if (ascii(head, 0, 4) === 'OggS') {
		const page = ascii(head, 0, Math.min(head.length, 64));
		if (page.includes('OpusHead')) return found('ogg', 'opus');
		if (page.includes('vorbis')) return found('ogg', 'vorbis');
		return found('ogg');
	}
	if (ascii(head, 4, 4) === 'ftyp') {
		return found(ascii(head, 8, 4) === 'M4A ' ? 'm4a' : 'mp4');
	}
	if (
		head.length >= 4 &&
		head[0] === 0x1a &&
		head[1] === 0x45 &&
		head[2] === 0xdf &&
		head[3] === 0xa3
	) {
		return found('webm');
	}
	const tag = id3v2Size(head);
	if (tag > 0) {
		return frameSyncKind(head, tag) === 'adts' ? found('aac') : found('mp3');
	}
	const sync = frameSyncKind(head, 0);
	if (sync === 'adts') return found('aac');
	if (sync === 'mpeg') return found('mp3');
	return undefined;
}

/** Looks up the container for a file extension (without the dot), e.g. `mpga` → mp3. */
export function containerForExtension(extension: string | undefined): ContainerInfo | undefined {
	const ext = (extension ?? '').toLowerCase().replace(/^\./, '');
	const alias: Record<string, AudioContainer> = {
		mp3: 'mp3',
		mpeg: 'mp3',
		mpga: 'mp3',
		wav: 'wav',
		wave: 'wav',
		ogg: 'ogg',
		oga: 'ogg',
		opus: 'ogg',
		flac: 'flac',
		m4a: 'm4a',
		mp4: 'mp4',
		webm: 'webm',
		aac: 'aac',
	};
	const container = alias[ext];
	return container ? { container, ...INFO[container] } : undefined;
}

/** A speech `response_format` of `POST /audio/speech` (OpenAI OpenAPI, `CreateSpeechRequest`). */
export type SpeechFormat = 'mp3' | 'opus' | 'aac' | 'flac' | 'wav' | 'pcm';

/** Every speech `response_format`, in the order the API documents them. */
export const SPEECH_FORMATS: readonly SpeechFormat[] = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'];

/**
 * Sample rate in hertz of OpenAI's `pcm` speech output: 24 kHz, 16-bit signed little-endian,
 * mono, no header (OpenAI text-to-speech guide, "Supported output formats").
 */
export const PCM_SAMPLE_RATE = 24000;

/**
 * File extension and MIME type for a speech `response_format`.
 * `opus` is Ogg-wrapped, so it is labelled `audio/ogg`; `pcm` is raw and labelled `audio/L16`
 * with its rate and channel count (RFC 2586).
 */
export function speechFormatInfo(format: SpeechFormat): { extension: string; mimeType: string } {
	switch (format) {
		case 'mp3':
			return { extension: 'mp3', mimeType: 'audio/mpeg' };
		case 'opus':
			return { extension: 'opus', mimeType: 'audio/ogg' };
		case 'aac':
			return { extension: 'aac', mimeType: 'audio/aac' };
		case 'flac':
			return { extension: 'flac', mimeType: 'audio/flac' };
		case 'wav':
			return { extension: 'wav', mimeType: 'audio/wav' };
		case 'pcm':
			return { extension: 'pcm', mimeType: `audio/L16;rate=${PCM_SAMPLE_RATE};channels=1` };
	}
}
