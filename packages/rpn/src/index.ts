export { filterProposals, type ImageProposals, type ProposalFilterOptions } from './filterProposals';
export { type FlatRpnPredictions, flattenPredictions } from './flattenPredictions';
export { legacyRpnHeadName, RpnHead, type RpnHeadOptions, type RpnHeadOutput } from './rpnHead';
