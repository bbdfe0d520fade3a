import { describe, expect, it } from 'vitest';
import { personKeypoints } from '../src/run/personKeypoints';

describe('personKeypoints', () => {
  const kp = Float32Array.from([1, 2, 1, 3, 4, 1, 5, 6, 1, 7, 8, 1]); // 2 detections × 2 keypoints
  it('hides the keypoints of detections that are not persons', () => {
    const out = personKeypoints(kp, Int32Array.from([2, 1]), ['__background__', 'person', 'circle']);
    expect(Array.from(out)).toEqual([1, 2, 0, 3, 4, 0, 5, 6, 1, 7, 8, 1]);
    expect(kp[2]).toBe(1); // the input is left alone
  });
  it('keeps every detection when no class is called person', () => {
    expect(personKeypoints(kp, Int32Array.from([1, 1]), ['__background__', 'class 1'])).toEqual(kp);
  });
});
