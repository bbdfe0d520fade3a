// What every bench shares: `--key=value` flags, median timing, and running the Python reference
// on a JSON spec so both sides are measured in the same run on the same machine.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `--tiny --reps=3` → Map { tiny: 'true', reps: '3' }. */
export function benchArgs(argv: string[] = process.argv.slice(2)): Map<string, string> {
  return new Map(
    argv.map((a) => {
      const [k, v] = a.replace(/^--/, '').split('=');
      return [k, v ?? 'true'] as const;
    }),
  );
}

/** Median wall time in milliseconds of `reps` calls of `fn`, after one untimed warm-up call. */
export function medianMs(fn: () => void, reps: number): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Run a reference script with Debian's `/usr/bin/python3` (where torchvision lives) on `spec`,
 * written to a temporary JSON file passed as its one argument; parse what it prints as JSON.
 */
export function runPythonReference<T>(script: URL, spec: unknown): T {
  const dir = mkdtempSync(join(tmpdir(), 'rcnn-bench-'));
  try {
    const specPath = join(dir, 'spec.json');
    writeFileSync(specPath, JSON.stringify(spec));
    const out = execFileSync('/usr/bin/python3', [fileURLToPath(script), specPath], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    return JSON.parse(out) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
