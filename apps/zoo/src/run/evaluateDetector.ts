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

/** Options of {@link evaluateDetector}. */
export interface EvaluateDetectorOptions {
  /** Evaluate only the first `limit` images. Default all. */
  readonly limit?: number;
  readonly onProgress?: (done: number, total: number) => void;
  /** Polled between images; evaluation stops early (returns null) when it says true. */
  readonly shouldStop?: () => boolean;
}

/**
 * COCO box (and, for Mask R-CNN, mask) AP of a detector on a dataset: each image goes through
 * `detector.predict`, `toCocoResults` of `@rcnn/model-zoo` turns the detections into COCO results
 * (masks binarised at 0.5), and `@rcnn/eval` scores them against `groundTruth`, the parsed
 * annotations file the dataset was read from.
 */
export async function evaluateDetector(
  detector: GeneralizedRcnn,
  dataset: CocoDetectionDataset,
  groundTruth: CocoDataset,
  options: EvaluateDetectorOptions = {},
): Promise<EvaluationSummary | null> {
  const start = performance.now();
  const withMasks = detector.config.kind === 'maskRcnn';
  const total = Math.min(dataset.length, options.limit ?? dataset.length);
  const results: CocoResult[] = [];
  const imageIds: number[] = [];
  const categoryIds = dataset.categories.map((c) => c.id);
  for (let i = 0; i < total; i++) {
    if (options.shouldStop?.()) return null;
    const record = await dataset.get(i);
    imageIds.push(record.imageId);
    const [p] = await detector.predict([record.image]);
    results.push(...toCocoResults(p, record.imageId, categoryIds, { masks: withMasks }));
    options.onProgress?.(i + 1, total);
    // Let progress and stop messages through between images.
    await new Promise((r) => setImmediate(r));
  }
  const box = evaluate(groundTruth, results, { iouType: 'bbox', imgIds: imageIds });
  const mask = withMasks ? evaluate(groundTruth, results, { iouType: 'segm', imgIds: imageIds }) : null;
  return {
    box: cocoStats(box.stats),
    mask: mask ? cocoStats(mask.stats) : null,
    images: total,
    detections: results.length,
    seconds: (performance.now() - start) / 1000,
  };
}
