/**
 * Writes test/fixtures/synthetic_mini.json: the COCO annotations of a small synthetic dataset,
 * which tools/reference/data_coco_parity.py reads with pycocotools. Run from packages/data:
 *   npx tsx --conditions=@rcnn/source scripts/writeParityAnnotations.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARITY_CONFIG, PARITY_IMAGES, parityAnnotations } from '../test/parityDataset';

writeFileSync(
  join(import.meta.dirname, '..', 'test', 'fixtures', 'synthetic_mini.json'),
  JSON.stringify(parityAnnotations()),
);
console.log(`wrote ${PARITY_IMAGES} images of`, PARITY_CONFIG);
