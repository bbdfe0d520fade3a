import { bboxIouInto, rleIouInto } from '../mask/iou';
import type { Rle } from '../mask/rle';
import type { AnnotationTable } from './prepare';

/**
 * Box or mask IoU between one group's detections (already in score order, truncated) and its
 * ground truths, into `out[d * G + g]`; pycocotools' `computeIoU` via `maskUtils.iou`, with crowd
 * ground truths scored against the detection's area.
 *
 * @param dts detection table indices, in evaluation order.
 * @param gts ground-truth table indices, in dataset order.
 */
export function computeIou(
  segm: boolean,
  dt: AnnotationTable,
  dts: ArrayLike<number>,
  gt: AnnotationTable,
  gts: ArrayLike<number>,
  dtBoxes: Float64Array | null,
  gtBoxes: Float64Array | null,
  out: Float64Array,
): void {
  const D = dts.length;
  const G = gts.length;
  const crowd = new Uint8Array(G);
  for (let j = 0; j < G; j++) crowd[j] = gt.crowd[gts[j]];
  const db = new Float64Array(4 * D);
  const gb = new Float64Array(4 * G);
  // For masks the pre-check boxes are the masks' own tight boxes (maskApi.c's rleToBbox).
  const srcD = segm ? dtBoxes! : dt.box;
  const srcG = segm ? gtBoxes! : gt.box;
  for (let i = 0; i < D; i++) db.set(srcD.subarray(4 * dts[i], 4 * dts[i] + 4), 4 * i);
  for (let j = 0; j < G; j++) gb.set(srcG.subarray(4 * gts[j], 4 * gts[j] + 4), 4 * j);
  if (!segm) {
    bboxIouInto(db, gb, crowd, out);
    return;
  }
  const dr: Rle[] = new Array(D);
  const gr: Rle[] = new Array(G);
  for (let i = 0; i < D; i++) dr[i] = dt.rle[dts[i]];
  for (let j = 0; j < G; j++) gr[j] = gt.rle[gts[j]];
  rleIouInto(dr, gr, crowd, out, db, gb);
}
