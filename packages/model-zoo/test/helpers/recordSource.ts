import type { DetectionRecord } from '@rcnn/data';
import type { BatchSource } from '../../src/index';

/**
 * A resumable batch source for trainer tests: one record per batch, cycling through `records`;
 * its state is the position, so a resumed trainer continues where it stopped.
 */
export function cyclingSource(
  records: readonly DetectionRecord[],
): (state: unknown) => BatchSource<DetectionRecord[]> {
  return (state) => {
    let position = (state as { position: number } | undefined)?.position ?? 0;
    return {
      get state() {
        return { position };
      },
      async next() {
        return [records[position++ % records.length]];
      },
    };
  };
}
