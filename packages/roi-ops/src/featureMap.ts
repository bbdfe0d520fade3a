/** A float32 NHWC feature map `[batch, height, width, channels]` viewed as a flat array. */
export interface FeatureMap {
  data: Float32Array;
  batch: number;
  height: number;
  width: number;
  channels: number;
}
