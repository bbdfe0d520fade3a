export {
  type RunInWorkersOptions,
  runInWorkers,
  WorkerJobError,
  type WorkerJobModule,
} from './workers/runInWorkers';
