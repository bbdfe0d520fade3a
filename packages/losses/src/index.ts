export { type BinaryCrossEntropyOptions, binaryCrossEntropyWithLogits } from './binaryCrossEntropy';
export type { IndexInput } from './checks';
export { type SoftmaxCrossEntropyOptions, softmaxCrossEntropy } from './crossEntropy';
export { type FastRcnnLosses, type FastRcnnLossOptions, fastRcnnLoss } from './fastRcnnLoss';
export { type L1Options, l1Loss } from './l1';
export { multinomialMaskLoss, sigmoidMaskLoss } from './maskLoss';
export { type Reduction, reduceLoss } from './reduction';
export { type RpnLosses, type RpnLossOptions, rpnLoss } from './rpnLoss';
export { type SmoothL1Options, smoothL1Loss } from './smoothL1';
