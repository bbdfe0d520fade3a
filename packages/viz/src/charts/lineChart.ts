import { InputError } from '@rcnn/core';
import { escapeXml, formatTick, niceTicks, seriesColor } from './svg';

/** Input of {@link lineChartSvg}. */
export interface LineChartData {
  readonly title?: string;
  /** One polyline per series; points are `[x, y]`, sorted by x. Non-finite points are skipped. */
  readonly series: readonly {
    readonly name: string;
    readonly points: readonly (readonly [number, number])[];
  }[];
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Plot the y axis on a log10 scale (positive values only). Default false. */
  readonly logY?: boolean;
  /** Plot size in CSS pixels. Default 640 × 320. */
  readonly width?: number;
  readonly height?: number;
}

/** Ticks at 1, 2 and 5 × 10^k between 10^lo and 10^hi, as log10 values (plain ticks when too few). */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
    for (const m of [1, 2, 5]) {
      const t = Math.log10(m * 10 ** k);
      if (t >= lo - 1e-9 && t <= hi + 1e-9) out.push(t);
    }
  }
  return out.length >= 2 ? out : niceTicks(lo, hi);
}

/**
 * A line chart (e.g. training loss against iteration, one line per variant) as a self-contained
 * SVG string with axes, ticks and a legend.
 */
export function lineChartSvg(data: LineChartData): string {
  const W = data.width ?? 640;
  const H = data.height ?? 320;
  const legendRows = Math.ceil(data.series.length / 4);
  const m = { top: data.title ? 34 : 14, right: 14, bottom: 46 + 14 * Math.max(1, legendRows), left: 56 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const ty = (v: number) => (data.logY ? Math.log10(v) : v);
  const pts = data.series.map((s) =>
    s.points.filter(([x, v]) => Number.isFinite(x) && Number.isFinite(v) && (!data.logY || v > 0)),
  );
  for (const s of data.series) {
    for (const p of s.points) {
      if (p.length !== 2) throw new InputError(`series '${s.name}'`, 'every point must be [x, y]');
    }
  }
  const all = pts.flat();
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => ty(p[1]));
  let x0 = xs.length ? Math.min(...xs) : 0;
  let x1 = xs.length ? Math.max(...xs) : 1;
  let y0 = ys.length ? Math.min(...ys) : 0;
  let y1 = ys.length ? Math.max(...ys) : 1;
  if (!(x1 > x0)) x1 = x0 + 1;
  if (!(y1 > y0)) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  if (!data.logY && y0 > 0) y0 = 0;
  const xt = niceTicks(x0, x1);
  const yt = data.logY ? logTicks(y0, y1) : niceTicks(y0, y1);
  x0 = Math.min(x0, xt[0]);
  y0 = Math.min(y0, yt[0]);
  y1 = Math.max(y1, yt[yt.length - 1]);
  const px = (x: number) => m.left + ((x - x0) / (x1 - x0)) * pw;
  const py = (v: number) => m.top + ph - ((v - y0) / (y1 - y0)) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
  );
  if (data.title)
    parts.push(
      `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(data.title)}</text>`,
    );
  for (const t of yt) {
    if (t < y0 || t > y1) continue;
    const label = data.logY ? formatTick(10 ** t) : formatTick(t);
    parts.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#ddd"/>`,
    );
    parts.push(`<text x="${m.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${label}</text>`);
  }
  for (const t of xt) {
    if (t < x0 || t > x1) continue;
    parts.push(
      `<text x="${px(t).toFixed(1)}" y="${m.top + ph + 16}" text-anchor="middle">${formatTick(t)}</text>`,
    );
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  if (data.xLabel)
    parts.push(
      `<text x="${m.left + pw / 2}" y="${m.top + ph + 32}" text-anchor="middle">${escapeXml(data.xLabel)}</text>`,
    );
  if (data.yLabel) {
    parts.push(
      `<text transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(data.yLabel)}</text>`,
    );
  }
  pts.forEach((points, j) => {
    if (points.length === 0) return;
    const d = points
      .map(([x, v], k) => `${k === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(ty(v)).toFixed(1)}`)
      .join(' ');
    parts.push(
      `<path d="${d}" fill="none" stroke="${seriesColor(j)}" stroke-width="1.5"><title>${escapeXml(data.series[j].name)}</title></path>`,
    );
  });
  data.series.forEach((s, j) => {
    const lx = m.left + (j % 4) * 150;
    const ly = m.top + ph + 52 + Math.floor(j / 4) * 14;
    parts.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${seriesColor(j)}"/>`);
    parts.push(`<text x="${lx + 14}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
