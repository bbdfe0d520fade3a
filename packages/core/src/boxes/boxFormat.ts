import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../errors';
import { assertBoxTensor } from './boxInput';

/**
 * Box layouts: `xyxy` = (x1, y1, x2, y2) corners; `xywh` = (x1, y1, width, height);
 * `cxcywh` = (centre x, centre y, width, height). All in pixels, widths without `+1`.
 */
export type BoxFormat = 'xyxy' | 'xywh' | 'cxcywh';

const FORMATS: readonly BoxFormat[] = ['xyxy', 'xywh', 'cxcywh'];

function toXyxy(c: tf.Tensor[], from: BoxFormat): tf.Tensor[] {
  const [a, b, c2, d] = c;
  if (from === 'xyxy') return c;
  if (from === 'xywh') return [a, b, tf.add(a, c2), tf.add(b, d)];
  // cxcywh, the same operation order as torchvision's _box_cxcywh_to_xyxy
  const hw = tf.mul(0.5, c2);
  const hh = tf.mul(0.5, d);
  return [tf.sub(a, hw), tf.sub(b, hh), tf.add(a, hw), tf.add(b, hh)];
}

function fromXyxy(c: tf.Tensor[], to: BoxFormat): tf.Tensor[] {
  const [x1, y1, x2, y2] = c;
  if (to === 'xyxy') return c;
  const w = tf.sub(x2, x1);
  const h = tf.sub(y2, y1);
  if (to === 'xywh') return [x1, y1, w, h];
  return [tf.div(tf.add(x1, x2), 2), tf.div(tf.add(y1, y2), 2), w, h];
}

/**
 * Convert `[N,4]` boxes between layouts, like `torchvision.ops.box_convert`.
 *
 * @param boxes `[N,4]` float32 boxes in layout `from`.
 * @returns a new `[N,4]` tensor in layout `to` (the caller disposes it).
 */
export function convertBoxes(boxes: tf.Tensor2D, from: BoxFormat, to: BoxFormat): tf.Tensor2D {
  assertBoxTensor('boxes', boxes);
  if (!FORMATS.includes(from))
    throw new ConfigError('from', `unknown box format '${from}' (${FORMATS.join(', ')})`);
  if (!FORMATS.includes(to))
    throw new ConfigError('to', `unknown box format '${to}' (${FORMATS.join(', ')})`);
  if (from === to) return tf.clone(boxes);
  return tf.tidy(() => {
    const cols = tf.unstack(boxes, 1);
    return tf.stack(fromXyxy(toXyxy(cols, from), to), 1) as tf.Tensor2D;
  });
}
