import { RoiCoordinateError } from './errors';

const COLUMNS = ['batchIndex', 'x1', 'y1', 'x2', 'y2'];

/**
 * Check a flat `[R,5]` RoI table `(batchIndex, x1, y1, x2, y2)`: every value finite and every
 * batch index a whole number in `[0, batch)`. Throws a {@link RoiCoordinateError} naming the row.
 */
export function validateRoiTable(rois: ArrayLike<number>, batch: number): void {
  const count = rois.length / 5;
  for (let r = 0; r < count; r++) {
    for (let k = 0; k < 5; k++) {
      const v = rois[r * 5 + k];
      if (!Number.isFinite(v)) throw new RoiCoordinateError(r, COLUMNS[k], v, 'RoI values must be finite');
    }
    const b = rois[r * 5];
    if (!Number.isInteger(b) || b < 0 || b >= batch) {
      throw new RoiCoordinateError(
        r,
        'batchIndex',
        b,
        `batch index must be a whole number in [0, ${batch}) (the features' batch size)`,
      );
    }
  }
}
