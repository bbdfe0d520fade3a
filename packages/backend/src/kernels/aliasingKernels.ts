import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { Cast, getKernel, Identity } from '@tensorflow/tfjs-core';

/** The reference-counting part of a backend (every tfjs backend has it). */
interface RefCounted {
  incRef(dataId: object): void;
}

const ownKernel = Symbol('rcnn.aliasingKernel');

function alias(backend: unknown, x: TensorInfo): TensorInfo {
  (backend as KernelBackend & RefCounted).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Identity and same-dtype Cast that share the input's memory (reference counted, as the cpu
 * backend does) instead of copying it, as tfjs-backend-wasm does. The engine clones every tensor
 * a gradient saves through Identity, so on wasm each training step copied all saved activations.
 * Safe because no kernel writes into its inputs and `Variable.assign` swaps data, never mutates it.
 * Other cases fall through to the backend's own kernel.
 */
export function aliasingKernels(backendName: string): KernelConfig[] {
  const configs: KernelConfig[] = [];
  const identity = getKernel(Identity, backendName);
  if (identity != null && !(ownKernel in identity.kernelFunc)) {
    const original = identity.kernelFunc;
    const kernelFunc: KernelFunc = (args) => {
      const x = args.inputs.x as TensorInfo;
      return x.dtype === 'string' ? original(args) : alias(args.backend, x);
    };
    configs.push({ ...identity, kernelFunc: Object.assign(kernelFunc, { [ownKernel]: true }) });
  }
  const cast = getKernel(Cast, backendName);
  if (cast != null && !(ownKernel in cast.kernelFunc)) {
    const original = cast.kernelFunc;
    const kernelFunc: KernelFunc = (args) => {
      const x = args.inputs.x as TensorInfo;
      const { dtype } = args.attrs as { dtype: string };
      return dtype === x.dtype && dtype !== 'string' ? alias(args.backend, x) : original(args);
    };
    configs.push({ ...cast, kernelFunc: Object.assign(kernelFunc, { [ownKernel]: true }) });
  }
  return configs;
}
