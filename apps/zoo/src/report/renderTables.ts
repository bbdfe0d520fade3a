import { COLUMNS, type ResultRow, type ResultTable } from './resultTables';

/** `30.3`, or `–` when unknown. */
export function formatAp(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(1);
}

/** A signed difference as the paper prints it: `+5.5`, `-0.6`. */
export function formatDelta(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '';
  const r = Math.round(v * 10) / 10;
  return `${r >= 0 ? '+' : ''}${r.toFixed(1)}`;
}

function cell(row: ResultRow, c: number): string {
  if (!row.applicable) return '–';
  if (!row.values) return 'pending';
  const d = formatDelta(row.deltas[c]);
  return d ? `${formatAp(row.values[c])} (${d})` : formatAp(row.values[c]);
}

function paperCell(row: ResultRow): string {
  if (!row.paper) return '–';
  const d = formatDelta(row.paperDelta);
  return d ? `${formatAp(row.paper.ap)} (${d})` : formatAp(row.paper.ap);
}

function heading(t: ResultTable): string {
  return `${t.title}${t.primary ? ` — cf. ${t.paperTable}` : ''}`;
}

/** The headers and cells of a table as strings (shared by text and Markdown). */
function grid(t: ResultTable): { header: string[]; body: string[][] } {
  const name = t.metric === 'keypoints' ? 'kp' : t.metric;
  const header = ['variant', ...COLUMNS.map((c) => `${name} ${c}`)];
  if (t.speed) header.push('s/image');
  if (t.primary) header.push('paper AP', 'direction');
  const body = t.rows.map((r) => {
    const cells = [r.label, ...COLUMNS.map((_, c) => cell(r, c))];
    if (t.speed) cells.push(r.secondsPerImage === null ? 'pending' : r.secondsPerImage.toFixed(2));
    if (t.primary) cells.push(paperCell(r), r.direction);
    return cells;
  });
  return { header, body };
}

/** Tables as aligned plain text for the terminal. */
export function tablesToText(tables: readonly ResultTable[]): string {
  return tables
    .map((t) => {
      const { header, body } = grid(t);
      const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
      const fmt = (cells: string[]) =>
        cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  ');
      const lines = [heading(t), fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt)];
      if (t.primary) lines.push(`paper: ${t.paperFinding}`);
      return lines.join('\n');
    })
    .join('\n\n');
}

/** Tables as GitHub Markdown (a `###` heading each). */
export function tablesToMarkdown(tables: readonly ResultTable[]): string {
  return tables
    .map((t) => {
      const { header, body } = grid(t);
      const esc = (s: string) => s.replaceAll('|', '\\|');
      const lines = [
        `### ${esc(heading(t))}`,
        '',
        `| ${header.map(esc).join(' | ')} |`,
        `|${header.map((_, c) => (c === 0 ? '---' : '---:')).join('|')}|`,
        ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
      ];
      if (t.primary) lines.push('', `Paper: ${t.paperFinding}.`);
      return lines.join('\n');
    })
    .join('\n\n');
}
