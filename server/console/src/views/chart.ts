// A bar chart of sales and refunds per day in plain SVG: at most 30 days of two series need no library, and
// building it with createElementNS keeps the console's CSP (no inline style or script, Trusted Types) intact.
import type { DashboardDay } from '../../../../shared/api';

const NS = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

export interface ChartText {
  label: string; // the chart's accessible name
  sales: string;
  refunds: string;
  format(minor: number): string;
  day(date: string): string; // a short date for the axis
}

/** Grouped bars (sales, refunds) per day, scaled to the highest figure; each bar has a tooltip. */
export function salesChart(days: DashboardDay[], text: ChartText): SVGSVGElement {
  const W = 720;
  const H = 240;
  const left = 8;
  const right = 8;
  const top = 24;
  const bottom = 28;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const max = Math.max(1, ...days.map((d) => Math.max(d.sales, d.refunds)));
  const slot = plotW / Math.max(1, days.length);
  const bar = Math.max(2, Math.min(28, slot * 0.38));
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': text.label,
    class: 'chart',
    'data-testid': 'dashboard-chart',
  });
  root.append(svg('title', {}, text.label));
  // Grid: the top (highest day) and the baseline.
  root.append(svg('line', { x1: left, x2: W - right, y1: top, y2: top, class: 'grid' }));
  root.append(svg('line', { x1: left, x2: W - right, y1: top + plotH, y2: top + plotH, class: 'axis' }));
  root.append(svg('text', { x: left, y: top - 8, class: 'chart-label' }, text.format(max)));
  days.forEach((d, i) => {
    const x0 = left + i * slot + (slot - 2 * bar - 2) / 2;
    const rect = (v: number, x: number, cls: string, name: string) =>
      svg(
        'rect',
        {
          x: x.toFixed(1),
          y: y(v).toFixed(1),
          width: bar.toFixed(1),
          height: Math.max(v > 0 ? 1 : 0, top + plotH - y(v)).toFixed(1),
          class: cls,
          'data-date': d.date,
        },
        svg('title', {}, `${text.day(d.date)} · ${name}: ${text.format(v)}`),
      );
    root.append(rect(d.sales, x0, 'bar-sales', text.sales), rect(d.refunds, x0 + bar + 2, 'bar-refunds', text.refunds));
    // Axis labels: every day up to 7, otherwise about every fifth day and the last one.
    const every = days.length <= 7 ? 1 : 5;
    if (i % every === 0 || i === days.length - 1) {
      root.append(
        svg(
          'text',
          { x: (left + i * slot + slot / 2).toFixed(1), y: H - 8, class: 'chart-label', 'text-anchor': 'middle' },
          text.day(d.date),
        ),
      );
    }
  });
  return root;
}
