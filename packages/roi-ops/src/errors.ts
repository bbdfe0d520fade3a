/** Raised when a tensor handed to a RoI op has the wrong rank, shape or dtype. */
export class RoiTensorError extends Error {
  override readonly name = 'RoiTensorError';
  constructor(
    readonly tensor: string,
    detail: string,
  ) {
    super(`${tensor}: ${detail}`);
  }
}

/** Raised when a RoI row holds a NaN/infinite coordinate or a batch index outside the batch. */
export class RoiCoordinateError extends Error {
  override readonly name = 'RoiCoordinateError';
  constructor(
    readonly row: number,
    readonly column: string,
    readonly value: number,
    detail: string,
  ) {
    super(`rois[${row}].${column} = ${value}: ${detail}`);
  }
}

/** Raised when an option of a RoI op or pooler is out of range or of the wrong kind. */
export class RoiOptionError extends Error {
  override readonly name = 'RoiOptionError';
  constructor(
    readonly option: string,
    detail: string,
  ) {
    super(`option '${option}': ${detail}`);
  }
}

/** Raised when a RoI op runs on a backend its kernels are not registered for. */
export class RoiKernelNotRegisteredError extends Error {
  override readonly name = 'RoiKernelNotRegisteredError';
  constructor(
    readonly kernel: string,
    readonly backend: string,
  ) {
    super(
      `kernel '${kernel}' is not registered for backend '${backend}': call registerRoiOps() (after initBackend()) first`,
    );
  }
}
