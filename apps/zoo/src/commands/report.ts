import type { CliIo } from '../cli/io';
import { type ParsedCommand, stringOption } from '../cli/parseCommand';
import { UsageError } from '../cli/usageError';
import { writeSuiteReport } from '../report/writeSuiteReport';
import { finishedResults } from '../run/finishedResults';
import { defaultRunsDir } from '../run/runLayout';
import { findSuite, SUITES } from '../suites/suites';

/** `zoo report`: rebuild reports from finished variants. */
export async function reportCommand(cmd: ParsedCommand, io: CliIo): Promise<number> {
  const runsDir = stringOption(cmd.options, 'runs') ?? defaultRunsDir();
  const name = stringOption(cmd.options, 'suite');
  const suites = name !== undefined ? [findSuite(name)] : SUITES;
  let written = 0;
  for (const suite of suites) {
    const results = await finishedResults(runsDir, suite);
    if (results.length === 0) continue;
    const { text, paths } = await writeSuiteReport(runsDir, suite, results);
    io.stdout.write(`${text}\n\nreport: ${paths.reportHtml}\n\n`);
    written++;
  }
  if (written === 0) {
    throw new UsageError(
      `no finished variants${name ? ` of suite ${name}` : ''} in ${runsDir}`,
      `run 'zoo compare --suite ${name ?? 'quick'}' first, or point --runs at the runs folder`,
    );
  }
  return 0;
}
