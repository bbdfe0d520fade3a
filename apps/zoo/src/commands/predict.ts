import { basename, dirname, extname, join, resolve } from 'node:path';
import { type RgbImage, readImageFile, syntheticCategories } from '@rcnn/data';
import { initDetectorBackend } from '@rcnn/model-zoo';
import { drawDetections, writePng } from '@rcnn/viz';
import type { CliIo } from '../cli/io';
import { numberOption, type ParsedCommand, stringOption } from '../cli/parseCommand';
import { UsageError } from '../cli/usageError';
import { loadDetectorCheckpoint, resolveCheckpointFile } from '../run/loadDetector';
import { personKeypoints } from '../run/personKeypoints';

/** Class names for a checkpoint: recorded with its run, else the synthetic dataset's when the count matches. */
export function classNamesFor(numClasses: number, recorded: readonly string[] | undefined): string[] {
  if (recorded && recorded.length === numClasses) return [...recorded];
  const synthetic = ['__background__', ...syntheticCategories().map((c) => c.name)];
  if (synthetic.length === numClasses) return synthetic;
  return Array.from({ length: numClasses }, (_, i) => (i === 0 ? '__background__' : `class ${i}`));
}

/** `zoo predict <image...> --model <checkpoint>`: draw detections on images, write PNGs. */
export async function predictCommand(cmd: ParsedCommand, io: CliIo): Promise<number> {
  const model = stringOption(cmd.options, 'model');
  if (model === undefined) {
    throw new UsageError(
      "'zoo predict' needs --model <checkpoint>",
      'e.g. zoo predict photo.png --model runs/zoo/quick/variants/mask-roialign',
    );
  }
  const score = numberOption(cmd.options, 'score', 0, 1) ?? 0.5;
  const out = stringOption(cmd.options, 'out');
  // Read every image first: a bad path fails before the model is loaded.
  const images: { path: string; image: RgbImage }[] = [];
  for (const path of cmd.positionals) {
    try {
      images.push({ path, image: await readImageFile(path) });
    } catch (err) {
      const detail = (err as Error).message.replace(`${path}: `, '');
      throw new UsageError(`cannot read image ${path}: ${detail}`, 'pass PNG or JPEG files');
    }
  }
  const checkpoint = resolveCheckpointFile(model);
  await initDetectorBackend({ backend: stringOption(cmd.options, 'backend', 'wasm') });
  const loaded = await loadDetectorCheckpoint(checkpoint);
  try {
    const classNames = classNamesFor(loaded.config.numClasses, loaded.runInfo?.dataset?.classNames);
    for (const { path, image } of images) {
      const [p] = await loaded.predictor.predict([image]);
      const withMasks = p.masks !== undefined;
      const drawn = drawDetections(
        image,
        {
          boxes: p.boxes,
          labels: p.labels,
          scores: p.scores,
          ...(withMasks ? { masks: p.masks } : {}),
          ...(p.keypoints ? { keypoints: personKeypoints(p.keypoints, p.labels, classNames) } : {}),
        },
        { classNames, scoreThreshold: score },
      );
      const target = join(resolve(out ?? dirname(path)), `${basename(path, extname(path))}.pred.png`);
      await writePng(target, drawn);
      const kept = Array.from(p.scores).filter((s) => s >= score).length;
      io.stdout.write(`${target}: ${kept} detection${kept === 1 ? '' : 's'} with score >= ${score}\n`);
    }
    return 0;
  } finally {
    loaded.predictor.dispose();
  }
}
