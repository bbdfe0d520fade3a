import {
  type CocoDataset,
  generateSyntheticImage,
  syntheticAnnotations,
  syntheticCategories,
} from '../src/index';

/** The synthetic dataset whose annotations are checked against pycocotools. */
export const PARITY_CONFIG = { seed: 21, crowdProbability: 0.5, personProbability: 0.35 };
export const PARITY_IMAGES = 8;

/** COCO annotations of the parity dataset, exactly as `writeSyntheticDataset` would write them. */
export function parityAnnotations(): CocoDataset {
  const dataset: CocoDataset = { images: [], annotations: [], categories: syntheticCategories() };
  let nextId = 1;
  for (let i = 0; i < PARITY_IMAGES; i++) {
    const sample = generateSyntheticImage(i, PARITY_CONFIG);
    const { width, height } = sample.image;
    dataset.images.push({ id: i + 1, file_name: `${String(i + 1).padStart(6, '0')}.png`, width, height });
    const anns = syntheticAnnotations(sample, i + 1, nextId);
    nextId += anns.length;
    dataset.annotations.push(...anns);
  }
  return dataset;
}
