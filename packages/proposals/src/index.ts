export { type ChannelImage, COLOR_SPACES, type ColorSpace, convertColorSpace } from './colorSpace';
export { type FelzenszwalbOptions, felzenszwalbSegmentation, type Segmentation } from './felzenszwalb';
export { gaussianDerivativeKernel, gaussianKernel, separableFilter } from './gaussianFilter';
export { hierarchicalGrouping } from './hierarchicalGrouping';
export type { ProposalGenerator, Proposals } from './proposalGenerator';
export { checkProposalImage, type ProposalImage } from './proposalImage';
export {
  type ProposalRecall,
  type ProposalRecallOptions,
  proposalRecall,
  type RecallImage,
} from './proposalRecall';
export { COLOR_BINS, initialRegions, type RegionTable } from './regionTable';
export {
  SELECTIVE_SEARCH_STRATEGIES,
  SelectiveSearch,
  type SelectiveSearchOptions,
  type SelectiveSearchStrategy,
  selectiveSearch,
} from './selectiveSearch';
export type { SimilarityCombination, SimilarityMeasure } from './similarity';
export { TEXTURE_BINS, TEXTURE_ORIENTATIONS, textureBins } from './textureBins';
