import { expect, test } from 'vitest';
import { barChart, lineChart, niceMax } from '../../pipeline/publish/svgCharts.js';

test('charts are self-contained SVG with a title, their data drawn and text escaped', () => {
  const bars = barChart('Revenue <by> month', [{ label: '2026-01', value: 100 }, { label: '2026-02', value: -20 }, { label: 'a&b', value: 50 }], { xLabel: 'month', yLabel: 'revenue' });
  expect(bars.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(bars).toContain('<title>Revenue &lt;by&gt; month</title>');
  expect((bars.match(/<rect /g) ?? []).length).toBe(3);
  expect(bars).toContain('a&amp;b');
  const lines = lineChart('Gain', [{ name: 'model', color: '#000', points: [[0, 0], [0.5, 0.8], [1, 1]] }, { name: 'random', color: '#aaa', dashed: true, points: [[0, 0], [1, 1]] }],
    { xLabel: 'share', yLabel: 'caught', xPercent: true, yPercent: true, markers: true });
  expect((lines.match(/<path /g) ?? []).length).toBe(2);
  expect((lines.match(/<circle /g) ?? []).length).toBe(5);
  expect(lines).toContain('stroke-dasharray');
  expect(lines).toContain('>40%<');
  expect(lines).not.toMatch(/<script|http:\/\/(?!www\.w3\.org)/);
});

test('a bar chart\'s axis reaches past its tallest bar: a 70% bar stands under an 80% gridline, not above an axis stopping at 60%', () => {
  const bars = barChart('tiers', [{ label: 'tier 1', value: 0.7 }, { label: 'tier 2', value: 0.2 }], { xLabel: 'tier', yLabel: 'share', yPercent: true });
  const gridLabels = [...bars.matchAll(/text-anchor="end">(\d+)%</g)].map((m) => Number(m[1]));
  expect(Math.max(...gridLabels)).toBe(80);
  // The top gridline's y is at or above (smaller than) the tallest bar's top.
  const topGrid = Math.min(...[...bars.matchAll(/<line x1="64" x2="620" y1="([\d.]+)"/g)].map((m) => Number(m[1])));
  const tallest = Math.min(...[...bars.matchAll(/<rect x="[\d.]+" y="([\d.]+)"/g)].map((m) => Number(m[1])));
  expect(topGrid).toBeLessThanOrEqual(tallest);
  expect(niceMax(0, 0.7)).toBe(0.8);
  expect(niceMax(0, 0.6)).toBe(0.6);
  expect(niceMax(0, 1849)).toBe(2000);
});

test('legend labels are placed by their own widths and never overlap, wrapping before the right edge', () => {
  const names = ['mbgnbd_penalized (champion)', 'neural', 'rf_table', 'bgnbd_penalized_with_a_long_name', 'perfect'];
  const chart = lineChart('calibration', names.map((name, i) => ({ name, color: '#000', points: [[0, 0], [1, i / 4]] as [number, number][] })), { xLabel: 'x', yLabel: 'y', xRange: [0, 1], yRange: [0, 1] });
  const places = [...chart.matchAll(/<g transform="translate\(([\d.]+) ([\d.]+)\)">/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
  expect(places).toHaveLength(names.length);
  for (let i = 1; i < places.length; i++) {
    const [a, b] = [places[i - 1]!, places[i]!];
    // On one line, the next label starts after the previous one's text (its estimated width at 11px) ends.
    if (a.y === b.y) expect(b.x).toBeGreaterThanOrEqual(a.x + 16 + names[i - 1]!.length * 6.6);
    else expect(b.y).toBeGreaterThan(a.y);
  }
  for (const [i, p] of places.entries()) expect(p.x + 16 + names[i]!.length * 6.6).toBeLessThanOrEqual(640);
});
