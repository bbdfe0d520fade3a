import { intOption, type ParsedCommand } from '../cli/parseCommand';
import type { Budget } from './types';

/** The suite's budget with `--iterations`, `--train-images`, `--val-images`, `--image-size`, `--batch-size`, `--pretrain-iterations`, `--seed` applied. */
export function budgetWithOverrides(budget: Budget, options: ParsedCommand['options']): Budget {
  const iterations = intOption(options, 'iterations', 1);
  const trainImages = intOption(options, 'train-images', 1);
  const valImages = intOption(options, 'val-images', 1);
  const imageSize = intOption(options, 'image-size', 128, 800);
  const batchSize = intOption(options, 'batch-size', 1, 64);
  const pretrainIterations = intOption(options, 'pretrain-iterations', 0);
  const seed = intOption(options, 'seed', 0);
  const out: Budget = {
    ...budget,
    ...(iterations !== undefined
      ? { iterations, warmupIterations: Math.min(budget.warmupIterations, Math.floor(iterations / 5)) }
      : {}),
    ...(trainImages !== undefined ? { trainImages } : {}),
    ...(valImages !== undefined ? { valImages, gridImages: Math.min(budget.gridImages, valImages) } : {}),
    ...(imageSize !== undefined ? { imageSize } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(pretrainIterations !== undefined ? { pretrainIterations } : {}),
    ...(seed !== undefined ? { seed } : {}),
  };
  return out;
}
