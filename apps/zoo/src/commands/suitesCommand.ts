import type { CliIo } from '../cli/io';
import { type ParsedCommand, stringOption } from '../cli/parseCommand';
import { formatDuration } from '../progress/formatDuration';
import { finishedResults } from '../run/finishedResults';
import { defaultRunsDir } from '../run/runLayout';
import { calibrateFromResults, estimateSuiteSeconds } from '../suites/estimateTime';
import { SUITES } from '../suites/suites';
import { defaultWorkers } from './compare';

/** `zoo suites`: every suite with its variants and its estimated time on this machine. */
export async function suitesCommand(cmd: ParsedCommand, io: CliIo): Promise<number> {
  const runsDir = stringOption(cmd.options, 'runs') ?? defaultRunsDir();
  const measured = [];
  for (const suite of SUITES) {
    for (const result of await finishedResults(runsDir, suite)) {
      const spec = suite.variants.find((v) => v.id === result.variant);
      if (spec && !suite.smoke) measured.push({ result, relativeCost: spec.relativeCost });
    }
  }
  const speed = calibrateFromResults(measured);
  const lines: string[] = [];
  for (const suite of SUITES) {
    const workers = defaultWorkers(suite.variants.length);
    const eta = estimateSuiteSeconds(suite, suite.budget, speed, workers);
    const b = suite.budget;
    lines.push(
      `${suite.name.padEnd(10)} ~${formatDuration(eta).padStart(7)}  ${suite.description}${suite.smoke ? ' [smoke]' : ''}`,
      `${''.padEnd(21)}${suite.variants.length} variants × ${b.iterations} iterations, ${b.imageSize} px, ${b.trainImages}/${b.valImages} train/val images, ${b.pretrainIterations > 0 ? `trunks pretrained ${b.pretrainIterations} iterations` : 'random init'}, ${workers} worker${workers > 1 ? 's' : ''}`,
      `${''.padEnd(21)}${suite.variants.map((v) => v.id).join(', ')}`,
    );
  }
  io.stdout.write(
    `${lines.join('\n')}\n\ntimes: ${speed.source}\nrun one with: zoo compare --suite <name>\n`,
  );
  return 0;
}
