import { mapConcurrent, pipeConcurrent } from '../../package/lib/concurrency';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Work that records how many calls were in flight at once. */
function tracked() {
	let inFlight = 0;
	const state = { max: 0, started: [] as number[] };
	const work = async (input: number) => {
		state.started.push(input);
		state.max = Math.max(state.max, ++inFlight);
		await tick(input % 3);
		inFlight--;
		if (input === 13) throw new Error('thirteen');
		return input * 2;
	};
	return { state, work };
}

describe('mapConcurrent', () => {
	it('keeps input order with at most `limit` in flight', async () => {
		const { state, work } = tracked();
		expect(await mapConcurrent([1, 2, 3, 4, 5, 6, 7], 3, work)).toEqual([2, 4, 6, 8, 10, 12, 14]);
		expect(state.max).toBe(3);
	});

	it('starts nothing after a failure and throws the first error', async () => {
		const { state, work } = tracked();
		const inputs = Array.from({ length: 40 }, (_v, i) => i);
		await expect(mapConcurrent(inputs, 2, work)).rejects.toThrow('thirteen');
		expect(state.started.length).toBeLessThan(17);
	});
});

describe('pipeConcurrent', () => {
	it('starts work while inputs are still arriving, in order, with at most `limit` in flight', async () => {
		const { state, work } = tracked();
		const firstResults: number[] = [];
		const results = await pipeConcurrent<number, number>(
			async (emit) => {
				for (let i = 1; i <= 8; i++) {
					emit(i);
					await tick(2);
					if (i === 4) firstResults.push(state.started.length);
				}
			},
			2,
			work,
		);
		expect(results).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
		expect(state.max).toBeLessThanOrEqual(2);
		expect(firstResults[0]).toBeGreaterThan(0);
		expect(state.started).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
	});

	it('aborts the producer after a failure and throws the first error', async () => {
		const { work } = tracked();
		let emitted = 0;
		await expect(
			pipeConcurrent<number, number>(
				async (emit, signal) => {
					for (let i = 10; i < 100 && !signal.aborted; i++) {
						emit(i);
						emitted++;
						await tick(1);
					}
				},
				4,
				work,
			),
		).rejects.toThrow('thirteen');
		expect(emitted).toBeLessThan(90);
	});

	it("throws the producer's error when it fails first", async () => {
		await expect(
			pipeConcurrent(
				async () => {
					throw new Error('cannot split');
				},
				4,
				async () => 1,
			),
		).rejects.toThrow('cannot split');
	});
});
