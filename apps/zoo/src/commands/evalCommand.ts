import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readCocoDataset } from '@rcnn/data';
import type { CocoDataset } from '@rcnn/eval';
import { initDetectorBackend } from '@rcnn/model-zoo';
import type { CliIo } from '../cli/io';
import { intOption, type ParsedCommand, stringOption } from '../cli/parseCommand';
import { UsageError } from '../cli/usageError';
import { ProgressBoard } from '../progress/progressBoard';
import { formatAp } from '../report/renderTables';
import { evaluateDetector } from '../run/evaluateDetector';
import { loadDetectorCheckpoint, resolveCheckpointFile } from '../run/loadDetector';
import type { CocoStats } from '../run/types';

/**
 * The annotations file `--data` points at: the file itself, or inside a folder `annotations.json`
 * or a single `instances_*.json` (also under `annotations/`).
 */
export function resolveAnnotations(data: string): string {
  if (!existsSync(data))
    throw new UsageError(`no such dataset: ${data}`, 'pass a COCO instances JSON file or its folder');
  if (statSync(data).isFile()) return data;
  const candidates = [data, join(data, 'annotations')].flatMap((dir) =>
    existsSync(dir) && statSync(dir).isDirectory()
      ? readdirSync(dir)
          .filter((f) => f === 'annotations.json' || /^instances_.*\.json$/.test(f))
          .map((f) => join(dir, f))
      : [],
  );
  if (candidates.length === 0) {
    throw new UsageError(
      `no annotations in ${data}`,
      'expected annotations.json or instances_*.json there; pass the instances JSON file with --data',
    );
  }
  if (candidates.length > 1) {
    throw new UsageError(
      `several annotation files in ${data}`,
      `pass one with --data, e.g. --data ${candidates[0]}`,
    );
  }
  return candidates[0];
}

function statsLine(name: string, s: CocoStats): string {
  const f = (v: number) => formatAp(v < 0 ? Number.NaN : v * 100).padStart(5);
  return `${name.padEnd(5)} ${f(s.ap)} ${f(s.ap50)} ${f(s.ap75)} ${f(s.apSmall)} ${f(s.apMedium)} ${f(s.apLarge)}`;
}

/** `zoo eval <checkpoint>`: COCO AP of a checkpoint on a dataset. */
export async function evalCommand(cmd: ParsedCommand, io: CliIo): Promise<number> {
  const dataOption = stringOption(cmd.options, 'data');
  const limit = intOption(cmd.options, 'limit', 1);
  const checkpoint = resolveCheckpointFile(cmd.positionals[0]);
  const explicitData = dataOption !== undefined ? resolveAnnotations(dataOption) : undefined;
  const backend = await initDetectorBackend({ backend: stringOption(cmd.options, 'backend', 'wasm') });
  const loaded = await loadDetectorCheckpoint(checkpoint);
  try {
    let annotations: string;
    if (explicitData !== undefined) annotations = explicitData;
    else if (loaded.runInfo?.dataset?.valAnnotations && existsSync(loaded.runInfo.dataset.valAnnotations)) {
      annotations = loaded.runInfo.dataset.valAnnotations;
    } else {
      throw new UsageError(
        `no dataset given and none recorded beside ${loaded.file}`,
        'pass --data <instances.json> (COCO format)',
      );
    }
    const imagesOption = stringOption(cmd.options, 'images');
    const dataset = await readCocoDataset(annotations, imagesOption ? { imageDir: imagesOption } : {});
    if (dataset.numClasses + 1 !== loaded.config.numClasses) {
      throw new UsageError(
        `${annotations} has ${dataset.numClasses} categories but the checkpoint predicts ${loaded.config.numClasses - 1}`,
        'evaluate on a dataset with the categories the model was trained on',
      );
    }
    const groundTruth = JSON.parse(await readFile(annotations, 'utf8')) as CocoDataset;
    const board = new ProgressBoard(io.stderr);
    const summary = await evaluateDetector(loaded.predictor.model, dataset, groundTruth, {
      limit,
      onProgress: (d, t) => board.update('eval', 'evaluating', d, t),
    });
    board.close();
    if (!summary) return 130;
    io.stdout.write(
      `${loaded.file} on ${annotations} (${summary.images} images, ${summary.detections} detections, tfjs ${backend})\n`,
    );
    io.stdout.write(`       AP  AP50  AP75   APs   APm   APl\n${statsLine('box', summary.box)}\n`);
    if (summary.mask) io.stdout.write(`${statsLine('mask', summary.mask)}\n`);
    return 0;
  } finally {
    loaded.predictor.dispose();
  }
}
