import type { Aggregation } from './roiOpParams';

/**
 * Which RoI op a pooler runs, with that op's own settings (see {@link roiAlign}, {@link roiWarp},
 * {@link roiPool}): Table 2c of the Mask R-CNN paper is these three rows.
 */
export type RoiOpConfig =
  | { kind: 'align'; samplingRatio?: number; aligned?: boolean; aggregation?: Aggregation }
  | { kind: 'warp'; samplingRatio?: number; aggregation?: Aggregation }
  | { kind: 'pool' };
