/**
 * Writes examples/*.json: workflows users can import into their own n8n, also run by the demo.
 * Regenerate with `npm run examples` after changing them here.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import {
	listItems,
	speechNode,
	transcriptionNode,
	workflow,
	type WorkflowJson,
	PACKAGE,
} from './workflows';

/** The text the main example speaks; every sentence is one the reference engines read back well. */
export const EXAMPLE_TEXT =
	'The weather today is sunny and warm. I would like a cup of coffee. Please call me back after lunch.';

export const EXAMPLE_CREDENTIAL = 'audioApiExample';

/** The examples, by file name. */
export function examples(): Record<string, WorkflowJson> {
	return {
		'text-to-speech-to-subtitles.json': workflow(
			'exSubtitles',
			'Audio API: text to speech to transcript and subtitles',
			[
				{
					name: 'Text',
					type: 'n8n-nodes-base.set',
					typeVersion: 3.4,
					parameters: {
						assignments: {
							assignments: [{ id: 'text', name: 'text', type: 'string', value: EXAMPLE_TEXT }],
						},
						options: {},
					},
				},
				speechNode('Speak', {
					input: '={{ $json.text }}',
					responseFormat: 'mp3',
					options: { fileName: 'speech' },
				}),
				transcriptionNode(
					'Transcript',
					{ responseFormat: 'verbose_json', timestampGranularities: ['segment', 'word'] },
					{ after: ['Speak'] },
				),
				transcriptionNode(
					'Subtitles',
					{ responseFormat: 'srt', options: { subtitlesAsFile: true } },
					{ after: ['Speak'] },
				),
			],
			EXAMPLE_CREDENTIAL,
		),
		'narrate-paragraphs.json': workflow(
			'exNarrate',
			'Audio API: narrate each paragraph in a chosen voice',
			[
				...listItems('paragraph', EXAMPLE_TEXT.split(/(?<=\.) /)),
				speechNode('Narrate', {
					input: '={{ $json.paragraph }}',
					voice: 'nova',
					responseFormat: 'opus',
					options: { speed: 1.1, fileName: 'paragraph' },
				}),
			],
			EXAMPLE_CREDENTIAL,
		),
		'podcast-feed-to-subtitles.json': podcastFeedWorkflow(),
		'list-audio-models.json': workflow(
			'exModels',
			"Audio API: list the provider's audio models",
			[
				{
					name: 'Models',
					type: `${PACKAGE}.audioModels`,
					parameters: { audioOnly: true, options: {} },
				},
			],
			EXAMPLE_CREDENTIAL,
		),
	};
}

/** The settings a user changes in the podcast feed example, as its Settings node holds them. */
export interface FeedSettings {
	feedUrl: string;
	folder: string;
	model: string;
}

export const FEED_SETTINGS: FeedSettings = {
	feedUrl: 'https://feeds.example.com/podcast.rss',
	// n8n 2.x lets Read/Write Files only into ~/.n8n-files unless N8N_RESTRICT_FILE_ACCESS_TO says
	// otherwise; /home/node is the home folder in n8n's Docker image.
	folder: '/home/node/.n8n-files/podcasts',
	model: 'whisper-1',
};

const note = (
	name: string,
	content: string,
	position: [number, number],
	size: [number, number],
	color?: number,
) => ({
	name,
	type: 'n8n-nodes-base.stickyNote',
	typeVersion: 1,
	position,
	parameters: { content, width: size[0], height: size[1], ...(color ? { color } : {}) },
});

/**
 * The podcast feed example: on a schedule (or Run Now), read an RSS feed, keep the episodes not
 * seen in earlier executions, transcribe each enclosure straight from its URL as verbose_json
 * with an srt file, and write `<episode>.srt`, `<episode>.txt` and `<episode>.json` to a folder.
 */
export function podcastFeedWorkflow(settings: FeedSettings = FEED_SETTINGS): WorkflowJson {
	const id = 'exPodcastFeed';
	const file = (extension: string) =>
		`={{ $('Settings').first().json.folder }}/{{ $('Episode').item.json.episode }}.${extension}`;
	const nodes: Array<Record<string, unknown>> = [
		{
			name: 'Every 6 Hours',
			type: 'n8n-nodes-base.scheduleTrigger',
			typeVersion: 1.2,
			position: [0, 0],
			parameters: { rule: { interval: [{ field: 'hours', hoursInterval: 6 }] } },
		},
		{
			name: 'Run Now',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 200],
			parameters: {},
		},
		{
			name: 'Settings',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [240, 100],
			parameters: {
				assignments: {
					assignments: (['feedUrl', 'folder', 'model'] as const).map((name) => ({
						id: name,
						name,
						type: 'string',
						value: settings[name],
					})),
				},
				options: {},
			},
		},
		{
			name: 'Read Feed',
			type: 'n8n-nodes-base.rssFeedRead',
			typeVersion: 1.2,
			position: [480, 100],
			parameters: { url: '={{ $json.feedUrl }}', options: {} },
		},
		{
			name: 'New Episodes Only',
			type: 'n8n-nodes-base.removeDuplicates',
			typeVersion: 2,
			position: [720, 100],
			parameters: {
				operation: 'removeItemsSeenInPreviousExecutions',
				dedupeValue: '={{ $json.guid || $json.enclosure.url }}',
				options: {},
			},
		},
		{
			name: 'Episode',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [960, 100],
			parameters: {
				assignments: {
					assignments: [
						{
							id: 'episode',
							name: 'episode',
							type: 'string',
							// A file name from the title: letters, digits and dashes only.
							value:
								"={{ String($json.title || $json.guid).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'episode' }}",
						},
						{
							id: 'audioUrl',
							name: 'audioUrl',
							type: 'string',
							value: '={{ $json.enclosure.url }}',
						},
					],
				},
				options: {},
			},
		},
		{
			name: 'Transcribe',
			type: `${PACKAGE}.audioTranscription`,
			typeVersion: 1,
			position: [1200, 100],
			parameters: {
				audioSource: 'url',
				audioUrl: '={{ $json.audioUrl }}',
				model: { __rl: true, mode: 'id', value: "={{ $('Settings').first().json.model }}" },
				responseFormat: 'verbose_json',
				timestampGranularities: ['segment', 'word'],
				options: { subtitlesAsFile: true, subtitleFileFormat: 'srt' },
			},
			credentials: { audioApi: { id: EXAMPLE_CREDENTIAL, name: 'Audio API' } },
		},
		{
			name: 'Write Subtitles',
			type: 'n8n-nodes-base.readWriteFile',
			typeVersion: 1,
			position: [1440, -100],
			parameters: {
				operation: 'write',
				fileName: file('srt'),
				dataPropertyName: 'subtitles',
				options: {},
			},
		},
		{
			name: 'Transcript to Text',
			type: 'n8n-nodes-base.convertToFile',
			typeVersion: 1.1,
			position: [1440, 100],
			parameters: {
				operation: 'toText',
				sourceProperty: 'text',
				binaryPropertyName: 'data',
				options: {},
			},
		},
		{
			name: 'Write Transcript',
			type: 'n8n-nodes-base.readWriteFile',
			typeVersion: 1,
			position: [1680, 100],
			parameters: {
				operation: 'write',
				fileName: file('txt'),
				dataPropertyName: 'data',
				options: {},
			},
		},
		{
			name: 'Segments to JSON',
			type: 'n8n-nodes-base.convertToFile',
			typeVersion: 1.1,
			position: [1440, 300],
			parameters: {
				operation: 'toJson',
				mode: 'each',
				binaryPropertyName: 'data',
				options: { format: true },
			},
		},
		{
			name: 'Write Segments',
			type: 'n8n-nodes-base.readWriteFile',
			typeVersion: 1,
			position: [1680, 300],
			parameters: {
				operation: 'write',
				fileName: file('json'),
				dataPropertyName: 'data',
				options: {},
			},
		},
		note(
			'Note: Start',
			"## Podcast feed to subtitles\nRuns every 6 hours (change it in **Every 6 Hours**), or now with **Run Now**.\n\n**Settings** holds the three things to change:\n- `feedUrl`: the podcast's RSS feed\n- `folder`: where the files go. n8n 2.x writes only under `~/.n8n-files` unless `N8N_RESTRICT_FILE_ACCESS_TO` allows more; the folder must exist.\n- `model`: the transcription model, e.g. `whisper-1`",
			[-60, -300],
			[460, 280],
		),
		note(
			'Note: Feed',
			"## New episodes only\n**Read Feed** lists the feed's items; **New Episodes Only** drops those seen in earlier executions (n8n keeps their `guid`, else the enclosure URL). An episode counts as seen once it passes here, even if its transcription then fails: to retry it, run **New Episodes Only** with Clear Deduplication History.",
			[440, -300],
			[460, 280],
		),
		note(
			'Note: Transcribe',
			"## Transcribe from the enclosure URL\n**Transcribe** streams the audio from the episode's URL (without the credential) and never stores it in n8n. Episodes over 25 MB are split in quiet moments with 10 s of overlap and stitched. Response Format Verbose JSON gives segments and words; Subtitles as File adds an .srt. Set the credential here.",
			[940, -300],
			[460, 280],
			5,
		),
		note(
			'Note: Files',
			'## Files\nFor each episode: `<episode>.srt` (subtitles), `<episode>.txt` (the text) and `<episode>.json` (text, segments, words, chunks) in the folder from **Settings**.',
			[1420, -300],
			[460, 160],
		),
	];
	const link = (...to: string[]) => ({
		main: [to.map((node) => ({ node, type: 'main' as const, index: 0 }))],
	});
	return {
		id,
		name: 'Audio API: podcast feed to subtitles and transcripts',
		nodes: nodes.map((node, i) => ({ id: `${id}-${i}`, ...node })),
		connections: {
			'Every 6 Hours': link('Settings'),
			'Run Now': link('Settings'),
			Settings: link('Read Feed'),
			'Read Feed': link('New Episodes Only'),
			'New Episodes Only': link('Episode'),
			Episode: link('Transcribe'),
			Transcribe: link('Write Subtitles', 'Transcript to Text', 'Segments to JSON'),
			'Transcript to Text': link('Write Transcript'),
			'Segments to JSON': link('Write Segments'),
		},
	};
}

if (require.main === module) {
	for (const [file, wf] of Object.entries(examples())) {
		writeFileSync(
			path.join(__dirname, '../../../examples', file),
			`${JSON.stringify(wf, null, '\t')}\n`,
		);
	}
}
