import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { getKernel } from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './convGeometry';
import { disposeIntermediate, readFloat32, reshapedInfo, writeFloat32 } from './hostMemory';
import {
  channelPlanes,
  col2im,
  col2imTransposed,
  im2col,
  im2colTransposed,
  im2colTransposedRows,
  isPointwise,
} from './im2col';
import { transposeInto } from './transpose';

/**
 * Grouped 2-D convolution and both of its gradients as patch matrices times a batched matrix
 * product (batch = groups). Every product is laid out untransposed (`[B,M,K] x [B,K,N]`):
 * tfjs-wasm's BatchMatMul runs ~20 GFLOP/s that way and ~1 GFLOP/s with either transpose flag,
 * so transposes are folded into the JS loops that build the operands.
 */
export interface ConvContext {
  backend: KernelBackend;
  backendName: string;
}

function matMul(ctx: ConvContext, a: TensorInfo, b: TensorInfo): TensorInfo {
  const kernel = getKernel('BatchMatMul', ctx.backendName);
  if (kernel == null) throw new Error(`backend '${ctx.backendName}' has no BatchMatMul kernel`);
  return kernel.kernelFunc({
    inputs: { a, b },
    backend: ctx.backend,
    attrs: { transposeA: false, transposeB: false },
  }) as TensorInfo;
}

function sizes(geo: ConvGeometry) {
  const G = geo.groups;
  const Cg = geo.inChannels / G;
  const Og = geo.outChannels / G;
  const Kg = geo.filterHeight * geo.filterWidth * Cg;
  const M = geo.batch * geo.outHeight * geo.outWidth;
  return { G, Cg, Og, Kg, M, O: geo.outChannels };
}

/** `[M, O]` rows split into per-group blocks `[G, M, Og]`. */
function splitGroups(ctx: ConvContext, rows: TensorInfo, M: number, O: number, G: number): TensorInfo {
  const Og = O / G;
  return writeFloat32(ctx.backend, [G, M, Og], (out) => {
    const src = readFloat32(ctx.backend, rows);
    for (let m = 0; m < M; m++) {
      for (let g = 0; g < G; g++) {
        const s = m * O + g * Og;
        const d = (g * M + m) * Og;
        for (let j = 0; j < Og; j++) out[d + j] = src[s + j];
      }
    }
  });
}

/** Inverse of {@link splitGroups}: `[G, R, Og]` blocks into `[R, G*Og]` rows. */
function joinGroups(ctx: ConvContext, blocks: TensorInfo, shape: number[], R: number, G: number, Og: number) {
  const O = G * Og;
  return writeFloat32(ctx.backend, shape, (out) => {
    const src = readFloat32(ctx.backend, blocks);
    for (let g = 0; g < G; g++) {
      for (let r = 0; r < R; r++) {
        const s = (g * R + r) * Og;
        const d = r * O + g * Og;
        for (let j = 0; j < Og; j++) out[d + j] = src[s + j];
      }
    }
  });
}

/** Forward: `x` `[N,H,W,C]`, `filter` `[kh,kw,C/G,O]` → `[N,Ho,Wo,O]`. */
export function groupedConvForward(
  ctx: ConvContext,
  x: TensorInfo,
  filter: TensorInfo,
  geo: ConvGeometry,
): TensorInfo {
  const { G, Og, Kg, M, O } = sizes(geo);
  const outShape = [geo.batch, geo.outHeight, geo.outWidth, O];
  const pointwise = isPointwise(geo);
  const cols = pointwise
    ? reshapedInfo(x, [1, M, Kg])
    : writeFloat32(ctx.backend, [G, M, Kg], (out) => im2col(readFloat32(ctx.backend, x), geo, out));
  const w = G === 1 ? reshapedInfo(filter, [1, Kg, O]) : splitGroups(ctx, filter, Kg, O, G);
  const prod = matMul(ctx, cols, w);
  if (!pointwise) disposeIntermediate(ctx.backend, cols);
  if (G !== 1) disposeIntermediate(ctx.backend, w);
  if (G === 1) return reshapedInfo(prod, outShape);
  const out = joinGroups(ctx, prod, outShape, M, G, Og);
  disposeIntermediate(ctx.backend, prod);
  return out;
}

/**
 * Gradient w.r.t. the input: `dy` `[N,Ho,Wo,O]`, `filter` `[kh,kw,C/G,O]` → `[N,H,W,C]`.
 * XNNPACK packs the right-hand operand of every product, so the product is oriented to make that
 * operand the smaller one: `dy · Wᵀ` (packs the filter) when there are more output pixels than
 * filter rows, `W · dyᵀ` (packs dy) otherwise, e.g. the 8x8 maps of a ResNet's last stage.
 */
export function groupedConvBackpropInput(
  ctx: ConvContext,
  dy: TensorInfo,
  filter: TensorInfo,
  geo: ConvGeometry,
): TensorInfo {
  const { Kg, M } = sizes(geo);
  return M < Kg
    ? backpropInputFilterLeft(ctx, dy, filter, geo)
    : backpropInputFilterRight(ctx, dy, filter, geo);
}

function backpropInputFilterRight(ctx: ConvContext, dy: TensorInfo, filter: TensorInfo, geo: ConvGeometry) {
  const { G, Og, Kg, M, O } = sizes(geo);
  const xShape = [geo.batch, geo.inHeight, geo.inWidth, geo.inChannels];
  const dyg = G === 1 ? reshapedInfo(dy, [1, M, O]) : splitGroups(ctx, dy, M, O, G);
  // wT[g][j][k] = filter[k][g*Og + j]
  const wT = writeFloat32(ctx.backend, [G, Og, Kg], (out) => {
    const f = readFloat32(ctx.backend, filter);
    if (G === 1) {
      transposeInto(f, Kg, O, out);
      return;
    }
    for (let g = 0; g < G; g++) {
      for (let j = 0; j < Og; j++) {
        const d = (g * Og + j) * Kg;
        const s = g * Og + j;
        for (let k = 0; k < Kg; k++) out[d + k] = f[k * O + s];
      }
    }
  });
  const dcols = matMul(ctx, dyg, wT);
  if (G !== 1) disposeIntermediate(ctx.backend, dyg);
  disposeIntermediate(ctx.backend, wT);
  if (isPointwise(geo)) return reshapedInfo(dcols, xShape);
  const dx = writeFloat32(
    ctx.backend,
    xShape,
    (out) => col2im(readFloat32(ctx.backend, dcols), geo, out),
    true,
  );
  disposeIntermediate(ctx.backend, dcols);
  return dx;
}

function backpropInputFilterLeft(ctx: ConvContext, dy: TensorInfo, filter: TensorInfo, geo: ConvGeometry) {
  const { G, Kg, M, O } = sizes(geo);
  const xShape = [geo.batch, geo.inHeight, geo.inWidth, geo.inChannels];
  const w = G === 1 ? reshapedInfo(filter, [1, Kg, O]) : splitGroups(ctx, filter, Kg, O, G);
  // dyT [O, M] is also [G, Og, M]: group g's rows are contiguous.
  const dyT = writeFloat32(ctx.backend, [G, O / G, M], (out) => {
    transposeInto(readFloat32(ctx.backend, dy), M, O, out);
  });
  const dcolsT = matMul(ctx, w, dyT);
  if (G !== 1) disposeIntermediate(ctx.backend, w);
  disposeIntermediate(ctx.backend, dyT);
  const dx = writeFloat32(ctx.backend, xShape, (out) =>
    col2imTransposed(readFloat32(ctx.backend, dcolsT), geo, out),
  );
  disposeIntermediate(ctx.backend, dcolsT);
  return dx;
}

/**
 * Most float32 values one patch matrix of {@link groupedConvBackpropFilter} may hold (256 MiB). The
 * whole matrix is `kh*kw*C` times the output pixels: 1.2 GiB for a 3×3×256 convolution over two
 * 200×336 maps, which with the rest of a training step outgrows the 4 GiB wasm heap.
 */
export const PATCH_MATRIX_BUDGET = 1 << 26;

/**
 * Gradient w.r.t. the filter: `x` `[N,H,W,C]`, `dy` `[N,Ho,Wo,O]` → `[kh,kw,C/G,O]`. A single-group
 * convolution whose patch matrix exceeds `budget` values is summed over bands of output rows, each
 * band's patch matrix at most `budget` values.
 */
export function groupedConvBackpropFilter(
  ctx: ConvContext,
  x: TensorInfo,
  dy: TensorInfo,
  geo: ConvGeometry,
  budget = PATCH_MATRIX_BUDGET,
): TensorInfo {
  const { G, Cg, Og, Kg, M, O } = sizes(geo);
  const filterShape = [geo.filterHeight, geo.filterWidth, Cg, O];
  const rows = geo.batch * geo.outHeight;
  const bandRows = Math.max(1, Math.floor(budget / (Kg * geo.outWidth)));
  if (G === 1 && bandRows < rows) return backpropFilterInBands(ctx, x, dy, geo, bandRows);
  const colsT = writeFloat32(ctx.backend, [G, Kg, M], (out) =>
    im2colTransposed(readFloat32(ctx.backend, x), geo, out),
  );
  const dyg = G === 1 ? reshapedInfo(dy, [1, M, O]) : splitGroups(ctx, dy, M, O, G);
  const prod = matMul(ctx, colsT, dyg);
  disposeIntermediate(ctx.backend, colsT);
  if (G !== 1) disposeIntermediate(ctx.backend, dyg);
  if (G === 1) return reshapedInfo(prod, filterShape);
  const dw = joinGroups(ctx, prod, filterShape, Kg, G, Og);
  disposeIntermediate(ctx.backend, prod);
  return dw;
}

/** Single-group filter gradient as a sum over bands of `bandRows` output rows (`(n, oy)` pairs). */
function backpropFilterInBands(
  ctx: ConvContext,
  x: TensorInfo,
  dy: TensorInfo,
  geo: ConvGeometry,
  bandRows: number,
): TensorInfo {
  const { Cg, Kg, O } = sizes(geo);
  const Wo = geo.outWidth;
  const rows = geo.batch * geo.outHeight;
  const pointwise = isPointwise(geo);
  // A JS copy: heap views die at the next allocation, and there is one per band.
  const source = pointwise
    ? readFloat32(ctx.backend, x).slice()
    : channelPlanes(readFloat32(ctx.backend, x), geo);
  const dw = writeFloat32(ctx.backend, [geo.filterHeight, geo.filterWidth, Cg, O], () => {}, true);
  for (let r0 = 0; r0 < rows; r0 += bandRows) {
    const r1 = Math.min(rows, r0 + bandRows);
    const Mc = (r1 - r0) * Wo;
    const colsT = writeFloat32(ctx.backend, [1, Kg, Mc], (out) =>
      im2colTransposedRows(source, geo, out, r0, r1),
    );
    const dyBand = writeFloat32(ctx.backend, [1, Mc, O], (out) =>
      out.set(readFloat32(ctx.backend, dy).subarray(r0 * Wo * O, r1 * Wo * O)),
    );
    const prod = matMul(ctx, colsT, dyBand);
    disposeIntermediate(ctx.backend, colsT);
    disposeIntermediate(ctx.backend, dyBand);
    const acc = readFloat32(ctx.backend, dw);
    const part = readFloat32(ctx.backend, prod);
    for (let i = 0; i < acc.length; i++) acc[i] += part[i];
    disposeIntermediate(ctx.backend, prod);
  }
  return dw;
}

/**
 * Gradient w.r.t. the input of a stride-1, single-group convolution as a forward convolution of
 * `dy` with the spatially flipped, in/out-transposed filter (`[kh,kw,O,C]`), run by the backend's
 * own Conv2D kernel: no patch matrix and no scatter-add.
 */
export function flippedConvBackpropInput(
  ctx: ConvContext,
  dy: TensorInfo,
  filter: TensorInfo,
  geo: ConvGeometry,
): TensorInfo | null {
  const conv2d = getKernel('Conv2D', ctx.backendName);
  if (conv2d == null || geo.groups !== 1 || geo.strideHeight !== 1 || geo.strideWidth !== 1) return null;
  // Small maps: packing the flipped filter costs more than the product (see groupedConvBackpropInput).
  const M = geo.batch * geo.outHeight * geo.outWidth;
  if (M < geo.filterHeight * geo.filterWidth * geo.inChannels) return null;
  const { filterHeight: kh, filterWidth: kw, dilationHeight: dh, dilationWidth: dw } = geo;
  const top = (kh - 1) * dh - geo.padTop;
  const left = (kw - 1) * dw - geo.padLeft;
  const bottom = geo.inHeight - geo.outHeight + geo.padTop;
  const right = geo.inWidth - geo.outWidth + geo.padLeft;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) return null;
  const C = geo.inChannels;
  const O = geo.outChannels;
  const flipped = writeFloat32(ctx.backend, [kh, kw, O, C], (out) => {
    const f = readFloat32(ctx.backend, filter);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const src = ((kh - 1 - ky) * kw + (kw - 1 - kx)) * C * O;
        transposeInto(f, C, O, out, src, (ky * kw + kx) * O * C);
      }
    }
  });
  const dx = conv2d.kernelFunc({
    inputs: { x: dy, filter: flipped },
    backend: ctx.backend,
    attrs: {
      strides: 1,
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dilations: [dh, dw],
      dataFormat: 'NHWC',
    },
  }) as TensorInfo;
  disposeIntermediate(ctx.backend, flipped);
  return dx;
}

interface Phase {
  /** Residue of the input row (column) index this phase produces. */
  q: number;
  /** Taps of the filter that reach it: q, q + s, … (count). */
  taps: number;
  /** First phase-grid index u (input index = u·s + q − pad) and their count. */
  first: number;
  count: number;
  padBefore: number;
  padAfter: number;
}

function phasesOf(size: number, outSize: number, k: number, s: number, pad: number): Phase[] | null {
  const phases: Phase[] = [];
  for (let q = 0; q < s; q++) {
    const taps = Math.max(0, Math.ceil((k - q) / s));
    const first = Math.ceil((pad - q) / s);
    const last = Math.floor((size - 1 + pad - q) / s);
    const count = last - first + 1;
    if (count <= 0) continue;
    const padBefore = taps - 1 - first;
    const padAfter = count + taps - 1 - padBefore - outSize;
    if (taps > 0 && (padBefore < 0 || padAfter < 0)) return null;
    phases.push({ q, taps, first, count, padBefore, padAfter });
  }
  return phases;
}

/**
 * Gradient w.r.t. the input of a strided, single-group, undilated convolution as `s²` stride-1
 * convolutions run by the backend's Conv2D kernel, one per output phase: the input rows with
 * `(iy + pad) mod s = q` receive exactly the filter taps `q, q + s, …`, so each phase is a
 * convolution of `dy` with that flipped sub-filter, written back interleaved. Same work as the
 * forward convolution, no patch matrix. Returns null where the geometry needs cropping.
 */
export function phaseConvBackpropInput(
  ctx: ConvContext,
  dy: TensorInfo,
  filter: TensorInfo,
  geo: ConvGeometry,
): TensorInfo | null {
  const conv2d = getKernel('Conv2D', ctx.backendName);
  if (conv2d == null || geo.groups !== 1 || geo.dilationHeight !== 1 || geo.dilationWidth !== 1) return null;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = geo;
  // Small maps: packing the sub-filters costs more than the product (measured crossover near
  // M = Kg/4, e.g. 64x64x128 → 32x32 favours phases, 32x32x256 → 16x16 the W·dyᵀ product).
  if (4 * geo.batch * geo.outHeight * geo.outWidth < kh * kw * geo.inChannels) return null;
  const rows = phasesOf(geo.inHeight, geo.outHeight, kh, sh, geo.padTop);
  const cols = phasesOf(geo.inWidth, geo.outWidth, kw, sw, geo.padLeft);
  if (rows == null || cols == null) return null;
  const { inChannels: C, outChannels: O, inHeight: H, inWidth: W, batch: N } = geo;
  const xShape = [N, H, W, C];
  const dx = writeFloat32(ctx.backend, xShape, () => {}, true);
  for (const py of rows) {
    for (const px of cols) {
      if (py.taps === 0 || px.taps === 0) continue;
      const ty = py.taps;
      const tx = px.taps;
      const sub = writeFloat32(ctx.backend, [ty, tx, O, C], (out) => {
        const f = readFloat32(ctx.backend, filter);
        for (let jy = 0; jy < ty; jy++) {
          const ky = py.q + sh * (ty - 1 - jy);
          for (let jx = 0; jx < tx; jx++) {
            const kx = px.q + sw * (tx - 1 - jx);
            transposeInto(f, C, O, out, (ky * kw + kx) * C * O, (jy * tx + jx) * O * C);
          }
        }
      });
      const part = conv2d.kernelFunc({
        inputs: { x: dy, filter: sub },
        backend: ctx.backend,
        attrs: {
          strides: 1,
          pad: [
            [0, 0],
            [py.padBefore, py.padAfter],
            [px.padBefore, px.padAfter],
            [0, 0],
          ],
          dilations: 1,
          dataFormat: 'NHWC',
        },
      }) as TensorInfo;
      disposeIntermediate(ctx.backend, sub);
      const z = readFloat32(ctx.backend, part);
      const out = readFloat32(ctx.backend, dx);
      for (let n = 0; n < N; n++) {
        for (let v = 0; v < py.count; v++) {
          const iy = (py.first + v) * sh + py.q - geo.padTop;
          for (let w = 0; w < px.count; w++) {
            const ix = (px.first + w) * sw + px.q - geo.padLeft;
            out.set(
              z.subarray(
                ((n * py.count + v) * px.count + w) * C,
                ((n * py.count + v) * px.count + w + 1) * C,
              ),
              ((n * H + iy) * W + ix) * C,
            );
          }
        }
      }
      disposeIntermediate(ctx.backend, part);
    }
  }
  return dx;
}
