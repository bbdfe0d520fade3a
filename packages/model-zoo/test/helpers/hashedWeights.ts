import type { StateDict } from '@rcnn/core';

/**
 * The TypeScript twin of tools/reference/detector_common.py: state-dict values from a counter
 * hash (murmur3's finaliser over `(i · 0x9E3779B1) ^ seed` in uint32), bit-identical to the
 * Python side, so parity fixtures need not carry the weights.
 */
export function hashedUniform(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = (Math.imul(i, 0x9e3779b1) ^ seed) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
    x = Math.imul(x, 0x85ebca6b) >>> 0;
    x = (x ^ (x >>> 13)) >>> 0;
    x = Math.imul(x, 0xc2b2ae35) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
    out[i] = (x / 2 ** 32) * 2 - 1;
  }
  return out;
}

function tensorSeed(k: number): number {
  return (Math.imul(k, 0x01000193) + 0x811c9dc5) >>> 0;
}

const PREDICTOR_GAIN: Record<string, number> = {
  cls_logits: 1.0,
  bbox_pred: 0.04,
  cls_score: 0.5,
  mask_fcn_logits: 0.5,
};

/** The state dict `fill_hashed` writes into a torch model with these `[name, shape]` entries. */
export function hashedStateDict(listing: ReadonlyArray<readonly [string, readonly number[]]>): StateDict {
  const bn = new Set(
    listing.filter(([n]) => n.endsWith('.running_mean')).map(([n]) => n.slice(0, -'.running_mean'.length)),
  );
  const out: StateDict = new Map();
  listing.forEach(([name, shape], k) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const u = hashedUniform(n, tensorSeed(k));
    const dot = name.lastIndexOf('.');
    const prefix = name.slice(0, dot);
    const leaf = name.slice(dot + 1);
    const parts = name.split('.');
    const module = parts.length >= 2 ? parts[parts.length - 2] : '';
    const data = new Float32Array(n);
    const fan = shape.slice(1).reduce((a, b) => a * b, 1);
    for (let i = 0; i < n; i++) {
      let v: number;
      if (leaf === 'running_var') v = 0.75 + 0.25 * u[i];
      else if (leaf === 'running_mean') v = 0.1 * u[i];
      else if (bn.has(prefix) && leaf === 'weight') v = 1.0 + 0.25 * u[i];
      else if (bn.has(prefix) && leaf === 'bias') v = 0.1 * u[i];
      else if (shape.length <= 1) v = 0.05 * u[i];
      else v = (PREDICTOR_GAIN[module] ?? 1.0) * Math.sqrt(3.0 / fan) * u[i];
      data[i] = v;
    }
    out.set(name, { dtype: 'F32', shape: [...shape], data });
  });
  return out;
}
