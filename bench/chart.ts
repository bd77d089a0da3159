/**
 * The benchmark's chart: milliseconds per item for each contender and each per-item row, drawn
 * as grouped bars with Apache ECharts' server-side SVG renderer.
 */
import * as echarts from 'echarts';

/** One group of bars: a row of the per-item table. */
export interface ChartRow {
	/** The row's label, e.g. "1 MB WAV → text, filesystem mode". */
	label: string;
	/** Milliseconds per item by contender label; a missing contender is left out of the group. */
	ms: Record<string, number | undefined>;
}

/** Renders the rows as an SVG document, one colour per contender in `contenders` order. */
export function perItemChart(rows: ChartRow[], contenders: string[]): string {
	const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 900, height: 420 });
	chart.setOption({
		animation: false,
		title: {
			text: 'Milliseconds per item (lower is better)',
			left: 'center',
			textStyle: { fontSize: 15 },
		},
		legend: { top: 34 },
		grid: { top: 80, left: 60, right: 20, bottom: 60 },
		xAxis: {
			type: 'category',
			data: rows.map((row) => row.label),
			axisLabel: { interval: 0, width: 200, overflow: 'break' },
		},
		yAxis: { type: 'value', name: 'ms per item' },
		series: contenders.map((name) => ({
			name,
			type: 'bar',
			data: rows.map((row) =>
				row.ms[name] === undefined ? null : Number(row.ms[name]!.toFixed(1)),
			),
			label: { show: true, position: 'top', fontSize: 10 },
		})),
	});
	const svg = chart.renderToSVGString();
	chart.dispose();
	return svg;
}
