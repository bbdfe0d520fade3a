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

/** Below this many candidates the plain quadratic loop beats building the spatial grid. */
const GRID_MIN_CANDIDATES = 512;
/** A box spanning more grid cells than this is checked against every candidate instead. */
const LARGE_BOX_CELLS = 16;

function checkOptions(iouThreshold: number, options: NmsOptions): { scoreThreshold: number; topK: number } {
  if (typeof iouThreshold !== 'number' || Number.isNaN(iouThreshold)) {
    throw new ConfigError('iouThreshold', `must be a number, got ${iouThreshold}`);
  }
  const scoreThreshold = options.scoreThreshold ?? Number.NEGATIVE_INFINITY;
  if (Number.isNaN(scoreThreshold)) throw new ConfigError('scoreThreshold', 'must be a number, got NaN');
  const topK = options.topK ?? Number.POSITIVE_INFINITY;
  if (!(topK >= 0) || (Number.isFinite(topK) && !Number.isInteger(topK))) {
    throw new ConfigError('topK', `must be a non-negative integer, got ${topK}`);
  }
  return { scoreThreshold, topK };
}

/**
 * Indices of the boxes with score strictly above `scoreThreshold`, in decreasing score order,
 * ties in increasing index order (torchvision's stable descending sort).
 */
function sortByScore(scores: Float32Array, scoreThreshold: number): Int32Array {
  const n = scores.length;
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  if (n <= 1 << 21) {
    // Pack (descending score, ascending index) into one exact float64 integer and sort natively:
    // 32 order-preserving bits of the float32 score above 21 bits of index.
    const keys = new Float64Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const s = scores[i];
      if (!(s > scoreThreshold)) continue;
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
  for (let i = 0; i < n; i++) if (scores[i] > scoreThreshold) idx.push(i);
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return Int32Array.from(idx);
}

/**
 * Greedy NMS over `order` (candidate indices, best first): a candidate is kept unless a kept box
 * overlaps it with IoU strictly above `iouThreshold`. IoU uses torchvision's float32 arithmetic,
 * so the kept set is the one torchvision's CPU kernel returns. A uniform grid of kept boxes
 * limits each check to nearby boxes; the result is the same as the quadratic loop.
 */
function greedyNms(b: Float32Array, order: Int32Array, iouThreshold: number, topK: number): Int32Array {
  const m = order.length;
  const limit = Math.min(m, topK);
  const kept = new Int32Array(limit);
  if (limit === 0) return kept;
  const area = new Float32Array(b.length / 4);
  for (let k = 0; k < m; k++) {
    const i = order[k];
    area[i] = f32(f32(b[4 * i + 2] - b[4 * i]) * f32(b[4 * i + 3] - b[4 * i + 1]));
  }
  const suppressedBy = (i: number, j: number): boolean => {
    const w = f32(Math.min(b[4 * i + 2], b[4 * j + 2]) - Math.max(b[4 * i], b[4 * j]));
    const h = f32(Math.min(b[4 * i + 3], b[4 * j + 3]) - Math.max(b[4 * i + 1], b[4 * j + 1]));
    const inter = w > 0 && h > 0 ? f32(w * h) : 0;
    return f32(inter / f32(f32(area[i] + area[j]) - inter)) > iouThreshold;
  };
  let nKept = 0;
  // With a negative threshold even disjoint boxes suppress each other (IoU 0 > threshold), so
  // the spatial early-out does not apply.
  if (m < GRID_MIN_CANDIDATES || iouThreshold < 0) {
    for (let k = 0; k < m && nKept < limit; k++) {
      const j = order[k];
      let keep = true;
      for (let q = 0; q < nKept; q++) {
        if (suppressedBy(kept[q], j)) {
          keep = false;
          break;
        }
      }
      if (keep) kept[nKept++] = j;
    }
    return kept.slice(0, nKept);
  }

  // Grid over the candidates' extent; the cell side is the mean box side, so a typical box
  // touches about four cells.
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  let sumSide = 0;
  for (let k = 0; k < m; k++) {
    const i = order[k];
    const x1 = b[4 * i];
    const y1 = b[4 * i + 1];
    const x2 = b[4 * i + 2];
    const y2 = b[4 * i + 3];
    if (x1 < minX) minX = x1;
    if (y1 < minY) minY = y1;
    if (x2 > maxX) maxX = x2;
    if (y2 > maxY) maxY = y2;
    sumSide += Math.max(0, x2 - x1) + Math.max(0, y2 - y1);
  }
  const extent = Math.max(maxX - minX, maxY - minY, 1e-6);
  let cell = Math.max(sumSide / (2 * m), extent / 1024, 1e-6);
  if (!Number.isFinite(cell)) cell = extent;
  const gx = Math.min(1024, Math.floor((maxX - minX) / cell) + 1);
  const gy = Math.min(1024, Math.floor((maxY - minY) / cell) + 1);
  const cellX = (x: number) => Math.min(gx - 1, Math.max(0, Math.floor((x - minX) / cell)));
  const cellY = (y: number) => Math.min(gy - 1, Math.max(0, Math.floor((y - minY) / cell)));
  const head = new Int32Array(gx * gy).fill(-1);
  let entryBox = new Int32Array(4 * limit + 16);
  let entryNext = new Int32Array(4 * limit + 16);
  let nEntries = 0;
  const large: number[] = [];
  const stamp = new Int32Array(b.length / 4).fill(-1);

  for (let k = 0; k < m && nKept < limit; k++) {
    const j = order[k];
    const x1 = b[4 * j];
    const y1 = b[4 * j + 1];
    const x2 = b[4 * j + 2];
    const y2 = b[4 * j + 3];
    const cx0 = cellX(x1);
    const cx1 = cellX(x2);
    const cy0 = cellY(y1);
    const cy1 = cellY(y2);
    const cells = (cx1 - cx0 + 1) * (cy1 - cy0 + 1);
    let keep = true;
    for (let q = 0; q < large.length && keep; q++) if (suppressedBy(large[q], j)) keep = false;
    if (keep && x2 > x1 && y2 > y1) {
      // Boxes with positive intersection share a cell; empty boxes intersect nothing.
      if (cells > LARGE_BOX_CELLS) {
        for (let q = 0; q < nKept && keep; q++) if (suppressedBy(kept[q], j)) keep = false;
      } else {
        for (let cy = cy0; cy <= cy1 && keep; cy++) {
          for (let cx = cx0; cx <= cx1 && keep; cx++) {
            for (let e = head[cy * gx + cx]; e >= 0; e = entryNext[e]) {
              const i = entryBox[e];
              if (stamp[i] === k) continue;
              stamp[i] = k;
              if (suppressedBy(i, j)) {
                keep = false;
                break;
              }
            }
          }
        }
      }
    }
    if (!keep) continue;
    kept[nKept++] = j;
    if (!(x2 > x1 && y2 > y1)) continue;
    if (cells > LARGE_BOX_CELLS) {
      large.push(j);
      continue;
    }
    if (nEntries + cells > entryBox.length) {
      const grow = (a: Int32Array) => {
        const next = new Int32Array(Math.max(2 * a.length, nEntries + cells));
        next.set(a);
        return next;
      };
      entryBox = grow(entryBox);
      entryNext = grow(entryNext);
    }
    for (let cy = cy0; cy <= cy1; cy++) {
      for (let cx = cx0; cx <= cx1; cx++) {
        const c = cy * gx + cx;
        entryBox[nEntries] = j;
        entryNext[nEntries] = head[c];
        head[c] = nEntries++;
      }
    }
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
 * @param scores `[N]` scores (any real scale; only the order matters).
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
  assertFinite('scores', s);
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
  assertFinite('scores', s);
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
