import { compareCommand } from '../commands/compare';
import { evalCommand } from '../commands/evalCommand';
import { predictCommand } from '../commands/predict';
import { reportCommand } from '../commands/report';
import { suitesCommand } from '../commands/suitesCommand';
import { trainCommand } from '../commands/train';
import { formatError } from './formatError';
import { COMMAND_HELP, mainHelp } from './help';
import type { CliIo } from './io';
import { parseCommand } from './parseCommand';

/** The app's version, printed by `zoo --version`. */
export const ZOO_VERSION = '0.1.0';

/**
 * Run the `zoo` CLI on `argv` (arguments after the script). Resolves to the exit code: 0 done,
 * 1 error, 2 bad command line, 130 interrupted. Errors are printed as one line plus a hint
 * (the stack only with `ZOO_DEBUG=1`); nothing is thrown.
 */
export async function main(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let usage = true;
  try {
    const cmd = parseCommand(argv);
    usage = false;
    switch (cmd.command) {
      case 'help':
        io.stdout.write(`${cmd.helpFor ? COMMAND_HELP[cmd.helpFor] : mainHelp()}\n`);
        return 0;
      case 'version':
        io.stdout.write(`zoo ${ZOO_VERSION}\n`);
        return 0;
      case 'compare':
        return await compareCommand(cmd, io);
      case 'train':
        return await trainCommand(cmd, io);
      case 'eval':
        return await evalCommand(cmd, io);
      case 'predict':
        return await predictCommand(cmd, io);
      case 'report':
        return await reportCommand(cmd, io);
      case 'suites':
        return await suitesCommand(cmd, io);
    }
  } catch (err) {
    const { message, hint } = formatError(err);
    io.stderr.write(`zoo: error: ${message}\n  hint: ${hint}\n`);
    if (process.env.ZOO_DEBUG) io.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    return usage ? 2 : 1;
  }
}
