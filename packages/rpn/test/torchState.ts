import { float32Tensor, loadStateDict, type Module, type StateDict } from '@rcnn/core';

/** A state-dict entry as the fixture scripts write it: torch layout, row-major values. */
export interface TorchTensor {
  shape: number[];
  data: number[];
}

/** The fixture's JSON state dict as `@rcnn/core`'s `StateDict`. */
export function toStateDict(state: Record<string, TorchTensor>): StateDict {
  return new Map(
    Object.entries(state).map(([k, v]) => [k, float32Tensor(Float32Array.from(v.data), v.shape)]),
  );
}

/** Load a fixture state dict into `module` with `@rcnn/core`'s strict importer. */
export function loadTorchState(module: Module, state: Record<string, TorchTensor>): void {
  loadStateDict(module, toStateDict(state), { source: 'fixture' });
}
