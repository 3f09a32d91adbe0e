/**
 * Small SVG charts written as text, so that the report renders anywhere
 * (e-mail included) with no script and no network. Each returns an <svg>
 * element sized by its viewBox, which scales to the page's width.
 */
export interface Series {
  name: string;
  points: [number, number][];
  color: string;
  dashed?: boolean;
}

const W = 640;
const H = 300;
const M = { top: 20, right: 20, bottom: 44, left: 64 };
const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

function ticks(min: number, max: number, count = 5): number[] {
  if (max <= min) return [min];
  const step = Math.pow(10, Math.floor(Math.log10((max - min) / count)));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (max - min) / s <= count) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(min / nice) * nice; v <= max + 1e-9; v += nice) out.push(Number(v.toPrecision(10)));
  return out;
}

/** The axis's top: the first tick at or above the largest value, so that no bar or line rises above the last gridline. */
export function niceMax(min: number, max: number, count = 5): number {
  if (max <= min) return max;
  const step = Math.pow(10, Math.floor(Math.log10((max - min) / count)));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (max - min) / s <= count) ?? step * 10;
  return Number((Math.ceil(max / nice - 1e-9) * nice).toPrecision(10));
}

/** About how wide a legend label is at the charts' 11px font (a generous average glyph width, so that labels never touch). */
const labelWidth = (text: string) => text.length * 6.6;

/** Legend entries laid out left to right by their own widths, wrapping to a new line before the right edge. */
function legendLayout(names: string[]): { x: number; y: number }[] {
  let x = M.left + 8;
  let y = M.top;
  return names.map((name) => {
    const width = 16 + labelWidth(name) + 18;
    if (x + width > W - M.right && x > M.left + 8) {
      x = M.left + 8;
      y += 14;
    }
    const at = { x, y };
    x += width;
    return at;
  });
}

const fmt = (v: number, percent: boolean) => (percent ? `${Math.round(v * 100)}%` : Math.abs(v) >= 1000 ? `${Math.round(v / 1000)}k` : String(Number(v.toPrecision(3))));

function frame(title: string, xs: [number, number], ys: [number, number], o: { xPercent?: boolean; yPercent?: boolean; xLabel: string; yLabel: string; xTickLabels?: Map<number, string> }) {
  const x = (v: number) => M.left + ((v - xs[0]) / (xs[1] - xs[0] || 1)) * (W - M.left - M.right);
  const y = (v: number) => H - M.bottom - ((v - ys[0]) / (ys[1] - ys[0] || 1)) * (H - M.top - M.bottom);
  const grid = ticks(ys[0], ys[1]).map((t) => `<line x1="${M.left}" x2="${W - M.right}" y1="${y(t)}" y2="${y(t)}" stroke="#e3e6ee"/><text x="${M.left - 6}" y="${y(t) + 4}" text-anchor="end">${fmt(t, Boolean(o.yPercent))}</text>`).join('');
  const xt = o.xTickLabels
    ? [...o.xTickLabels.entries()].map(([v, label]) => `<text x="${x(v)}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(label)}</text>`).join('')
    : ticks(xs[0], xs[1]).map((t) => `<text x="${x(t)}" y="${H - M.bottom + 16}" text-anchor="middle">${fmt(t, Boolean(o.xPercent))}</text>`).join('');
  const head = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}" class="chart" font-family="system-ui,sans-serif" font-size="11" fill="#445">
<title>${esc(title)}</title>${grid}${xt}
<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#889"/>
<text x="${(M.left + W - M.right) / 2}" y="${H - 6}" text-anchor="middle">${esc(o.xLabel)}</text>
<text transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`;
  return { x, y, head };
}

/** Lines (or points) over a numeric x axis, with a legend. */
export function lineChart(title: string, series: Series[], o: { xLabel: string; yLabel: string; xPercent?: boolean; yPercent?: boolean; xRange?: [number, number]; yRange?: [number, number]; markers?: boolean }): string {
  const all = series.flatMap((s) => s.points);
  const xs: [number, number] = o.xRange ?? [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const low = Math.min(0, ...all.map((p) => p[1]));
  const ys: [number, number] = o.yRange ?? [low, niceMax(low, Math.max(...all.map((p) => p[1])))];
  const { x, y, head } = frame(title, xs, ys, o);
  const paths = series.map((s) => {
    const d = s.points.map(([px, py], i) => `${i ? 'L' : 'M'}${x(px).toFixed(1)} ${y(py).toFixed(1)}`).join(' ');
    const dots = o.markers ? s.points.map(([px, py]) => `<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3" fill="${s.color}"/>`).join('') : '';
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>${dots}`;
  }).join('');
  const places = legendLayout(series.map((s) => s.name));
  // A white backing keeps the labels readable where a line passes under them.
  const legend = series.map((s, i) => `<g transform="translate(${places[i]!.x} ${places[i]!.y})"><rect x="-3" y="-10" width="${(16 + labelWidth(s.name) + 6).toFixed(1)}" height="13" fill="#fff" fill-opacity="0.85"/><rect width="12" height="3" y="-4" fill="${s.color}"/><text x="16">${esc(s.name)}</text></g>`).join('');
  return `${head}${paths}${legend}</svg>`;
}

/** Vertical bars over categories (months, tiers). */
export function barChart(title: string, bars: { label: string; value: number; color?: string }[], o: { xLabel: string; yLabel: string; yPercent?: boolean; everyNthLabel?: number }): string {
  const low = Math.min(0, ...bars.map((b) => b.value));
  const ys: [number, number] = [low, niceMax(low, Math.max(1e-9, ...bars.map((b) => b.value)))];
  const n = bars.length;
  const labels = new Map(bars.flatMap((b, i) => (i % (o.everyNthLabel ?? 1) === 0 ? [[i + 0.5, b.label] as const] : [])));
  const { x, y, head } = frame(title, [0, n], ys, { ...o, xTickLabels: labels });
  const width = ((W - M.left - M.right) / n) * 0.8;
  const rects = bars.map((b, i) => {
    const top = y(Math.max(0, b.value));
    const h = Math.abs(y(b.value) - y(0));
    return `<rect x="${(x(i + 0.5) - width / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${width.toFixed(1)}" height="${h.toFixed(1)}" fill="${b.color ?? '#3b6fd6'}"><title>${esc(b.label)}: ${fmt(b.value, Boolean(o.yPercent))}</title></rect>`;
  }).join('');
  return `${head}${rects}</svg>`;
}
