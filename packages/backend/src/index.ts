export {
  BackendUnavailableError,
  type InitBackendOptions,
  initBackend,
  registerBackendExtension,
} from './initBackend';
export { expectNoLeaks, TensorLeakError } from './leaks';
