export { keypointRcnnLoss } from './keypointLoss';
export { type KeypointTargets, keypointsToHeatmap } from './keypointTargets';
