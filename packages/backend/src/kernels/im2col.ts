import type { ConvGeometry } from './convGeometry';
import { transposeInto } from './transpose';

/**
 * Patch matrices for convolution as matrix multiplication. With `M = N*Ho*Wo` output pixels,
 * `T = kh*kw` taps, `Cg = C/groups` and `Kg = T*Cg`, the patch matrix of group `g` holds, at row
 * `m`, column `t*Cg + c`, the input value under tap `t` for channel `g*Cg + c` (0 in the padding).
 */

/** Fill `cols` `[groups, M, Kg]` from `x` `[N,H,W,C]`. */
export function im2col(x: Float32Array, geo: ConvGeometry, cols: Float32Array): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo, groups: G } = geo;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = geo;
  const { dilationHeight: dh, dilationWidth: dw, padTop, padLeft } = geo;
  const Cg = C / G;
  const Kg = kh * kw * Cg;
  const M = batch * Ho * Wo;
  let m = 0;
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++, m++) {
        for (let g = 0; g < G; g++) {
          let dst = (g * M + m) * Kg;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh + ky * dh - padTop;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw + kx * dw - padLeft;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
                cols.fill(0, dst, dst + Cg);
              } else {
                const src = ((n * H + iy) * W + ix) * C + g * Cg;
                for (let c = 0; c < Cg; c++) cols[dst + c] = x[src + c];
              }
              dst += Cg;
            }
          }
        }
      }
    }
  }
}

/**
 * Fill `colsT` `[groups, Kg, M]` (the transpose of {@link im2col}'s matrices) from `x`. The image is
 * first made channel-planar so that every row of `colsT` is read and written sequentially (whole
 * contiguous runs at stride 1).
 */
export function im2colTransposed(x: Float32Array, geo: ConvGeometry, colsT: Float32Array): void {
  im2colTransposedRows(
    isPointwise(geo) ? x : channelPlanes(x, geo),
    geo,
    colsT,
    0,
    geo.batch * geo.outHeight,
  );
}

/** `x` `[N,H,W,C]` as `C` planes `[N,H,W]` (the layout {@link im2colTransposedRows} reads). */
export function channelPlanes(x: Float32Array, geo: ConvGeometry): Float32Array {
  const { batch, inHeight: H, inWidth: W, inChannels: C } = geo;
  const planes = new Float32Array(C * batch * H * W);
  transposeInto(x, batch * H * W, C, planes);
  return planes;
}

/**
 * The columns of {@link im2colTransposed}'s matrices for output rows `[r0, r1)` only, counting rows
 * over `(n, oy)` (`r = n*Ho + oy`): `colsT` `[groups, Kg, (r1 - r0)*Wo]`. `source` is
 * {@link channelPlanes} of the input, or for a pointwise convolution the input `[N,H,W,C]` itself.
 */
export function im2colTransposedRows(
  source: Float32Array,
  geo: ConvGeometry,
  colsT: Float32Array,
  r0: number,
  r1: number,
): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo, groups: G } = geo;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = geo;
  const { dilationHeight: dh, dilationWidth: dw, padTop, padLeft } = geo;
  const Cg = C / G;
  const Mc = (r1 - r0) * Wo;
  const HW = H * W;
  if (isPointwise(geo)) {
    transposeInto(source, Mc, C, colsT, r0 * Wo * C);
    return;
  }
  for (let g = 0; g < G; g++) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const t = ky * kw + kx;
        // Output columns whose input column lies inside the image: ox in [oxLo, oxHi).
        const offX = kx * dw - padLeft;
        const oxLo = Math.min(Wo, Math.max(0, Math.ceil(-offX / sw)));
        const oxHi = Math.max(oxLo, Math.min(Wo, Math.floor((W - 1 - offX) / sw) + 1));
        for (let c = 0; c < Cg; c++) {
          let dst = ((g * kh * kw + t) * Cg + c) * Mc;
          const plane = (g * Cg + c) * batch * HW;
          for (let r = r0; r < r1; r++, dst += Wo) {
            const n = Math.floor(r / Ho);
            const oy = r - n * Ho;
            const iy = oy * sh + ky * dh - padTop;
            if (iy < 0 || iy >= H) {
              colsT.fill(0, dst, dst + Wo);
              continue;
            }
            if (oxLo > 0) colsT.fill(0, dst, dst + oxLo);
            if (oxHi < Wo) colsT.fill(0, dst + oxHi, dst + Wo);
            const row = plane + n * HW + iy * W + offX;
            if (sw === 1) {
              colsT.set(source.subarray(row + oxLo, row + oxHi), dst + oxLo);
            } else {
              for (let ox = oxLo; ox < oxHi; ox++) colsT[dst + ox] = source[row + ox * sw];
            }
          }
        }
      }
    }
  }
}

/** Accumulate `cols` `[groups, M, Kg]` back onto `dx` `[N,H,W,C]` (the adjoint of {@link im2col}). */
export function col2im(cols: Float32Array, geo: ConvGeometry, dx: Float32Array): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo, groups: G } = geo;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = geo;
  const { dilationHeight: dh, dilationWidth: dw, padTop, padLeft } = geo;
  const Cg = C / G;
  const Kg = kh * kw * Cg;
  const M = batch * Ho * Wo;
  let m = 0;
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++, m++) {
        for (let g = 0; g < G; g++) {
          let src = (g * M + m) * Kg;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh + ky * dh - padTop;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw + kx * dw - padLeft;
              if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
                const dst = ((n * H + iy) * W + ix) * C + g * Cg;
                for (let c = 0; c < Cg; c++) dx[dst + c] += cols[src + c];
              }
              src += Cg;
            }
          }
        }
      }
    }
  }
}

/** True when the patch matrix of a single-group convolution is the input itself (1x1, stride 1, no padding). */
export function isPointwise(geo: ConvGeometry): boolean {
  return (
    geo.groups === 1 &&
    geo.filterHeight === 1 &&
    geo.filterWidth === 1 &&
    geo.strideHeight === 1 &&
    geo.strideWidth === 1 &&
    geo.padTop === 0 &&
    geo.padLeft === 0 &&
    geo.outHeight === geo.inHeight &&
    geo.outWidth === geo.inWidth
  );
}

/**
 * Accumulate `colsT` `[groups, Kg, M]` back onto `dx` `[N,H,W,C]` (the adjoint of
 * {@link im2colTransposed}), through a channel-planar buffer so rows are read sequentially.
 */
export function col2imTransposed(colsT: Float32Array, geo: ConvGeometry, dx: Float32Array): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo, groups: G } = geo;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = geo;
  const { dilationHeight: dh, dilationWidth: dw, padTop, padLeft } = geo;
  const Cg = C / G;
  const M = batch * Ho * Wo;
  const HW = H * W;
  const planes = new Float32Array(C * batch * HW);
  for (let g = 0; g < G; g++) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const t = ky * kw + kx;
        const offX = kx * dw - padLeft;
        const oxLo = Math.min(Wo, Math.max(0, Math.ceil(-offX / sw)));
        const oxHi = Math.max(oxLo, Math.min(Wo, Math.floor((W - 1 - offX) / sw) + 1));
        for (let c = 0; c < Cg; c++) {
          let src = ((g * kh * kw + t) * Cg + c) * M;
          const plane = (g * Cg + c) * batch * HW;
          for (let n = 0; n < batch; n++) {
            for (let oy = 0; oy < Ho; oy++, src += Wo) {
              const iy = oy * sh + ky * dh - padTop;
              if (iy < 0 || iy >= H) continue;
              const row = plane + n * HW + iy * W + offX;
              for (let ox = oxLo; ox < oxHi; ox++) planes[row + ox * sw] += colsT[src + ox];
            }
          }
        }
      }
    }
  }
  // dx is zero on entry (a fresh output), so the planes are transposed straight into it.
  transposeInto(planes, C, batch * HW, dx);
}
