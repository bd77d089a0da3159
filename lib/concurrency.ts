/**
 * Running async work on many inputs with a bounded number in flight. No n8n imports.
 */

/**
 * Calls `work` for every input with at most `limit` calls in flight, and returns the results in
 * input order. After the first failure no new call starts; the calls in flight are awaited and
 * then that first error is thrown, so nothing runs on after the caller has failed.
 *
 * @param inputs the inputs, in order.
 * @param limit the most calls in flight at once (values below 1 count as 1).
 * @param work the call for one input and its index.
 * @throws the first error `work` threw.
 */
export async function mapConcurrent<T, R>(
	inputs: readonly T[],
	limit: number,
	work: (input: T, index: number) => Promise<R>,
): Promise<R[]> {
	const results = new Array<R>(inputs.length);
	let next = 0;
	let failure: { error: unknown } | undefined;
	const worker = async () => {
		while (!failure && next < inputs.length) {
			const index = next++;
			try {
				results[index] = await work(inputs[index], index);
			} catch (error) {
				failure ??= { error };
			}
		}
	};
	const workers = Math.max(1, Math.min(Math.floor(limit) || 1, inputs.length));
	await Promise.all(Array.from({ length: workers }, worker));
	if (failure) throw failure.error;
	return results;
}
