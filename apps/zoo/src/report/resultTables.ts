import type { CocoStats, VariantResult } from '../run/types';
import type { Metric, PaperRow, SuiteSpec, TableSpec } from '../suites/types';

/** The six COCO columns of the paper's tables, in order. */
export const COLUMNS = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl'] as const;
const KEYS: readonly (keyof CocoStats)[] = ['ap', 'ap50', 'ap75', 'apSmall', 'apMedium', 'apLarge'];

/** One row of a {@link ResultTable}; numbers are AP in percent (the paper's unit). */
export interface ResultRow {
  readonly variant: string;
  readonly label: string;
  /** null: the variant has not finished, or has no such branch (see `applicable`). */
  readonly values: readonly (number | null)[] | null;
  /** False when the variant cannot have this metric (no mask or keypoint branch). */
  readonly applicable: boolean;
  /** Inference seconds per val image (proposals included), for tables with a speed column. */
  readonly secondsPerImage: number | null;
  /** Differences from the first row, per column (null on the first row or where unknown). */
  readonly deltas: readonly (number | null)[];
  readonly paper: PaperRow | null;
  /** The paper's AP difference from its first row. */
  readonly paperDelta: number | null;
  /** Whether our AP moves the same way as the paper's against the first row. */
  readonly direction: 'agrees' | 'disagrees' | 'tie' | 'baseline' | 'n/a';
}

/** A suite table for one metric (box, mask or keypoints), filled with results. */
export interface ResultTable {
  readonly id: string;
  readonly title: string;
  readonly paperTable: string;
  readonly metric: Metric;
  /** Whether rows carry {@link ResultRow.secondsPerImage}. */
  readonly speed: boolean;
  /** True for the metric the paper reports in this table. */
  readonly primary: boolean;
  readonly paperFinding: string;
  readonly rows: readonly ResultRow[];
}

function statsFor(result: VariantResult | undefined, metric: Metric): readonly number[] | null {
  if (!result) return null;
  const e = result.evaluation;
  const s = metric === 'box' ? e.box : metric === 'mask' ? e.mask : (e.keypoints ?? null);
  if (!s) return null;
  // COCOeval writes -1 where a cell has no ground truth.
  return KEYS.map((k) => (s[k] < 0 ? Number.NaN : s[k] * 100));
}

/** Differences below this (AP points) count as a tie when comparing directions. */
export const TIE_TOLERANCE = 0.05;

/** Whether a variant's detector has the branch a metric needs. */
function hasMetric(suite: SuiteSpec, id: string, metric: Metric): boolean {
  if (metric === 'box') return true;
  const config = suite.variants.find((v) => v.id === id)?.build(suite.budget);
  return metric === 'mask' ? config?.mask !== undefined : config?.keypoint !== undefined;
}

function buildRows(
  spec: TableSpec,
  metric: Metric,
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
    const result = results.get(id);
    const seconds = result?.evaluation.predictSeconds;
    const secondsPerImage =
      result && seconds !== undefined && result.evaluation.images > 0
        ? seconds / result.evaluation.images
        : null;
    return {
      variant: id,
      label,
      values: v,
      applicable: hasMetric(suite, id, metric),
      secondsPerImage,
      deltas,
      paper,
      paperDelta,
      direction,
    };
  });
}

/**
 * The suite's tables filled with finished results: for each table its primary metric (the one
 * the paper reports), followed by each other metric (box, mask, keypoints) that at least one of
 * its variants has; rows without that branch show as not applicable.
 */
export function resultTables(suite: SuiteSpec, results: ReadonlyMap<string, VariantResult>): ResultTable[] {
  const out: ResultTable[] = [];
  for (const spec of suite.tables) {
    out.push({
      id: spec.id,
      title: spec.title,
      paperTable: spec.paperTable,
      metric: spec.metric,
      speed: spec.speed ?? false,
      primary: true,
      paperFinding: spec.paperFinding,
      rows: buildRows(spec, spec.metric, results, true, suite),
    });
    const others = (['box', 'mask', 'keypoints'] as const).filter(
      (m) => m !== spec.metric && spec.rows.some((id) => hasMetric(suite, id, m)),
    );
    for (const other of others) {
      out.push({
        id: `${spec.id}-${other}`,
        title: `${spec.title.replace(/, (mask|box|keypoint) AP/, '')}, ${other === 'keypoints' ? 'keypoint' : other} AP`,
        paperTable: spec.paperTable,
        metric: other,
        speed: false,
        primary: false,
        paperFinding: spec.paperFinding,
        rows: buildRows(spec, other, results, false, suite),
      });
    }
  }
  return out;
}
