import * as tf from '@tensorflow/tfjs-core';

/**
 * A ResNet-50 + FPN built from raw tfjs ops (no layers library), shaped like torchvision's
 * `resnet_fpn_backbone('resnet50')`: frozen batch norm as a per-channel affine, stride on the 3x3
 * conv of each bottleneck (ResNet v1.5), FPN with 256 channels, nearest 2x top-down upsampling
 * and a max-pooled P6. Every conv weight is a trainable variable. Used to prove a whole training
 * step runs on a backend, and by the engine benchmark.
 */
export interface ResnetFpnFromOps {
  /** Trainable conv weights `[kh,kw,I,O]` and FPN biases. */
  readonly variables: tf.Variable[];
  /** `x` `[N,H,W,3]` → FPN levels `p2..p6`, each `[N,H/s,W/s,256]`. */
  apply(x: tf.Tensor4D): Record<string, tf.Tensor4D>;
  dispose(): void;
}

interface Conv {
  w: tf.Variable;
  stride: number;
  scale?: tf.Tensor1D;
  shift?: tf.Tensor1D;
  bias?: tf.Variable;
}

export function resnetFpnFromOps(options: { blocks?: number[]; seed?: number } = {}): ResnetFpnFromOps {
  const blocks = options.blocks ?? [3, 4, 6, 3];
  let seed = options.seed ?? 1;
  const variables: tf.Variable[] = [];
  const constants: tf.Tensor[] = [];

  const conv = (
    k: number,
    cin: number,
    cout: number,
    stride: number,
    frozenBn: boolean,
    bias = false,
  ): Conv => {
    const std = Math.sqrt(2 / (k * k * cout));
    const init = tf.randomNormal([k, k, cin, cout], 0, std, 'float32', seed++);
    const w = tf.variable(init, true);
    init.dispose();
    variables.push(w);
    const c: Conv = { w, stride };
    if (frozenBn) {
      const s = seed++;
      c.scale = tf.tidy(() => tf.add(tf.randomUniform([cout], -0.1, 0.1, 'float32', s), 1)) as tf.Tensor1D;
      c.shift = tf.randomUniform([cout], -0.1, 0.1, 'float32', seed++) as tf.Tensor1D;
      constants.push(c.scale, c.shift);
    }
    if (bias) {
      const zeros = tf.zeros([cout]);
      c.bias = tf.variable(zeros, true);
      zeros.dispose();
      variables.push(c.bias);
    }
    return c;
  };

  const run = (c: Conv, x: tf.Tensor4D, relu: boolean): tf.Tensor4D => {
    let y = tf.conv2d(x, c.w as tf.Tensor4D, c.stride, 'same');
    if (c.scale && c.shift) y = tf.add(tf.mul(y, c.scale), c.shift);
    if (c.bias) y = tf.add(y, c.bias);
    return relu ? tf.relu(y) : y;
  };

  const stem = conv(7, 3, 64, 2, true);
  const stages: Array<Array<{ a: Conv; b: Conv; c: Conv; down?: Conv }>> = [];
  let cin = 64;
  blocks.forEach((count, i) => {
    const width = 64 * 2 ** i;
    const stage = [];
    for (let j = 0; j < count; j++) {
      const stride = j === 0 && i > 0 ? 2 : 1;
      stage.push({
        a: conv(1, cin, width, 1, true),
        b: conv(3, width, width, stride, true),
        c: conv(1, width, width * 4, 1, true),
        down: j === 0 ? conv(1, cin, width * 4, stride, true) : undefined,
      });
      cin = width * 4;
    }
    stages.push(stage);
  });
  const lateral = stages.map((_, i) => conv(1, 256 * 2 ** i, 256, 1, false, true));
  const output = stages.map(() => conv(3, 256, 256, 1, false, true));

  return {
    variables,
    apply(x) {
      let h = run(stem, x, true);
      h = tf.maxPool(h, 3, 2, 'same');
      const features: tf.Tensor4D[] = [];
      for (const stage of stages) {
        for (const block of stage) {
          const identity = block.down ? run(block.down, h, false) : h;
          const y = run(block.c, run(block.b, run(block.a, h, true), true), false);
          h = tf.relu(tf.add(y, identity)) as tf.Tensor4D;
        }
        features.push(h);
      }
      const out: Record<string, tf.Tensor4D> = {};
      let top = run(lateral[3], features[3], false);
      out.p5 = run(output[3], top, false);
      for (let i = 2; i >= 0; i--) {
        const lat = run(lateral[i], features[i], false);
        const [, hh, ww] = lat.shape;
        top = tf.add(lat, tf.image.resizeNearestNeighbor(top, [hh, ww]));
        out[`p${i + 2}`] = run(output[i], top, false);
      }
      out.p6 = tf.maxPool(out.p5, 1, 2, 'same');
      return out;
    },
    dispose() {
      tf.dispose(variables);
      tf.dispose(constants);
    },
  };
}

/** The scalar the training-step test and benchmark differentiate: the mean square of every level. */
export function fpnLoss(levels: Record<string, tf.Tensor4D>): tf.Scalar {
  return tf.addN(Object.values(levels).map((p) => tf.mean(tf.square(p)))) as tf.Scalar;
}
