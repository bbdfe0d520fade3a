import type { SeededRandom } from '@rcnn/core';
import { type Fill, hsvToRgb, type Rgb, solidFill } from './paint';
import { capsulePixels, ellipsePixels } from './rasterize';

/** One painted body part: its pixels (row-major indices) and how to colour them. */
export interface FigurePart {
  readonly pixels: Int32Array;
  readonly fill: Fill;
}

/**
 * A person-like articulated figure facing the viewer: body parts in painting order and the 17
 * COCO keypoints as `[x0, y0, x1, y1, ...]` in image pixels (COCO order; the person's left side is
 * on the image's right, as for a real person facing the camera).
 */
export interface PersonFigure {
  readonly parts: FigurePart[];
  readonly keypoints: Float64Array;
}

const SKIN: readonly Rgb[] = [
  [255, 219, 172],
  [241, 194, 125],
  [224, 172, 105],
  [198, 134, 66],
  [141, 85, 36],
  [94, 58, 30],
];

/**
 * Draw a random pose for a figure `size` pixels tall whose pelvis is at `(cx, cy)`: body lean,
 * arm raise and elbow bend, leg spread and knee bend, limb proportions and clothing colours vary.
 */
export function personFigure(
  rng: SeededRandom,
  cx: number,
  cy: number,
  size: number,
  width: number,
  height: number,
): PersonFigure {
  const lean = rng.normal(0, 0.15);
  const ux = Math.sin(lean);
  const uy = -Math.cos(lean);
  const rx = Math.cos(lean);
  const ry = Math.sin(lean);
  const j = () => rng.uniform(0.9, 1.1);
  const at = (px: number, py: number, up: number, right: number): [number, number] => [
    px + (ux * up + rx * right) * size,
    py + (uy * up + ry * right) * size,
  ];
  const neck = at(cx, cy, 0.3 * j(), 0);
  const shoulderHalf = 0.1 * j();
  const hipHalf = 0.065 * j();
  const shoulder = [at(neck[0], neck[1], 0, shoulderHalf), at(neck[0], neck[1], 0, -shoulderHalf)];
  const hip = [at(cx, cy, 0, hipHalf), at(cx, cy, 0, -hipHalf)];
  const headTilt = rng.normal(0, 0.15);
  const headUx = Math.sin(lean + headTilt);
  const headUy = -Math.cos(lean + headTilt);
  const headRx = Math.cos(lean + headTilt);
  const headRy = Math.sin(lean + headTilt);
  const headR = 0.06 * j() * size;
  const head: [number, number] = [neck[0] + headUx * 1.5 * headR, neck[1] + headUy * 1.5 * headR];
  const onHead = (up: number, right: number): [number, number] => [
    head[0] + (headUx * up + headRx * right) * headR,
    head[1] + (headUy * up + headRy * right) * headR,
  ];
  const yaw = rng.uniform(-0.35, 0.35);
  const nose = onHead(-0.2, yaw);
  const eyes = [onHead(0.25, 0.38 + yaw), onHead(0.25, -0.38 + yaw)];
  const ears = [onHead(0.05, 0.85), onHead(0.05, -0.85)];

  const limb = (
    from: [number, number],
    side: number,
    raise: number,
    bend: number,
    l1: number,
    l2: number,
  ): [[number, number], [number, number]] => {
    // Directions start pointing down the body and turn outward (towards the figure's `side`).
    const d1x = -ux * Math.cos(raise) + side * rx * Math.sin(raise);
    const d1y = -uy * Math.cos(raise) + side * ry * Math.sin(raise);
    const mid: [number, number] = [from[0] + d1x * l1 * size, from[1] + d1y * l1 * size];
    const b = side * bend;
    const d2x = d1x * Math.cos(b) - d1y * Math.sin(b);
    const d2y = d1x * Math.sin(b) + d1y * Math.cos(b);
    return [mid, [mid[0] + d2x * l2 * size, mid[1] + d2y * l2 * size]];
  };
  const arms = [0, 1].map((k) =>
    limb(
      shoulder[k],
      k === 0 ? 1 : -1,
      rng.uniform(0.1, 2.6),
      rng.uniform(-1.9, 1.9),
      0.15 * j(),
      0.14 * j(),
    ),
  );
  const legs = [0, 1].map((k) =>
    limb(hip[k], k === 0 ? 1 : -1, rng.uniform(-0.05, 0.6), rng.uniform(-1.0, 0.7), 0.23 * j(), 0.23 * j()),
  );

  const keypoints = new Float64Array(34);
  const named: [number, number][] = [
    nose,
    eyes[0],
    eyes[1],
    ears[0],
    ears[1],
    shoulder[0],
    shoulder[1],
    arms[0][0],
    arms[1][0],
    arms[0][1],
    arms[1][1],
    hip[0],
    hip[1],
    legs[0][0],
    legs[1][0],
    legs[0][1],
    legs[1][1],
  ];
  named.forEach(([x, y], k) => {
    keypoints[2 * k] = x;
    keypoints[2 * k + 1] = y;
  });

  const seed = rng.nextUint32();
  const skin = solidFill(SKIN[rng.int(0, SKIN.length)], 6, seed);
  const shirt = solidFill(hsvToRgb(rng.next(), rng.uniform(0.3, 1), rng.uniform(0.3, 1)), 8, seed + 1);
  const trousers = solidFill(
    hsvToRgb(rng.next(), rng.uniform(0.2, 0.8), rng.uniform(0.15, 0.7)),
    8,
    seed + 2,
  );
  const dark = solidFill([30, 24, 20], 4, seed + 3);
  const w = rng.uniform(0.85, 1.2) * size;
  const capsule = (a: [number, number], b: [number, number], r: number, fill: Fill): FigurePart => ({
    pixels: capsulePixels(a[0], a[1], b[0], b[1], r * w, width, height),
    fill,
  });
  const parts: FigurePart[] = [];
  for (let k = 0; k < 2; k++) {
    parts.push(capsule(hip[k], legs[k][0], 0.045, trousers));
    parts.push(capsule(legs[k][0], legs[k][1], 0.038, trousers));
  }
  const pelvis: [number, number] = [cx, cy];
  parts.push(capsule(hip[0], hip[1], 0.05, trousers));
  parts.push(capsule(neck, pelvis, 0.085, shirt));
  parts.push(capsule(shoulder[0], shoulder[1], 0.04, shirt));
  parts.push(capsule(neck, head, 0.025, skin));
  for (let k = 0; k < 2; k++) {
    parts.push(capsule(shoulder[k], arms[k][0], 0.034, shirt));
    parts.push(capsule(arms[k][0], arms[k][1], 0.028, skin));
  }
  parts.push({
    pixels: ellipsePixels(head[0], head[1], headR, headR * 1.15, lean + headTilt, width, height),
    fill: skin,
  });
  if (headR >= 5) {
    for (const e of eyes)
      parts.push({
        pixels: ellipsePixels(e[0], e[1], headR * 0.12, headR * 0.12, 0, width, height),
        fill: dark,
      });
  }
  return { parts, keypoints };
}
