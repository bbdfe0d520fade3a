/**
 * Score a COCO results file with `@rcnn/eval` alone: no TensorFlow.js, no other rcnn.ts package.
 * The results can come from any detector (torchvision, detectron2, ours) as long as they are in
 * COCO's results format.
 *
 *   node scoreCocoResults.js instances_val2017.json segm_results.json segm
 */
import { readFileSync } from 'node:fs';
import { type CocoDataset, type CocoResult, evaluate, type IouType, summarize } from '@rcnn/eval';

const [groundTruthFile, resultsFile, iouType = 'bbox'] = process.argv.slice(2);
if (groundTruthFile === undefined || resultsFile === undefined) {
  throw new Error('usage: scoreCocoResults <instances.json> <results.json> [bbox|segm|keypoints]');
}
const groundTruth = JSON.parse(readFileSync(groundTruthFile, 'utf8')) as CocoDataset;
const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as CocoResult[];

const evaluation = evaluate(groundTruth, results, { iouType: iouType as IouType });
console.log(summarize(evaluation)); // the 12 lines pycocotools prints
for (const { categoryId, ap } of evaluation.perCategoryAp)
  console.log(`category ${categoryId}: AP ${ap.toFixed(3)}`);
console.log(JSON.stringify({ stats: evaluation.stats }));
