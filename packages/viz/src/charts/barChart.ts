import { InputError } from '@rcnn/core';
import { escapeXml, formatTick, niceTicks, seriesColor } from './svg';

/** Input of {@link barChartSvg}: one bar per (category, series). */
export interface BarChartData {
  readonly title?: string;
  /** Categories along x, e.g. variant names. */
  readonly categories: readonly string[];
  /** One entry per bar colour, e.g. `box AP` and `mask AP`; `values[i]` belongs to `categories[i]`; `null` leaves a gap. */
  readonly series: readonly { readonly name: string; readonly values: readonly (number | null)[] }[];
  readonly yLabel?: string;
  /** Plot size in CSS pixels. Default 640 × 320. */
  readonly width?: number;
  readonly height?: number;
}

/**
 * A grouped bar chart as a self-contained SVG string (no scripts, no external fonts): categories
 * along x, one coloured bar per series, value labels on the bars, a legend, y from 0 (or the
 * lowest negative value) to the largest value.
 */
export function barChartSvg(data: BarChartData): string {
  const nc = data.categories.length;
  for (const s of data.series) {
    if (s.values.length !== nc) {
      throw new InputError(
        `series '${s.name}'`,
        `expected ${nc} values (one per category), got ${s.values.length}`,
      );
    }
  }
  const W = data.width ?? 640;
  const H = data.height ?? 320;
  const m = { top: data.title ? 34 : 14, right: 14, bottom: 64, left: 52 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const values = data.series.flatMap((s) =>
    s.values.filter((v): v is number => v !== null && Number.isFinite(v)),
  );
  const lo = Math.min(0, ...values);
  const hiRaw = Math.max(0, ...values);
  const hi = hiRaw > lo ? hiRaw : lo + 1;
  const ticks = niceTicks(lo, hi);
  const top = Math.max(hi, ticks[ticks.length - 1]);
  const bottom = Math.min(lo, ticks[0]);
  const y = (v: number) => m.top + ph - ((v - bottom) / (top - bottom)) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
  );
  if (data.title)
    parts.push(
      `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(data.title)}</text>`,
    );
  for (const t of ticks) {
    parts.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#ddd"/>`,
    );
    parts.push(
      `<text x="${m.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${formatTick(t)}</text>`,
    );
  }
  if (data.yLabel) {
    parts.push(
      `<text transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(data.yLabel)}</text>`,
    );
  }
  const ns = Math.max(1, data.series.length);
  const groupW = nc > 0 ? pw / nc : pw;
  const barW = (groupW * 0.8) / ns;
  data.categories.forEach((cat, i) => {
    const gx = m.left + i * groupW + groupW * 0.1;
    data.series.forEach((s, j) => {
      const v = s.values[i];
      if (v === null || !Number.isFinite(v)) return;
      const x = gx + j * barW;
      const y0 = y(Math.max(0, v));
      const hgt = Math.abs(y(v) - y(0));
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y0.toFixed(1)}" width="${Math.max(1, barW - 2).toFixed(1)}" height="${hgt.toFixed(1)}" fill="${seriesColor(j)}"><title>${escapeXml(`${cat} ${s.name}: ${v}`)}</title></rect>`,
      );
      parts.push(
        `<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y0 - 3).toFixed(1)}" text-anchor="middle" font-size="9">${formatTick(v)}</text>`,
      );
    });
    parts.push(
      `<text x="${(m.left + (i + 0.5) * groupW).toFixed(1)}" y="${m.top + ph + 16}" text-anchor="middle">${escapeXml(cat)}</text>`,
    );
  });
  parts.push(
    `<line x1="${m.left}" x2="${m.left + pw}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" stroke="#333"/>`,
  );
  data.series.forEach((s, j) => {
    const lx = m.left + j * 130;
    const ly = H - 18;
    parts.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${seriesColor(j)}"/>`);
    parts.push(`<text x="${lx + 14}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
