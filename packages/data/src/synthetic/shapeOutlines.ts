import type { SeededRandom } from '@rcnn/core';
import type { SyntheticKind } from './categories';

/**
 * A shape in its own frame: an outer polygon and optional holes, flat `[x0, y0, x1, y1, ...]`,
 * fitting roughly in the unit disc (radius 1 around the origin).
 */
export interface ShapeOutline {
  readonly outer: number[];
  readonly holes: number[][];
}

function regularPolygon(n: number, radius: number, phase: number, cx = 0, cy = 0): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = phase + (2 * Math.PI * i) / n;
    out.push(cx + radius * Math.cos(a), cy + radius * Math.sin(a));
  }
  return out;
}

/** Vertices on a circle arc from angle `a0` to `a1` (radians, either direction), ends included. */
function arc(cx: number, cy: number, r: number, a0: number, a1: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i <= n; i++) {
    const a = a0 + ((a1 - a0) * i) / n;
    out.push(cx + r * Math.cos(a), cy + r * Math.sin(a));
  }
  return out;
}

/**
 * The outline of one shape kind, with its per-instance variation (star point count, ring
 * thickness, triangle proportions, ...). `vertices` sets how finely curves are sampled.
 */
export function shapeOutline(
  kind: Exclude<SyntheticKind, 'person'>,
  rng: SeededRandom,
  vertices: number,
): ShapeOutline {
  switch (kind) {
    case 'ellipse':
      return { outer: regularPolygon(vertices, 1, 0), holes: [] };
    case 'rectangle':
      return { outer: [-1, -0.75, 1, -0.75, 1, 0.75, -1, 0.75], holes: [] };
    case 'triangle': {
      const out: number[] = [];
      for (let i = 0; i < 3; i++) {
        const a = -Math.PI / 2 + (2 * Math.PI * i) / 3 + rng.uniform(-0.25, 0.25);
        out.push(Math.cos(a), Math.sin(a));
      }
      return { outer: out, holes: [] };
    }
    case 'star': {
      const points = rng.int(5, 7);
      const inner = rng.uniform(0.38, 0.5);
      const out: number[] = [];
      for (let i = 0; i < 2 * points; i++) {
        const a = -Math.PI / 2 + (Math.PI * i) / points;
        const r = i % 2 === 0 ? 1 : inner;
        out.push(r * Math.cos(a), r * Math.sin(a));
      }
      return { outer: out, holes: [] };
    }
    case 'hexagon':
      return { outer: regularPolygon(6, 1, 0), holes: [] };
    case 'ring':
      return {
        outer: regularPolygon(vertices, 1, 0),
        holes: [regularPolygon(vertices, rng.uniform(0.45, 0.65), 0)],
      };
    case 'cross': {
      const t = rng.uniform(0.26, 0.36);
      return {
        outer: [-t, -1, t, -1, t, -t, 1, -t, 1, t, t, t, t, 1, -t, 1, -t, t, -1, t, -1, -t, -t, -t],
        holes: [],
      };
    }
    case 'crescent': {
      // The unit disc minus a disc of radius r2 centred at (d, 0): the outer arc runs from one
      // intersection point round the far side, then back along the inner circle.
      const r2 = rng.uniform(0.8, 0.9);
      const d = rng.uniform(0.42, 0.6);
      const ix = (1 - r2 * r2 + d * d) / (2 * d);
      const iy = Math.sqrt(Math.max(0, 1 - ix * ix));
      const t0 = Math.atan2(iy, ix);
      const n = Math.max(8, vertices >> 1);
      const outerArc = arc(0, 0, 1, t0, 2 * Math.PI - t0, n);
      const p0 = Math.atan2(-iy, ix - d);
      const p1 = Math.atan2(iy, ix - d) - 2 * Math.PI;
      const innerArc = arc(d, 0, r2, p0, p1, n).slice(2, -2);
      return { outer: outerArc.concat(innerArc), holes: [] };
    }
  }
}

/** Map a flat polygon from the shape frame to image pixels: scale, rotate, then translate. */
export function placePolygon(
  poly: readonly number[],
  sx: number,
  sy: number,
  angle: number,
  cx: number,
  cy: number,
): number[] {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const out = new Array<number>(poly.length);
  for (let i = 0; i < poly.length; i += 2) {
    const x = poly[i] * sx;
    const y = poly[i + 1] * sy;
    out[i] = cx + c * x - s * y;
    out[i + 1] = cy + s * x + c * y;
  }
  return out;
}
