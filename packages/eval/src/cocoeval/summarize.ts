import { numpySum } from './numpySum';
import type { CocoEvalResult, EvalParams, IouType } from './types';

interface SummaryLine {
  ap: boolean;
  iouThr?: number;
  areaRng: string;
  maxDets: number;
}

/** The rows of COCOeval's summary, in `stats` order (12 for bbox/segm, 10 for keypoints). */
function summaryLines(iouType: IouType, p: EvalParams): SummaryLine[] {
  if (iouType === 'keypoints') {
    return [
      { ap: true, areaRng: 'all', maxDets: 20 },
      { ap: true, iouThr: 0.5, areaRng: 'all', maxDets: 20 },
      { ap: true, iouThr: 0.75, areaRng: 'all', maxDets: 20 },
      { ap: true, areaRng: 'medium', maxDets: 20 },
      { ap: true, areaRng: 'large', maxDets: 20 },
      { ap: false, areaRng: 'all', maxDets: 20 },
      { ap: false, iouThr: 0.5, areaRng: 'all', maxDets: 20 },
      { ap: false, iouThr: 0.75, areaRng: 'all', maxDets: 20 },
      { ap: false, areaRng: 'medium', maxDets: 20 },
      { ap: false, areaRng: 'large', maxDets: 20 },
    ];
  }
  const [m0, m1, m2] = p.maxDets;
  return [
    { ap: true, areaRng: 'all', maxDets: 100 },
    { ap: true, iouThr: 0.5, areaRng: 'all', maxDets: m2 },
    { ap: true, iouThr: 0.75, areaRng: 'all', maxDets: m2 },
    { ap: true, areaRng: 'small', maxDets: m2 },
    { ap: true, areaRng: 'medium', maxDets: m2 },
    { ap: true, areaRng: 'large', maxDets: m2 },
    { ap: false, areaRng: 'all', maxDets: m0 },
    { ap: false, areaRng: 'all', maxDets: m1 },
    { ap: false, areaRng: 'all', maxDets: m2 },
    { ap: false, areaRng: 'small', maxDets: m2 },
    { ap: false, areaRng: 'medium', maxDets: m2 },
    { ap: false, areaRng: 'large', maxDets: m2 },
  ];
}

/** Mean of the cells > -1, in numpy's summation order; -1 when there are none. */
function meanValid(values: number[]): number {
  const v = values.filter((x) => x > -1);
  if (v.length === 0) return -1;
  return numpySum(v) / v.length;
}

function summaryValue(
  line: SummaryLine,
  p: EvalParams,
  counts: CocoEvalResult['counts'],
  precision: Float64Array,
  recall: Float64Array,
): number {
  const [T, R, K, A, M] = counts;
  const a = p.areaRngLbl.indexOf(line.areaRng);
  const m = p.maxDets.indexOf(line.maxDets);
  if (a < 0 || m < 0) return -1;
  const ts: number[] = [];
  for (let t = 0; t < T; t++) if (line.iouThr === undefined || p.iouThrs[t] === line.iouThr) ts.push(t);
  const vals: number[] = [];
  for (const t of ts) {
    if (line.ap) {
      for (let r = 0; r < R; r++)
        for (let k = 0; k < K; k++) vals.push(precision[(((t * R + r) * K + k) * A + a) * M + m]);
    } else {
      for (let k = 0; k < K; k++) vals.push(recall[((t * K + k) * A + a) * M + m]);
    }
  }
  return meanValid(vals);
}

/**
 * COCOeval's `stats` from accumulated arrays: AP/AR averaged over the cells that are not -1,
 * per pycocotools' `_summarizeDets` (12 values) or `_summarizeKps` (10 values).
 */
export function computeStats(
  iouType: IouType,
  p: EvalParams,
  counts: CocoEvalResult['counts'],
  precision: Float64Array,
  recall: Float64Array,
): number[] {
  return summaryLines(iouType, p).map((l) => summaryValue(l, p, counts, precision, recall));
}

/**
 * AP of category group `k` at IoU .50:.95, area `all`, the largest maxDets (the number
 * detectron2 reports per category): the mean of `precision[:, :, k, 0, -1]` over cells > -1,
 * or -1 when the category has no ground truth.
 */
export function categoryAp(counts: CocoEvalResult['counts'], precision: Float64Array, k: number): number {
  const [T, R, K, A, M] = counts;
  const vals: number[] = [];
  for (let t = 0; t < T; t++)
    for (let r = 0; r < R; r++) vals.push(precision[(((t * R + r) * K + k) * A + 0) * M + M - 1]);
  return meanValid(vals);
}

/**
 * Python's `'{:.Nf}'.format(x)`: like `toFixed`, except that an exact tie (possible for values
 * such as 0.0625) rounds to even, not up.
 */
export function formatFixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  if (!Number.isFinite(x)) return s;
  // toFixed(>= 20 digits) spells out the double's exact decimal value for the values we print.
  const exact = Math.abs(x).toFixed(Math.min(100, digits + 40));
  const dot = exact.indexOf('.');
  if (!/^50*$/.test(exact.slice(dot + 1 + digits))) return s;
  const kept = exact.slice(0, digits === 0 ? dot : dot + 1 + digits);
  const last = Number(kept[kept.length - 1]);
  if (last % 2 === 1) return s;
  return (x < 0 ? '-' : '') + kept;
}

/**
 * The summary pycocotools' `COCOeval.summarize()` prints, line for line, e.g.
 * ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.364`.
 */
export function summarize(result: Pick<CocoEvalResult, 'iouType' | 'params' | 'stats'>): string {
  const p = result.params;
  const lines = summaryLines(result.iouType, p);
  return lines
    .map((l, i) => {
      const title = (l.ap ? 'Average Precision' : 'Average Recall').padEnd(18);
      const type = l.ap ? '(AP)' : '(AR)';
      const iou =
        l.iouThr === undefined
          ? `${formatFixed(p.iouThrs[0], 2)}:${formatFixed(p.iouThrs[p.iouThrs.length - 1], 2)}`
          : formatFixed(l.iouThr, 2);
      const area = l.areaRng.padStart(6);
      const md = String(l.maxDets).padStart(3);
      return ` ${title} ${type} @[ IoU=${iou.padEnd(9)} | area=${area} | maxDets=${md} ] = ${formatFixed(result.stats[i], 3)}`;
    })
    .join('\n');
}
