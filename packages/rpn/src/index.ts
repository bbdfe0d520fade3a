export { type AnchorTargets, assignAnchorTargets, rpnMatcher } from './anchorTargets';
export { filterProposals, type ImageProposals, type ProposalFilterOptions } from './filterProposals';
export { type FlatRpnPredictions, flattenPredictions } from './flattenPredictions';
export {
  type ProposalCounts,
  RegionProposalNetwork,
  type RegionProposalNetworkOptions,
  type RpnInput,
  type RpnOutput,
} from './regionProposalNetwork';
export { legacyRpnHeadName, RpnHead, type RpnHeadOptions, type RpnHeadOutput } from './rpnHead';
export { type RpnTrainingLoss, type RpnTrainingLossInput, rpnTrainingLoss } from './rpnTrainingLoss';
