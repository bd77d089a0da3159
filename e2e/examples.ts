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

if (require.main === module) {
	for (const [file, wf] of Object.entries(examples())) {
		writeFileSync(
			path.join(__dirname, '../../../examples', file),
			`${JSON.stringify(wf, null, '\t')}\n`,
		);
	}
}
