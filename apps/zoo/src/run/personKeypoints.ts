/**
 * Keypoints to draw: the head predicts them for every detection, but only persons have a
 * skeleton, so other classes' keypoints are marked invisible. Without a `person` class name (a
 * person-only model with generic names) every detection keeps its keypoints.
 */
export function personKeypoints(
  keypoints: Float32Array,
  labels: Int32Array,
  classNames: readonly string[],
): Float32Array {
  const out = Float32Array.from(keypoints);
  if (!classNames.includes('person')) return out;
  const per = labels.length > 0 ? keypoints.length / labels.length : 0;
  labels.forEach((label, i) => {
    if (classNames[label] === 'person') return;
    for (let k = i * per + 2; k < (i + 1) * per; k += 3) out[k] = 0;
  });
  return out;
}
