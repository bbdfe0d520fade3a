/** How the sample points of one output bin are combined. */
export type Aggregation = 'avg' | 'max';

/**
 * Which RoI op a kernel runs: `'align'` (RoIAlign, continuous box, bilinear samples), `'warp'`
 * (RoIWarp, box quantised like RoIPool, bilinear samples) or `'pool'` (RoIPool, quantised box,
 * max over whole pixels).
 */
export type RoiOpKind = 'align' | 'warp' | 'pool';

/** The resolved settings every RoI kernel reads from its attributes. */
export interface RoiOpParams {
  kind: RoiOpKind;
  /** Output bins per RoI, rows then columns. */
  outputHeight: number;
  outputWidth: number;
  /** Sample points per bin side for `'align'`/`'warp'`; `<= 0` means adaptive `ceil(roiSize / bins)`. */
  samplingRatio: number;
  /** `'align'` only: shift the box by half a feature pixel and skip the size clamp to 1. */
  aligned: boolean;
  /** `'align'`/`'warp'` only; `'pool'` always takes the max. */
  aggregation: Aggregation;
}
