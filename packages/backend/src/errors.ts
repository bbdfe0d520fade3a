/** Raised when a convolution's tensors or options do not fit together; names the culprit. */
export class ConvolutionShapeError extends Error {
  override readonly name = 'ConvolutionShapeError';
  constructor(
    readonly op: string,
    readonly argument: string,
    detail: string,
  ) {
    super(`${op}: '${argument}' ${detail}`);
  }
}

/** Raised when an op is called before `initBackend` registered its kernel for the active backend. */
export class KernelNotRegisteredError extends Error {
  override readonly name = 'KernelNotRegisteredError';
  constructor(
    readonly kernel: string,
    readonly backend: string,
  ) {
    super(`kernel '${kernel}' is not registered for backend '${backend}': call initBackend() first`);
  }
}
