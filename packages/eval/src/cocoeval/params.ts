import type { EvalParams, IouType } from './types';

/**
 * The 17 COCO keypoint OKS sigmas (nose, eyes, ears, shoulders, elbows, wrists, hips, knees,
 * ankles), as pycocotools divides them by 10.
 */
export const COCO_KEYPOINT_SIGMAS: readonly number[] = [
  0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89,
].map((s) => s / 10.0);

/**
 * `np.linspace(start, stop, num)` value for value: `start + i * ((stop - start) / (num - 1))`
 * with the last point set to `stop`. pycocotools picks thresholds such as .75 by exact equality,
 * so the same rounding matters.
 */
export function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(i * step + start);
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** pycocotools' default `Params` for an IoU type (image and category ids left empty). */
export function defaultParams(iouType: IouType): EvalParams {
  const iouThrs = linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1);
  const recThrs = linspace(0.0, 1.0, Math.round((1.0 - 0.0) / 0.01) + 1);
  if (iouType === 'keypoints') {
    return {
      imgIds: [],
      catIds: [],
      iouThrs,
      recThrs,
      maxDets: [20],
      areaRng: [
        [0, 1e5 ** 2],
        [32 ** 2, 96 ** 2],
        [96 ** 2, 1e5 ** 2],
      ],
      areaRngLbl: ['all', 'medium', 'large'],
      useCats: true,
      kptOksSigmas: [...COCO_KEYPOINT_SIGMAS],
    };
  }
  return {
    imgIds: [],
    catIds: [],
    iouThrs,
    recThrs,
    maxDets: [1, 10, 100],
    areaRng: [
      [0, 1e5 ** 2],
      [0, 32 ** 2],
      [32 ** 2, 96 ** 2],
      [96 ** 2, 1e5 ** 2],
    ],
    areaRngLbl: ['all', 'small', 'medium', 'large'],
    useCats: true,
    kptOksSigmas: [...COCO_KEYPOINT_SIGMAS],
  };
}
