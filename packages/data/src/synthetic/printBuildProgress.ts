import type { BuildProgress } from './writeSyntheticDataset';

/** Anything with a `write(text)`, e.g. `process.stderr`. */
export interface TextSink {
  write(text: string): unknown;
}

/**
 * A ready-made `onProgress` for dataset builds: prints `<label>: 120/1200 images (10%)` to
 * `sink` (default stderr) whenever the whole percentage changes, rewriting the line on a
 * terminal, and ends with a newline when the build completes.
 */
export function printBuildProgress(
  label = 'building dataset',
  sink: TextSink = process.stderr,
): (p: BuildProgress) => void {
  let last = -1;
  const tty = (sink as { isTTY?: boolean }).isTTY === true;
  return ({ done, total }) => {
    const percent = total > 0 ? Math.floor((100 * done) / total) : 100;
    if (percent === last && done !== total) return;
    last = percent;
    const line = `${label}: ${done}/${total} images (${percent}%)`;
    sink.write(tty ? `\r${line}${done === total ? '\n' : ''}` : `${line}\n`);
  };
}
