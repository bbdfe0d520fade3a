import { assertFinite, type BoxesInput, readBoxes, readValues, type ValuesInput } from './boxes/boxInput';
import { ConfigError } from './errors';

const f32 = Math.fround;

/** Options shared by {@link nms} and {@link batchedNms}. */
export interface NmsOptions {
  /** Drop boxes whose score is not strictly above this before NMS (default: keep all). */
  scoreThreshold?: number;
  /** Keep at most this many boxes, the highest-scoring survivors (default: all). */
  topK?: number;
}

/** Below this many candidates the plain quadratic loop beats building the spatial index. */
const GRID_MIN_CANDIDATES = 256;

function checkOptions(
  iouThreshold: number,
  options: NmsOptions,
): { scoreThreshold: number | null; topK: number } {
  if (typeof iouThreshold !== 'number' || Number.isNaN(iouThreshold)) {
    throw new ConfigError('iouThreshold', `must be a number, got ${iouThreshold}`);
  }
  const scoreThreshold = options.scoreThreshold ?? null;
  if (scoreThreshold != null && Number.isNaN(scoreThreshold)) {
    throw new ConfigError('scoreThreshold', 'must be a number, got NaN');
  }
  const topK = options.topK ?? Number.POSITIVE_INFINITY;
  if (!(topK >= 0) || (Number.isFinite(topK) && !Number.isInteger(topK))) {
    throw new ConfigError('topK', `must be a non-negative integer, got ${topK}`);
  }
  return { scoreThreshold, topK };
}

/**
 * Indices of the boxes with score strictly above `scoreThreshold` (all when null), in decreasing score order,
 * ties in increasing index order (torchvision's stable descending sort).
 *
 * Internal (not re-exported from the package): exported for tests. Up to `packedLimit` boxes
 * use a packed native sort; more fall back to a comparator sort with the same order.
 */
export function sortByScore(
  scores: Float32Array,
  scoreThreshold: number | null,
  packedLimit: number = 1 << 21,
): Int32Array {
  const n = scores.length;
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  if (n <= packedLimit) {
    // Pack (descending score, ascending index) into one exact float64 integer and sort natively:
    // 32 order-preserving bits of the float32 score above 21 bits of index.
    const keys = new Float64Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const s = scores[i];
      if (scoreThreshold != null && !(s > scoreThreshold)) continue;
      asFloat[0] = s + 0; // -0 sorts as +0
      const u = bits[0];
      const ordered = u & 0x80000000 ? ~u >>> 0 : (u | 0x80000000) >>> 0;
      keys[m++] = (0xffffffff - ordered) * 2097152 + i;
    }
    const sorted = keys.subarray(0, m).sort();
    const order = new Int32Array(m);
    for (let k = 0; k < m; k++) order[k] = sorted[k] % 2097152;
    return order;
  }
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (scoreThreshold == null || scores[i] > scoreThreshold) idx.push(i);
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return Int32Array.from(idx);
}

/** torchvision's CPU-kernel IoU test in float32: `inter / (areaA + areaB − inter) > threshold`. */
function iouAbove(
  ax1: number,
  ay1: number,
  ax2: number,
  ay2: number,
  areaA: number,
  bx1: number,
  by1: number,
  bx2: number,
  by2: number,
  areaB: number,
  threshold: number,
): boolean {
  const w = f32(Math.min(ax2, bx2) - Math.max(ax1, bx1));
  const h = f32(Math.min(ay2, by2) - Math.max(ay1, by1));
  const inter = w > 0 && h > 0 ? f32(w * h) : 0;
  return f32(inter / f32(f32(areaA + areaB) - inter)) > threshold;
}

/** One grid of {@link KeptBoxIndex}: boxes of one width class and one height class. */
interface SizeClassGrid {
  cellX: number;
  cellY: number;
  gx: number;
  gy: number;
  head: Int32Array;
  /** Entries, for a linear scan when a query covers more cells than there are entries. */
  members: number[];
}

/**
 * Kept boxes, bucketed by size class and position. `IoU > t` needs the intersection width to
 * exceed `t·max(widths)` (and likewise for heights), so two boxes can only suppress each other
 * when their widths are within a factor `1/t` and their left edges differ by less than
 * `(1 − t)·max(widths)` (likewise vertically); and their areas are within a factor `1/t`. Boxes
 * are grouped by width class and height class (powers of two), each group in a uniform grid
 * (cell = the class's largest side) keyed by the top-left corner, so a query scans the few
 * classes of compatible size and, in each, the few cells its corner window touches. `t` carries
 * a 1e-4 relative margin, far above float32 rounding, so every box torchvision's arithmetic would
 * find is checked; the exact test is {@link iouAbove}.
 */
class KeptBoxIndex {
  /** Class upper bounds: width class `a` holds widths in `(base·2^(a−1), base·2^a]`, `a = 0` from 0. */
  private readonly classX: number[] = [];
  private readonly classY: number[] = [];
  private readonly grids: (SizeClassGrid | undefined)[];
  private readonly x1: Float32Array;
  private readonly y1: Float32Array;
  private readonly x2: Float32Array;
  private readonly y2: Float32Array;
  private readonly area: Float32Array;
  private readonly next: Int32Array;
  private count = 0;

  constructor(
    private readonly minX: number,
    private readonly minY: number,
    private readonly extentX: number,
    private readonly extentY: number,
    baseCell: number,
    maxWidth: number,
    maxHeight: number,
    capacity: number,
  ) {
    for (let c = baseCell; ; c *= 2) {
      this.classX.push(c);
      if (c >= maxWidth) break;
    }
    for (let c = baseCell; ; c *= 2) {
      this.classY.push(c);
      if (c >= maxHeight) break;
    }
    this.grids = new Array(this.classX.length * this.classY.length);
    this.x1 = new Float32Array(capacity);
    this.y1 = new Float32Array(capacity);
    this.x2 = new Float32Array(capacity);
    this.y2 = new Float32Array(capacity);
    this.area = new Float32Array(capacity);
    this.next = new Int32Array(capacity);
  }

  private static classOf(bounds: number[], side: number): number {
    let a = 0;
    while (a < bounds.length - 1 && bounds[a] < side) a++;
    return a;
  }

  add(x1: number, y1: number, x2: number, y2: number, area: number): void {
    const a = KeptBoxIndex.classOf(this.classX, x2 - x1);
    const b = KeptBoxIndex.classOf(this.classY, y2 - y1);
    const key = a * this.classY.length + b;
    let grid = this.grids[key];
    if (grid == null) {
      const cellX = this.classX[a];
      const cellY = this.classY[b];
      const gx = Math.floor(this.extentX / cellX) + 1;
      const gy = Math.floor(this.extentY / cellY) + 1;
      grid = { cellX, cellY, gx, gy, head: new Int32Array(gx * gy).fill(-1), members: [] };
      this.grids[key] = grid;
    }
    const cx = Math.min(grid.gx - 1, Math.floor((x1 - this.minX) / grid.cellX));
    const cy = Math.min(grid.gy - 1, Math.floor((y1 - this.minY) / grid.cellY));
    const c = cy * grid.gx + cx;
    const e = this.count++;
    this.x1[e] = x1;
    this.y1[e] = y1;
    this.x2[e] = x2;
    this.y2[e] = y2;
    this.area[e] = area;
    this.next[e] = grid.head[c];
    grid.head[c] = e;
    grid.members.push(e);
  }

  /** Range of classes whose sides can be within a factor `1/t` of `side`. */
  private static classRange(bounds: number[], side: number, t: number): [number, number] {
    if (!(t > 0)) return [0, bounds.length - 1];
    return [KeptBoxIndex.classOf(bounds, side * t), KeptBoxIndex.classOf(bounds, side / t)];
  }

  /** Whether a kept box overlaps the query box with IoU above `threshold`. */
  suppresses(x1: number, y1: number, x2: number, y2: number, area: number, threshold: number): boolean {
    const { x1: ex1, y1: ey1, x2: ex2, y2: ey2, area: eArea, next } = this;
    const t = threshold > 0 ? threshold * (1 - 1e-4) : 0;
    const lo = t > 0 ? area * t : -Infinity;
    const hi = t > 0 ? area / t : Infinity;
    const w = x2 - x1;
    const h = y2 - y1;
    const [a0, a1] = KeptBoxIndex.classRange(this.classX, w, t);
    const [b0, b1] = KeptBoxIndex.classRange(this.classY, h, t);
    const nb = this.classY.length;
    for (let a = a0; a <= a1; a++) {
      for (let b = b0; b <= b1; b++) {
        const grid = this.grids[a * nb + b];
        if (grid == null) continue;
        const { cellX, cellY, gx, members } = grid;
        // Left edges of suppressors: within (1 − t)·max(widths) of ours (stored widths are at
        // most the cell), and able to reach us: after x1 − width, before x2. Likewise for y.
        const rx = (1 - t) * Math.max(w, cellX);
        const ry = (1 - t) * Math.max(h, cellY);
        const cx0 = Math.max(0, Math.floor((x1 - Math.min(rx, cellX) - this.minX) / cellX));
        const cy0 = Math.max(0, Math.floor((y1 - Math.min(ry, cellY) - this.minY) / cellY));
        const cx1 = Math.min(gx - 1, Math.floor((Math.min(x1 + rx, x2) - this.minX) / cellX));
        const cy1 = Math.min(grid.gy - 1, Math.floor((Math.min(y1 + ry, y2) - this.minY) / cellY));
        if ((cx1 - cx0 + 1) * (cy1 - cy0 + 1) > members.length) {
          for (let q = 0; q < members.length; q++) {
            const e = members[q];
            if (eArea[e] < lo || eArea[e] > hi) continue;
            if (iouAbove(ex1[e], ey1[e], ex2[e], ey2[e], eArea[e], x1, y1, x2, y2, area, threshold))
              return true;
          }
          continue;
        }
        const head = grid.head;
        for (let cy = cy0; cy <= cy1; cy++) {
          for (let cx = cx0; cx <= cx1; cx++) {
            for (let e = head[cy * gx + cx]; e >= 0; e = next[e]) {
              if (eArea[e] < lo || eArea[e] > hi) continue;
              if (iouAbove(ex1[e], ey1[e], ex2[e], ey2[e], eArea[e], x1, y1, x2, y2, area, threshold))
                return true;
            }
          }
        }
      }
    }
    return false;
  }
}

/**
 * Greedy NMS over `order` (candidate indices, best first): a candidate is kept unless a kept box
 * overlaps it with IoU strictly above `iouThreshold`. IoU uses torchvision's float32 arithmetic,
 * so the kept set is the one torchvision's CPU kernel returns. A spatial index of kept boxes
 * limits each check to boxes that can overlap; the result is the same as the quadratic loop.
 */
function greedyNms(b: Float32Array, order: Int32Array, iouThreshold: number, topK: number): Int32Array {
  const m = order.length;
  const limit = Math.min(m, topK);
  const kept = new Int32Array(limit);
  if (limit === 0) return kept;
  const area = (i: number) => f32(f32(b[4 * i + 2] - b[4 * i]) * f32(b[4 * i + 3] - b[4 * i + 1]));
  let nKept = 0;
  // With a negative threshold even disjoint boxes suppress each other (IoU 0 > threshold), so
  // the spatial early-out does not apply.
  if (m < GRID_MIN_CANDIDATES || iouThreshold < 0) {
    for (let k = 0; k < m && nKept < limit; k++) {
      const j = order[k];
      const aj = area(j);
      let keep = true;
      for (let q = 0; q < nKept && keep; q++) {
        const i = kept[q];
        const [x1, y1, x2, y2] = [b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]];
        if (
          iouAbove(
            x1,
            y1,
            x2,
            y2,
            area(i),
            b[4 * j],
            b[4 * j + 1],
            b[4 * j + 2],
            b[4 * j + 3],
            aj,
            iouThreshold,
          )
        ) {
          keep = false;
        }
      }
      if (keep) kept[nKept++] = j;
    }
    return kept.slice(0, nKept);
  }

  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  let maxWidth = 0;
  let maxHeight = 0;
  for (let k = 0; k < m; k++) {
    const i = order[k];
    minX = Math.min(minX, b[4 * i]);
    minY = Math.min(minY, b[4 * i + 1]);
    maxX = Math.max(maxX, b[4 * i + 2]);
    maxY = Math.max(maxY, b[4 * i + 3]);
    maxWidth = Math.max(maxWidth, b[4 * i + 2] - b[4 * i]);
    maxHeight = Math.max(maxHeight, b[4 * i + 3] - b[4 * i + 1]);
  }
  const extentX = Math.max(maxX - minX, 0);
  const extentY = Math.max(maxY - minY, 0);
  // The finest grid has about 4 cells per candidate, so every table stays O(m).
  const baseCell = Math.max(
    Math.sqrt((extentX * extentY) / (4 * m)),
    Math.max(extentX, extentY) / 4096,
    1e-3,
  );
  const index = new KeptBoxIndex(minX, minY, extentX, extentY, baseCell, maxWidth, maxHeight, limit);
  for (let k = 0; k < m && nKept < limit; k++) {
    const j = order[k];
    const x1 = b[4 * j];
    const y1 = b[4 * j + 1];
    const x2 = b[4 * j + 2];
    const y2 = b[4 * j + 3];
    // Boxes with positive intersection overlap spatially; empty boxes intersect nothing (their
    // IoU is 0 or NaN, never above a non-negative threshold), so they are kept and not indexed.
    if (!(x2 > x1 && y2 > y1)) {
      kept[nKept++] = j;
      continue;
    }
    const aj = area(j);
    if (index.suppresses(x1, y1, x2, y2, aj, iouThreshold)) continue;
    kept[nKept++] = j;
    index.add(x1, y1, x2, y2, aj);
  }
  return kept.slice(0, nKept);
}

/**
 * Non-maximum suppression with torchvision's semantics: boxes are visited in decreasing score
 * order (ties in increasing index order) and a box is dropped when a kept box overlaps it with
 * IoU strictly greater than `iouThreshold`. IoU is computed in float32 as torchvision's CPU
 * kernel does, so boxes exactly at the threshold are kept. Zero-area boxes suppress nothing.
 *
 * NMS is bookkeeping (no gradient), so it runs on typed arrays: tensors are read synchronously
 * and nothing is allocated on the tfjs backend. Wrap the result with `tf.tensor1d(keep,
 * 'int32')` if a tensor is needed.
 *
 * @param boxes `[N,4]` (x1, y1, x2, y2) in pixels: a tensor, a flat array of `4N` or rows.
 * @param scores `[N]` scores (any scale, ±Infinity allowed, NaN rejected; only the order matters).
 * @param iouThreshold boxes with IoU above this to a kept box are suppressed.
 * @returns indices of the kept boxes, `Int32Array`, in decreasing score order.
 */
export function nms(
  boxes: BoxesInput,
  scores: ValuesInput,
  iouThreshold: number,
  options: NmsOptions = {},
): Int32Array {
  const { scoreThreshold, topK } = checkOptions(iouThreshold, options);
  const b = readBoxes('boxes', boxes);
  const s = readValues('scores', scores, b.length / 4);
  assertFinite('boxes', b);
  assertFinite('scores', s, 1, true);
  return greedyNms(b, sortByScore(s, scoreThreshold), iouThreshold, topK);
}

/**
 * Per-class NMS: boxes of different classes never suppress each other. Same semantics and
 * options as {@link nms}; `topK` caps the total over all classes. torchvision offsets each
 * class's boxes by `classId·(max + 1)` below 1000 boxes, which perturbs float32 IoU near the
 * threshold; here IoU is always computed on the original coordinates, as torchvision's
 * per-class path (`_batched_nms_vanilla`) does.
 *
 * @param boxes `[N,4]` (x1, y1, x2, y2) in pixels.
 * @param scores `[N]` scores.
 * @param classIds `[N]` integer class of each box (any integers).
 * @returns kept indices, `Int32Array`, in decreasing score order (ties by index) over all classes.
 */
export function batchedNms(
  boxes: BoxesInput,
  scores: ValuesInput,
  classIds: ValuesInput,
  iouThreshold: number,
  options: NmsOptions = {},
): Int32Array {
  const { scoreThreshold, topK } = checkOptions(iouThreshold, options);
  const b = readBoxes('boxes', boxes);
  const n = b.length / 4;
  const s = readValues('scores', scores, n);
  const c = readValues('classIds', classIds, n, true);
  assertFinite('boxes', b);
  assertFinite('scores', s, 1, true);
  const order = sortByScore(s, scoreThreshold);
  // rank[i]: position of box i in the global order, used to merge the per-class results.
  const rank = new Int32Array(n);
  const byClass = new Map<number, number[]>();
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    rank[i] = k;
    let list = byClass.get(c[i]);
    if (list == null) byClass.set(c[i], (list = []));
    list.push(i);
  }
  const keptRanks: number[] = [];
  for (const list of byClass.values()) {
    for (const i of greedyNms(b, Int32Array.from(list), iouThreshold, topK)) keptRanks.push(rank[i]);
  }
  const ranks = Int32Array.from(keptRanks).sort();
  const count = Math.min(ranks.length, topK);
  const out = new Int32Array(count);
  for (let k = 0; k < count; k++) out[k] = order[ranks[k]];
  return out;
}
