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
	return await pipeConcurrent<T, R>(
		async (emit) => {
			for (const input of inputs) await emit(input);
		},
		limit,
		work,
	);
}

/**
 * Like {@link mapConcurrent}, for inputs that arrive over time: `produce` calls `emit` for each
 * input as it is ready, and `work` starts on it as soon as fewer than `limit` calls are in
 * flight, in emission order. `emit` resolves once its input has started, so a producer that
 * awaits it holds no more than one input waiting (back-pressure: a producer of big chunks keeps
 * memory bounded). After the first failure (of `work` or of `produce`) no new call starts, `emit`
 * resolves at once and `signal` is aborted, so that `produce` can stop early; the calls in flight
 * are awaited and then that first error is thrown.
 *
 * @returns the results in emission order.
 * @throws the first error.
 */
export async function pipeConcurrent<T, R>(
	produce: (emit: (input: T) => Promise<void>, signal: AbortSignal) => Promise<void>,
	limit: number,
	work: (input: T, index: number) => Promise<R>,
): Promise<R[]> {
	const results: R[] = [];
	const tasks: Array<Promise<void>> = [];
	const waiting: Array<() => void> = [];
	const abort = new AbortController();
	let free = Math.max(1, Math.floor(limit) || 1);
	let failure: { error: unknown } | undefined;
	const fail = (error: unknown) => {
		failure ??= { error };
		abort.abort();
		// Let every waiting input through: each sees the failure and does not run.
		for (const next of waiting.splice(0)) next();
	};
	const acquire = async () => {
		if (free > 0 || failure) free--;
		else await new Promise<void>((resolve) => waiting.push(resolve));
	};
	const release = () => {
		const next = waiting.shift();
		if (next) next();
		else free++;
	};
	const emit = async (input: T) => {
		const index = tasks.length;
		let started!: () => void;
		const start = new Promise<void>((resolve) => (started = resolve));
		tasks.push(
			(async () => {
				await acquire();
				started();
				try {
					if (!failure) results[index] = await work(input, index);
				} catch (error) {
					fail(error);
				} finally {
					release();
				}
			})(),
		);
		await start;
	};
	try {
		await produce(emit, abort.signal);
	} catch (error) {
		fail(error);
	}
	await Promise.all(tasks);
	if (failure) throw failure.error;
	return results;
}
