import { RcnnError } from '@rcnn/core';

/** Training stopped because a loss term became NaN or infinite; `term` names it. */
export class NonFiniteLossError extends RcnnError {
  override readonly name = 'NonFiniteLossError';
  constructor(
    readonly term: string,
    readonly value: number,
    readonly iteration: number,
  ) {
    super(
      `loss term '${term}' is ${value} at iteration ${iteration}: training stopped (lower the learning rate, enable gradient clipping, or check the data)`,
    );
  }
}
