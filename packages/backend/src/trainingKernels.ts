import type { GradConfig, KernelConfig } from '@tensorflow/tfjs-core';
import {
  getGradient,
  getKernel,
  registerGradient,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { gatherNdGradConfig } from './gradients/gatherNdGrad';
import { stridedSliceGradConfig } from './gradients/stridedSliceGrad';
import { topKGradConfig } from './gradients/topKGrad';
import { aliasingKernels } from './kernels/aliasingKernels';
import { transposingBatchMatMulKernel } from './kernels/batchMatMulTransposed';
import { convolutionGradientKernels, groupedConvolutionKernels } from './kernels/convolutionKernels';
import { guardWasmHeap } from './kernels/heapGuard';
import { nativeInstalled, nativeKernels } from './kernels/nativeKernels';
import { unsortedSegmentSumKernel } from './kernels/unsortedSegmentSum';
import { conv2dGroupedGradConfig } from './ops/conv2dGrouped';

/** Gradients this package adds; tfjs ships none for these kernels. */
const gradients: GradConfig[] = [
  conv2dGroupedGradConfig,
  gatherNdGradConfig,
  topKGradConfig,
  stridedSliceGradConfig,
];

/** Register the gradients above once (tfjs' own gradients win if it ever ships one). */
export function registerTrainingGradients(): void {
  for (const config of gradients) {
    if (getGradient(config.kernelName) == null) registerGradient(config);
  }
}

function addKernel(config: KernelConfig): void {
  if (getKernel(config.kernelName, config.backendName) == null) registerKernel(config);
}

function replaceKernel(config: KernelConfig): void {
  if (getKernel(config.kernelName, config.backendName) != null) {
    unregisterKernel(config.kernelName, config.backendName);
  }
  registerKernel(config);
}

/**
 * Install this package's kernels for one backend: the grouped convolution everywhere; on wasm also
 * the convolution gradients (faster or missing), UnsortedSegmentSum, and an Identity / same-dtype
 * Cast that share memory instead of copying it, and a check that fails a tensor allocation the
 * 4 GiB heap cannot hold with a `WasmHeapExhaustedError` instead of corrupting the heap. The cpu backend keeps its
 * own kernels: it is the reference the others are tested against.
 *
 * When the native addon is available (Node, x86-64 with AVX2/FMA, `native/build/rcnn_native.node`
 * built), wasm's Conv2D, FusedConv2D (bias + linear/relu/relu6), Conv2DBackpropInput/Filter,
 * BatchMatMul and _FusedMatMul (same rule), the one-group Conv2DGrouped gradients, Sum over
 * leading axes, MaxPoolGrad, Add / Sub / Multiply (same shape or per channel), Relu and Step are then
 * wrapped by native multi-threaded kernels that write into the wasm heap; the wrapped kernels
 * delegate to the ones they replaced for anything else, and whenever `initBackend({ native: false })`
 * turned them off.
 */
export function installTrainingKernels(backendName: string): void {
  for (const config of groupedConvolutionKernels(backendName)) addKernel(config);
  if (backendName === 'wasm') {
    guardWasmHeap(backendName);
    for (const config of convolutionGradientKernels(backendName)) replaceKernel(config);
    addKernel(unsortedSegmentSumKernel(backendName));
    for (const config of aliasingKernels(backendName)) replaceKernel(config);
    const matMul = transposingBatchMatMulKernel(backendName);
    if (matMul) replaceKernel(matMul);
    const native = nativeKernels(backendName);
    for (const config of native) replaceKernel(config);
    if (native.length > 0) nativeInstalled.add(backendName);
  }
}
