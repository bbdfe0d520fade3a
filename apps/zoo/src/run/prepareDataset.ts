import { ensureSyntheticDataset, readCocoDataset } from '@rcnn/data';
import type { Budget } from '../suites/types';
import type { DatasetInfo } from './types';

/**
 * The synthetic dataset a budget asks for, built on first use into `@rcnn/data`'s cache
 * (`$RCNN_DATA_CACHE` or `<repo>/.cache/rcnn-data`) and reused afterwards; the build writes to a
 * temporary folder and renames it, so an interrupted build leaves nothing behind.
 */
export async function prepareDataset(
  budget: Budget,
  onProgress?: (done: number, total: number) => void,
): Promise<DatasetInfo & { built: boolean }> {
  const paths = await ensureSyntheticDataset({
    name: 'zoo',
    config: { ...budget.scene, seed: budget.datasetSeed, width: budget.imageSize, height: budget.imageSize },
    splits: { train: budget.trainImages, val: budget.valImages },
    onProgress: onProgress ? (p) => onProgress(p.done, p.total) : undefined,
  });
  const val = await readCocoDataset(paths.splits.val.annotations);
  return {
    root: paths.root,
    trainAnnotations: paths.splits.train.annotations,
    valAnnotations: paths.splits.val.annotations,
    classNames: val.classNames,
    built: paths.built,
  };
}
