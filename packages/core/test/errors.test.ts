import { describe, expect, it } from 'vitest';
import { ConfigError, InputError, RcnnError, ShapeError } from '../src/index';

describe('typed errors', () => {
  it('ShapeError names the tensor and both shapes', () => {
    const e = new ShapeError('boxes', [null, 4], [3, 5]);
    expect(e).toBeInstanceOf(RcnnError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ShapeError');
    expect(e.message).toBe('boxes: expected shape [*,4], got [3,5]');
    expect(e.tensor).toBe('boxes');
    expect(e.actual).toEqual([3, 5]);
    expect(new ShapeError('scores', '[N] matching boxes', [2, 2], 'N = 3').message).toBe(
      'scores: expected shape [N] matching boxes, got [2,2] (N = 3)',
    );
  });

  it('InputError and ConfigError name their culprit', () => {
    const i = new InputError('annotations.json: annotation 7', 'bbox has negative width');
    expect(i).toBeInstanceOf(RcnnError);
    expect(i.name).toBe('InputError');
    expect(i.message).toBe('annotations.json: annotation 7: bbox has negative width');
    const c = new ConfigError('iouThreshold', 'must be in [0, 1], got 2');
    expect(c).toBeInstanceOf(RcnnError);
    expect(c.name).toBe('ConfigError');
    expect(c.option).toBe('iouThreshold');
    expect(c.message).toBe("option 'iouThreshold': must be in [0, 1], got 2");
  });
});
