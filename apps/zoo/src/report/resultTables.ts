import type { CocoStats, VariantResult } from '../run/types';
import type { PaperRow, SuiteSpec, TableSpec } from '../suites/types';

/** The six COCO columns of the paper's tables, in order. */
export const COLUMNS = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl'] as const;
const KEYS: readonly (keyof CocoStats)[] = ['ap', 'ap50', 'ap75', 'apSmall', 'apMedium', 'apLarge'];

/** One row of a {@link ResultTable}; numbers are AP in percent (the paper's unit). */
export interface ResultRow {
  readonly variant: string;
  readonly label: string;
  /** null: the variant has not finished (or has no masks for a mask table). */
  readonly values: readonly (number | null)[] | null;
  /** Differences from the first row, per column (null on the first row or where unknown). */
  readonly deltas: readonly (number | null)[];
  readonly paper: PaperRow | null;
  /** The paper's AP difference from its first row. */
  readonly paperDelta: number | null;
  /** Whether our AP moves the same way as the paper's against the first row. */
  readonly direction: 'agrees' | 'disagrees' | 'tie' | 'baseline' | 'n/a';
}

/** A suite table for one metric (box or mask), filled with results. */
export interface ResultTable {
  readonly id: string;
  readonly title: string;
  readonly paperTable: string;
  readonly metric: 'box' | 'mask';
  /** True for the metric the paper reports in this table. */
  readonly primary: boolean;
  readonly paperFinding: string;
  readonly rows: readonly ResultRow[];
}

function statsFor(result: VariantResult | undefined, metric: 'box' | 'mask'): readonly number[] | null {
  if (!result) return null;
  const s = metric === 'box' ? result.evaluation.box : result.evaluation.mask;
  if (!s) return null;
  // COCOeval writes -1 where a cell has no ground truth.
  return KEYS.map((k) => (s[k] < 0 ? Number.NaN : s[k] * 100));
}

/** Differences below this (AP points) count as a tie when comparing directions. */
export const TIE_TOLERANCE = 0.05;

function buildRows(
  spec: TableSpec,
  metric: 'box' | 'mask',
  results: ReadonlyMap<string, VariantResult>,
  usePaper: boolean,
  suite: SuiteSpec,
): ResultRow[] {
  const values = spec.rows.map((id) => statsFor(results.get(id), metric));
  const base = values[0];
  const basePaper = usePaper ? spec.paper[0] : null;
  return spec.rows.map((id, i) => {
    const v = values[i];
    const label = spec.rowLabels?.[i] ?? suite.variants.find((x) => x.id === id)?.label ?? id;
    const deltas = KEYS.map((_, c) =>
      i === 0 || !v || !base || !Number.isFinite(v[c]) || !Number.isFinite(base[c]) ? null : v[c] - base[c],
    );
    const paper = usePaper ? spec.paper[i] : null;
    const paperDelta = i > 0 && paper && basePaper ? paper.ap - basePaper.ap : null;
    let direction: ResultRow['direction'] = 'n/a';
    if (i === 0) direction = 'baseline';
    else if (deltas[0] !== null && paperDelta !== null) {
      if (Math.abs(deltas[0]) < TIE_TOLERANCE) direction = 'tie';
      else direction = Math.sign(deltas[0]) === Math.sign(paperDelta) ? 'agrees' : 'disagrees';
    }
    return { variant: id, label, values: v, deltas, paper, paperDelta, direction };
  });
}

/**
 * The suite's tables filled with finished results: for each table its primary metric (the one
 * the paper reports), followed by the other metric where the variants have it (box AP for mask
 * tables; mask AP for box tables whose variants all have masks).
 */
export function resultTables(suite: SuiteSpec, results: ReadonlyMap<string, VariantResult>): ResultTable[] {
  const out: ResultTable[] = [];
  for (const spec of suite.tables) {
    out.push({
      id: spec.id,
      title: spec.title,
      paperTable: spec.paperTable,
      metric: spec.metric,
      primary: true,
      paperFinding: spec.paperFinding,
      rows: buildRows(spec, spec.metric, results, true, suite),
    });
    const other = spec.metric === 'mask' ? 'box' : 'mask';
    const allMask = spec.rows.every(
      (id) => suite.variants.find((v) => v.id === id)?.build(suite.budget).kind === 'maskRcnn',
    );
    if (other === 'box' || allMask) {
      out.push({
        id: `${spec.id}-${other}`,
        title: `${spec.title.replace(/, (mask|box) AP/, '')}, ${other} AP`,
        paperTable: spec.paperTable,
        metric: other,
        primary: false,
        paperFinding: spec.paperFinding,
        rows: buildRows(spec, other, results, false, suite),
      });
    }
  }
  return out;
}
