/**
 * The one error class of lib/: what went wrong, and what the user can do about it. No n8n
 * imports; the nodes turn it into a NodeOperationError whose description is the hint.
 */

/** An error a user can act on: `message` says what is wrong, `hint` what to change. */
export class AudioApiError extends Error {
	/**
	 * @param message what is wrong, naming the value at fault.
	 * @param hint the fix, one sentence; omitted when the message says it all.
	 */
	constructor(
		message: string,
		readonly hint?: string,
	) {
		super(message);
		this.name = new.target.name;
	}
}

/**
 * Parses JSON text, or returns `undefined` when it is not JSON. Lets callers decide what a
 * non-JSON body means without catching and rethrowing.
 */
export function parseJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

/**
 * A reply that ended before it was complete: a body shorter than its Content-Length, or an event
 * stream without its final event. It counts as a broken connection and is retried.
 */
export class CutOffError extends AudioApiError {}
