import type { CliIo } from '../cli/io';
import { type ParsedCommand, stringOption } from '../cli/parseCommand';
import { findVariant } from '../suites/suites';
import { runAndReport } from './compare';

/** `zoo train <variant>`: one variant of a suite, trained and evaluated in this thread. */
export async function trainCommand(cmd: ParsedCommand, io: CliIo): Promise<number> {
  const { suite, variant } = findVariant(cmd.positionals[0], stringOption(cmd.options, 'suite'));
  return runAndReport(io, suite, cmd, [variant.id], 1);
}
