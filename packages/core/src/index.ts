export { ConfigError, InputError, RcnnError, type ShapeDim, ShapeError } from './errors';
export { SeededRandom, type ShuffleArray } from './rng';
export * from './nn/index';
