import type { CocoCategory } from '../cocoFormat';
import { COCO_KEYPOINT_NAMES, COCO_PERSON_SKELETON } from '../cocoKeypoints';

/** The object kinds the synthetic generator draws. */
export type SyntheticKind =
  | 'person'
  | 'ellipse'
  | 'rectangle'
  | 'triangle'
  | 'star'
  | 'hexagon'
  | 'ring'
  | 'cross'
  | 'crescent';

/** The shape kinds (every kind but the articulated person). */
export const SHAPE_KINDS: readonly Exclude<SyntheticKind, 'person'>[] = [
  'ellipse',
  'rectangle',
  'triangle',
  'star',
  'hexagon',
  'ring',
  'cross',
  'crescent',
];

/**
 * Category ids of the synthetic dataset. They are deliberately not contiguous (like COCO's), so
 * every consumer exercises the category id ↔ class id mapping; `person` is 1 as in COCO.
 */
export const SYNTHETIC_CATEGORY_IDS: Readonly<Record<SyntheticKind, number>> = {
  person: 1,
  ellipse: 2,
  rectangle: 3,
  triangle: 5,
  star: 6,
  hexagon: 8,
  ring: 9,
  cross: 11,
  crescent: 13,
};

/** The `categories` block of every synthetic dataset, sorted by id. */
export function syntheticCategories(): CocoCategory[] {
  return (Object.keys(SYNTHETIC_CATEGORY_IDS) as SyntheticKind[])
    .map((name): CocoCategory => {
      const id = SYNTHETIC_CATEGORY_IDS[name];
      if (name !== 'person') return { id, name, supercategory: 'shape' };
      return {
        id,
        name,
        supercategory: 'person',
        keypoints: [...COCO_KEYPOINT_NAMES],
        skeleton: COCO_PERSON_SKELETON.map(([a, b]) => [a, b] as [number, number]),
      };
    })
    .sort((a, b) => a.id - b.id);
}
