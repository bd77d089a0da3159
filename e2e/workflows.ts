/**
 * The end-to-end workflows, built as n8n workflow JSON: a Manual Trigger, n8n's own nodes
 * (Set, Split Out) and this package's nodes, connected in order or in branches.
 */
export const PACKAGE = 'n8n-nodes-audio-api';

/** Sentences whose transcripts are checked by word error rate. */
export const SENTENCES = [
	'The weather today is sunny and warm.',
	'I would like a cup of coffee.',
	'Please call me back after lunch.',
];

export const SPEECH_FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'] as const;

export interface WorkflowNode {
	name: string;
	type: string;
	typeVersion?: number;
	parameters?: Record<string, unknown>;
	continueOnFail?: boolean;
	/** Names of the nodes this one takes its input from. */
	after?: string[];
	/** Credentials by type; this package's nodes get the workflow's credential when unset. */
	credentials?: Record<string, { id: string; name: string }>;
}

/** A workflow as `n8n import:workflow` takes it. */
export interface WorkflowJson {
	id: string;
	name: string;
	nodes: Array<Record<string, unknown>>;
	connections: Record<
		string,
		{ main: Array<Array<{ node: string; type: 'main'; index: number }>> }
	>;
}

/**
 * Builds a workflow. Nodes run after the node named in `after`, else after the one before them;
 * the first node is the Manual Trigger. Package nodes get the credential `credentialId`.
 */
export function workflow(
	id: string,
	name: string,
	nodes: WorkflowNode[],
	credentialId = 'audioRef',
): WorkflowJson {
	const all: WorkflowNode[] = [{ name: 'Start', type: 'n8n-nodes-base.manualTrigger' }, ...nodes];
	const connections: WorkflowJson['connections'] = {};
	all.forEach((node, i) => {
		if (i === 0) return;
		for (const source of node.after ?? [all[i - 1].name]) {
			connections[source] ??= { main: [[]] };
			connections[source].main[0].push({ node: node.name, type: 'main', index: 0 });
		}
	});
	return {
		id,
		name,
		nodes: all.map((node, i) => ({
			id: `${id}-${i}`,
			name: node.name,
			type: node.type,
			typeVersion: node.typeVersion ?? 1,
			position: [i * 220, 0],
			parameters: node.parameters ?? {},
			...(node.credentials
				? { credentials: node.credentials }
				: node.type.startsWith(PACKAGE)
					? { credentials: { audioApi: { id: credentialId, name: 'Audio API' } } }
					: {}),
			...(node.continueOnFail ? { onError: 'continueRegularOutput' } : {}),
		})),
		connections,
	};
}

const model = (value: string) => ({ __rl: true, mode: 'id', value });

/** A Set node holding a list, then a Split Out node turning it into one item per entry. */
export function listItems(field: string, values: readonly string[]): WorkflowNode[] {
	return [
		{
			name: 'Set List',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			parameters: {
				assignments: {
					assignments: [{ id: 'list', name: 'list', type: 'array', value: JSON.stringify(values) }],
				},
				options: {},
			},
		},
		{
			name: 'One Item Each',
			type: 'n8n-nodes-base.splitOut',
			parameters: { fieldToSplitOut: 'list', options: { destinationFieldName: field } },
		},
	];
}

/** An Audio Speech node. */
export function speechNode(
	name: string,
	parameters: Record<string, unknown>,
	extra: Partial<WorkflowNode> = {},
): WorkflowNode {
	return {
		name,
		type: `${PACKAGE}.audioSpeech`,
		parameters: {
			model: model('tts-1'),
			voice: 'alloy',
			responseFormat: 'mp3',
			binaryPropertyName: 'data',
			options: {},
			...parameters,
		},
		...extra,
	};
}

/** An Audio Transcription node; Input Binary Field is set only where the editor shows it. */
export function transcriptionNode(
	name: string,
	parameters: Record<string, unknown>,
	extra: Partial<WorkflowNode> = {},
): WorkflowNode {
	const source = parameters.audioSource ?? 'binary';
	const fromBinary = source === 'binary' || String(source).startsWith('=');
	return {
		name,
		type: `${PACKAGE}.audioTranscription`,
		parameters: {
			...(fromBinary ? { binaryPropertyName: 'data' } : {}),
			model: model('whisper-1'),
			responseFormat: 'json',
			options: {},
			...parameters,
		},
		...extra,
	};
}

/** (a) Three sentences as items, spoken as mp3, transcribed back. */
export function sentencesWorkflow(): WorkflowJson {
	return workflow('e2eSentences', 'Sentences to speech to text', [
		...listItems('sentence', SENTENCES),
		speechNode('Speak', { input: '={{ $json.sentence }}', responseFormat: 'mp3' }),
		transcriptionNode('Transcribe', {}),
	]);
}

/** (b) One sentence spoken in every format, each transcribed back. */
export function formatsWorkflow(): WorkflowJson {
	return workflow('e2eFormats', 'Every speech format', [
		...listItems('format', SPEECH_FORMATS),
		speechNode('Speak', { input: SENTENCES[0], responseFormat: '={{ $json.format }}' }),
		transcriptionNode('Transcribe', { responseFormat: 'text' }),
	]);
}

/** (c) One recording transcribed as srt (with a file), vtt and verbose_json with word timings. */
export function subtitlesWorkflow(): WorkflowJson {
	return workflow('e2eSubtitles', 'Subtitles and timestamps', [
		speechNode('Speak', { input: SENTENCES.join(' '), responseFormat: 'wav' }),
		transcriptionNode(
			'SRT',
			{ responseFormat: 'srt', options: { subtitlesAsFile: true } },
			{ after: ['Speak'] },
		),
		transcriptionNode('VTT', { responseFormat: 'vtt' }, { after: ['Speak'] }),
		transcriptionNode(
			'Verbose',
			{ responseFormat: 'verbose_json', timestampGranularities: ['segment', 'word'] },
			{ after: ['Speak'] },
		),
	]);
}

/** (d) Translation of spoken English, and the model list. */
export function translationAndModelsWorkflow(): WorkflowJson {
	return workflow('e2eTranslate', 'Translation and models', [
		speechNode('Speak', { input: SENTENCES[1], responseFormat: 'flac' }),
		{
			name: 'Translate',
			type: `${PACKAGE}.audioTranslation`,
			parameters: {
				binaryPropertyName: 'data',
				model: model('whisper-1'),
				responseFormat: 'verbose_json',
				options: {},
			},
		},
		{
			name: 'Models',
			type: `${PACKAGE}.audioModels`,
			parameters: { audioOnly: true, options: {} },
			after: ['Start'],
		},
	]);
}

/** (e) Speech that must fail: `credentialId` is a wrong key or a stopped server. */
export function failingWorkflow(
	id: string,
	credentialId: string,
	continueOnFail: boolean,
): WorkflowJson {
	return workflow(
		id,
		`Failing speech (${credentialId}${continueOnFail ? ', continue on fail' : ''})`,
		[
			...listItems('sentence', SENTENCES.slice(0, 2)),
			speechNode(
				'Speak',
				{ input: '={{ $json.sentence }}', options: { maxRetries: 0 } },
				{ continueOnFail },
			),
		],
		credentialId,
	);
}

/** One workflow per API style, each run against that style's simulator. */
export function styleWorkflows(): WorkflowJson[] {
	return [
		workflow(
			'e2eAzure',
			'Azure OpenAI deployments',
			[
				speechNode('Speak', {
					model: model('tts-prod'),
					input: SENTENCES[0],
					responseFormat: 'wav',
				}),
				transcriptionNode('Transcribe', { model: model('whisper-prod'), responseFormat: 'srt' }),
			],
			'audioAzure',
		),
		workflow(
			'e2eGateway',
			'Gateway JSON upload',
			[
				speechNode('Speak', { input: SENTENCES[0], responseFormat: 'mp3' }),
				transcriptionNode('Transcribe', { options: { uploadAs: 'json', language: 'en' } }),
			],
			'audioGateway',
		),
		workflow(
			'e2eOpper',
			'Opper speech then transcription by file_id',
			[
				speechNode('Speak', {
					model: model('openai/tts-1'),
					input: SENTENCES[0],
					responseFormat: 'mp3',
					opperOptions: { store: true },
				}),
				transcriptionNode('Transcribe', {
					model: model('openai/whisper-1'),
					audioSource: 'fileId',
					fileId: '={{ $json.file_id }}',
					opperOptions: { diarize: true },
				}),
				{
					name: 'Models',
					type: `${PACKAGE}.audioModels`,
					parameters: { audioOnly: true, options: {} },
					after: ['Start'],
				},
			],
			'audioOpper',
		),
		workflow(
			'e2eStream',
			'Speech and transcripts as server-sent events',
			[
				speechNode('Speak', {
					model: model('gpt-4o-mini-tts'),
					input: SENTENCES[0],
					responseFormat: 'wav',
					options: { streamFormat: 'sse' },
				}),
				transcriptionNode('Transcribe', {
					model: model('gpt-4o-transcribe'),
					options: { stream: true, includeLogprobs: true },
				}),
			],
			'audioChatSim',
		),
		workflow(
			'e2eChat',
			'Audio Chat with a spoken answer',
			[
				speechNode('Speak', { input: SENTENCES[0], responseFormat: 'mp3' }),
				{
					name: 'Ask',
					type: `${PACKAGE}.audioChat`,
					parameters: {
						binaryPropertyName: 'data',
						model: model('gpt-4o-audio-preview'),
						prompt: 'What is said?',
						options: { spokenAnswer: true, answerFormat: 'mp3' },
					},
				},
			],
			'audioChatSim',
		),
	];
}
