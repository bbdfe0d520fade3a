import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { getKernel } from '@tensorflow/tfjs-core';

/**
 * wasm's BatchMatMul runs 10–20× slower with `transposeA`/`transposeB` set than without (measured
 * here: a [512,6272]ᵀ·[512,256] product 4.6 s vs 0.26 s transposing first), and tfjs' MatMul
 * gradient always sets one of them. This wraps the backend's own kernel: transpose the flagged
 * inputs with its Transpose kernel, then multiply without flags. Returns null when the backend
 * lacks either kernel.
 */
export function transposingBatchMatMulKernel(backendName: string): KernelConfig | null {
  const matMul = getKernel('BatchMatMul', backendName);
  const transpose = getKernel('Transpose', backendName);
  if (matMul == null || transpose == null) return null;
  // Re-wrapping an already wrapped kernel would recurse; keep the original behind a marker.
  const original = ((matMul.kernelFunc as { original?: KernelFunc }).original ??
    matMul.kernelFunc) as KernelFunc;
  const kernelFunc = ((args: Parameters<KernelFunc>[0]) => {
    const { inputs, backend, attrs } = args;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original(args);
    const made: TensorInfo[] = [];
    const flip = (x: TensorInfo): TensorInfo => {
      const rank = x.shape.length;
      const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
      const t = transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
      made.push(t);
      return t;
    };
    const a = transposeA ? flip(inputs.a as TensorInfo) : (inputs.a as TensorInfo);
    const b = transposeB ? flip(inputs.b as TensorInfo) : (inputs.b as TensorInfo);
    try {
      return original({
        inputs: { a, b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      for (const t of made) (backend as { disposeData(id: object): void }).disposeData(t.dataId);
    }
  }) as KernelFunc & { original?: KernelFunc };
  kernelFunc.original = original;
  return { kernelName: 'BatchMatMul', backendName, kernelFunc };
}
