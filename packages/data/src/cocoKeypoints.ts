/** The 17 COCO person keypoints, in COCO order (index = position in `keypoints / 3`). */
export const COCO_KEYPOINT_NAMES: readonly string[] = [
  'nose',
  'left_eye',
  'right_eye',
  'left_ear',
  'right_ear',
  'left_shoulder',
  'right_shoulder',
  'left_elbow',
  'right_elbow',
  'left_wrist',
  'right_wrist',
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
];

/**
 * Which keypoint each keypoint becomes under a horizontal flip: left and right swap, the nose stays
 * (the map detectron2 and torchvision use for COCO persons).
 */
export const COCO_KEYPOINT_FLIP_MAP: readonly number[] = [
  0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15,
];

/** COCO's person skeleton: limbs as 1-based keypoint index pairs, exactly as in `person_keypoints_*.json`. */
export const COCO_PERSON_SKELETON: readonly (readonly [number, number])[] = [
  [16, 14],
  [14, 12],
  [17, 15],
  [15, 13],
  [12, 13],
  [6, 12],
  [7, 13],
  [6, 7],
  [6, 8],
  [7, 9],
  [8, 10],
  [9, 11],
  [2, 3],
  [1, 2],
  [1, 3],
  [2, 4],
  [3, 5],
  [4, 6],
  [5, 7],
];
