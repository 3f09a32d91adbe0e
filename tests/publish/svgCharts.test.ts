import { expect, test } from 'vitest';
import { barChart, lineChart } from '../../pipeline/publish/svgCharts.js';

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
