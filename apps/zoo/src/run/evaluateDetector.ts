import type { CocoDetectionDataset } from '@rcnn/data';
import { type CocoDataset, type CocoResult, evaluate } from '@rcnn/eval';
import { type GeneralizedRcnn, toCocoResults } from '@rcnn/model-zoo';
import type { CocoStats, EvaluationSummary } from './types';

/** COCOeval's first six stats (AP, AP50, AP75, AP small/medium/large). */
export function cocoStats(stats: readonly number[]): CocoStats {
  return {
    ap: stats[0],
    ap50: stats[1],
    ap75: stats[2],
    apSmall: stats[3],
    apMedium: stats[4],
    apLarge: stats[5],
  };
}

/** COCOeval's keypoint stats (AP, AP50, AP75, APM, APL, …) in the box/mask layout (no APs). */
export function keypointStats(stats: readonly number[]): CocoStats {
  return { ap: stats[0], ap50: stats[1], ap75: stats[2], apSmall: -1, apMedium: stats[3], apLarge: stats[4] };
}

/** Options of {@link evaluateDetector}. */
export interface EvaluateDetectorOptions {
  /** Evaluate only the first `limit` images. Default all. */
  readonly limit?: number;
  readonly onProgress?: (done: number, total: number) => void;
  /** Polled between images; evaluation stops early (returns null) when it says true. */
  readonly shouldStop?: () => boolean;
}

/**
 * COCO box AP of a detector on a dataset, with mask AP for detectors with a mask branch and
 * keypoint AP (OKS, on the categories that have keypoints) for those with a keypoint branch:
 * each image goes through `detector.predict`, `toCocoResults` of `@rcnn/model-zoo` turns the
 * detections into COCO results (masks binarised at 0.5), and `@rcnn/eval` scores them against
 * `groundTruth`, the parsed annotations file the dataset was read from. The time spent in
 * `predict` is reported apart (`predictSeconds`), for speed comparisons across generations.
 */
export async function evaluateDetector(
  detector: GeneralizedRcnn,
  dataset: CocoDetectionDataset,
  groundTruth: CocoDataset,
  options: EvaluateDetectorOptions = {},
): Promise<EvaluationSummary | null> {
  const start = performance.now();
  const withMasks = detector.roiHeads.hasMask;
  const withKeypoints = detector.roiHeads.hasKeypoints;
  let predictSeconds = 0;
  const total = Math.min(dataset.length, options.limit ?? dataset.length);
  const results: CocoResult[] = [];
  const imageIds: number[] = [];
  const categoryIds = dataset.categories.map((c) => c.id);
  for (let i = 0; i < total; i++) {
    if (options.shouldStop?.()) return null;
    const record = await dataset.get(i);
    imageIds.push(record.imageId);
    const t0 = performance.now();
    const [p] = await detector.predict([record.image]);
    predictSeconds += (performance.now() - t0) / 1000;
    results.push(...toCocoResults(p, record.imageId, categoryIds, { masks: withMasks }));
    options.onProgress?.(i + 1, total);
    // Let progress and stop messages through between images.
    await new Promise((r) => setImmediate(r));
  }
  const box = evaluate(groundTruth, results, { iouType: 'bbox', imgIds: imageIds });
  const mask = withMasks ? evaluate(groundTruth, results, { iouType: 'segm', imgIds: imageIds }) : null;
  let keypoints: CocoStats | null = null;
  if (withKeypoints) {
    const catIds = groundTruth.categories.filter((c) => Array.isArray(c.keypoints)).map((c) => c.id);
    const withKp = results.filter((r) => catIds.includes(r.category_id));
    keypoints = keypointStats(
      evaluate(groundTruth, withKp, { iouType: 'keypoints', imgIds: imageIds, catIds }).stats,
    );
  }
  return {
    box: cocoStats(box.stats),
    mask: mask ? cocoStats(mask.stats) : null,
    keypoints,
    predictSeconds,
    images: total,
    detections: results.length,
    seconds: (performance.now() - start) / 1000,
  };
}
