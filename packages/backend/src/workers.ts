export { DataParallel, type GradientJob, type GradientResult } from './workers/dataParallel';
export { type RunInWorkersOptions, runInWorkers } from './workers/runInWorkers';
export {
  WorkerJobError,
  type WorkerJobModule,
  WorkerPool,
  type WorkerPoolOptions,
} from './workers/workerPool';
