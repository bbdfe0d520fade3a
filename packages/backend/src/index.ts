export { ConvolutionShapeError, KernelNotRegisteredError } from './errors';
export {
  BackendUnavailableError,
  type InitBackendOptions,
  initBackend,
  type NativeKernelsStatus,
  nativeKernelsActive,
  nativeKernelsStatus,
  registerBackendExtension,
} from './initBackend';
export type { ConvPadding } from './kernels/convGeometry';
export {
  Conv2DGrouped,
  Conv2DGroupedBackpropFilter,
  Conv2DGroupedBackpropInput,
} from './kernels/convolutionKernels';
export { WasmHeapExhaustedError } from './kernels/heapGuard';
export { expectNoLeaks, TensorLeakError } from './leaks';
export { type Conv2DGroupedOptions, conv2dGrouped } from './ops/conv2dGrouped';
export { installTrainingKernels } from './trainingKernels';
