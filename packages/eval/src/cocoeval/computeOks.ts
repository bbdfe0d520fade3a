import { numpySum } from './numpySum';
import type { AnnotationTable } from './prepare';

/** `np.spacing(1)`: the gap between 1 and the next float64. */
const EPS = 2.220446049250313e-16;

/**
 * Object keypoint similarity between one group's detections (score order, truncated) and its
 * ground truths, into `out[d * G + g]`, as pycocotools' `computeOks`:
 * `OKS = mean over labelled keypoints of exp(-d² / (2 · area · (2σ)²))`, with `area` the ground
 * truth's stored area (+ eps). A ground truth with no labelled keypoint measures the detection's
 * distance to a box twice the size of its own `bbox`, over all keypoints.
 */
export function computeOks(
  sigmas: readonly number[],
  dt: AnnotationTable,
  dts: ArrayLike<number>,
  gt: AnnotationTable,
  gts: ArrayLike<number>,
  out: Float64Array,
): void {
  const K = sigmas.length;
  const vars = new Float64Array(K);
  for (let k = 0; k < K; k++) vars[k] = sigmas[k] * 2 * (sigmas[k] * 2);
  const e = new Float64Array(K);
  const G = gts.length;
  for (let j = 0; j < G; j++) {
    const go = 3 * K * gts[j];
    const gk = gt.keypoints;
    let k1 = 0;
    for (let k = 0; k < K; k++) if (gk[go + 3 * k + 2] > 0) k1++;
    const bo = 4 * gts[j];
    const bb = gt.box;
    const x0 = bb[bo] - bb[bo + 2];
    const x1 = bb[bo] + bb[bo + 2] * 2;
    const y0 = bb[bo + 1] - bb[bo + 3];
    const y1 = bb[bo + 1] + bb[bo + 3] * 2;
    const area = gt.area[gts[j]] + EPS;
    for (let i = 0; i < dts.length; i++) {
      const dO = 3 * K * dts[i];
      const dk = dt.keypoints;
      let n = 0;
      for (let k = 0; k < K; k++) {
        const xd = dk[dO + 3 * k];
        const yd = dk[dO + 3 * k + 1];
        let dx: number;
        let dy: number;
        if (k1 > 0) {
          if (!(gk[go + 3 * k + 2] > 0)) continue;
          dx = xd - gk[go + 3 * k];
          dy = yd - gk[go + 3 * k + 1];
        } else {
          dx = Math.max(0, x0 - xd) + Math.max(0, xd - x1);
          dy = Math.max(0, y0 - yd) + Math.max(0, yd - y1);
        }
        e[n++] = Math.exp(-((dx * dx + dy * dy) / vars[k] / area / 2));
      }
      out[i * G + j] = numpySum(e, 0, n) / n;
    }
  }
}
