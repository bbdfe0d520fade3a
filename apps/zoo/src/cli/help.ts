/** Help text of each command, with examples. */
export const COMMAND_HELP: Readonly<Record<string, string>> = {
  compare: `zoo compare --suite <name> [options]
  Train and evaluate every variant of a suite on the built-in synthetic data, then print the
  tables (paper columns, deltas against the first row) and write results.json, results.md and
  report.html under <runs>/<suite>/. Rerunning reuses finished variants and resumes interrupted
  ones from their last checkpoint; Ctrl-C checkpoints and stops.
  --suite <name>         quick | roi | mask-loss | mask-head | backbone | detection (default quick)
  --only <ids>           comma-separated variant ids of the suite
  --workers <n>          variants trained at once in worker threads (default: min(cores, variants))
  --runs <dir>           where runs are kept (default <repo>/runs/zoo or $ZOO_RUNS)
  --backend <name>       tfjs backend (default wasm)
  --iterations <n>  --train-images <n>  --val-images <n>  --image-size <px>  --batch-size <n>
  --pretrain-iterations <n>  --seed <n>
                         override the suite's budget (a new budget means a new run); the
                         pretraining of the shared trunk (object-crop classification, the
                         paper's ImageNet initialisation) runs once per trunk and dataset and
                         is reused by every suite; 0 trains every variant from random weights;
                         --seed changes weights, sampling and data order (not the dataset)
  examples:
    zoo compare --suite quick
    zoo compare --suite roi --workers 2
    zoo compare --suite detection --only faster-roipool,mask-roialign --iterations 200`,
  train: `zoo train <variant> [options]
  Train and evaluate one variant (suite/variant, or a variant id of the quick suite); the
  checkpoint lands in <runs>/<suite>/variants/<variant>/checkpoint.safetensors.
  Takes the budget options and --runs/--backend of compare, plus --suite <name>.
  examples:
    zoo train mask-roialign
    zoo train roi/c5-roialign --iterations 500`,
  eval: `zoo eval <checkpoint> [options]
  COCO box and mask AP of a checkpoint (file, or a variant folder) on a COCO dataset.
  --data <file|dir>      instances JSON (or a folder holding annotations.json); default: the
                         val split the checkpoint was trained with
  --images <dir>         image folder of --data (default: images/ beside it, else its folder)
  --limit <n>            evaluate the first n images
  --backend <name>       tfjs backend (default wasm)
  examples:
    zoo eval runs/zoo/quick/variants/mask-roialign/checkpoint.safetensors
    zoo eval runs/zoo/quick/variants/mask-roialign --data my-coco/val/annotations.json`,
  predict: `zoo predict <image...> --model <checkpoint> [options]
  Run a checkpoint on PNG/JPEG images and write each with its masks, boxes, class names and
  scores drawn, as <out>/<name>.pred.png.
  --model <checkpoint>   checkpoint file or variant folder (required)
  --out <dir>            output folder (default: beside each image)
  --score <s>            lowest score drawn, 0..1 (default 0.5)
  --backend <name>       tfjs backend (default wasm)
  examples:
    zoo predict street.png --model runs/zoo/quick/variants/mask-roialign
    zoo predict a.png b.jpg --model ckpt.safetensors --out predictions --score 0.3`,
  report: `zoo report [--suite <name>] [--runs <dir>]
  Rebuild results.json, results.md and report.html (tables, AP and loss charts, a grid of
  predictions on the same val images) from a suite's finished variants; all suites with
  results when --suite is left out.
  examples:
    zoo report
    zoo report --suite quick --runs runs/zoo`,
  suites: `zoo suites [--runs <dir>]
  List the suites, their variants and their estimated time on this machine.
  example:
    zoo suites`,
};

/** The overview printed by `zoo --help`. */
export function mainHelp(): string {
  return `zoo: train, evaluate and compare R-CNN variants on built-in synthetic data, like the
Mask R-CNN paper's ablation tables.

usage: zoo <command> [options]

commands:
  compare --suite <name>             train + evaluate a suite, print tables, write the report
  train <variant>                    train + evaluate one variant
  eval <checkpoint>                  COCO AP of a checkpoint
  predict <image...> --model <ckpt>  draw a checkpoint's detections on images
  report                             rebuild the HTML/Markdown/JSON report from finished runs
  suites                             list suites and their estimated time here

examples:
  zoo compare --suite quick
  zoo train mask-roialign --iterations 100
  zoo eval runs/zoo/quick/variants/mask-roialign
  zoo predict photo.png --model runs/zoo/quick/variants/mask-roialign --out out
  zoo report --suite quick
  zoo suites

'zoo <command> --help' shows a command's options.`;
}
