import { ConfigError, InputError, RcnnError, ShapeError } from '@rcnn/core';
import { UsageError } from './usageError';

/**
 * The one-line error (plus a hint line) the CLI prints for a failure. Known errors keep their
 * own message; anything else is reported as an internal error with `ZOO_DEBUG=1` as the way to
 * see the stack.
 */
export function formatError(err: unknown): { message: string; hint: string } {
  if (err instanceof UsageError)
    return { message: err.message, hint: err.hint ?? "run 'zoo --help' for usage" };
  if (err instanceof ConfigError) {
    return {
      message: err.message,
      hint: 'check the option named above; run the command with --help for its options',
    };
  }
  if (err instanceof InputError) {
    return { message: err.message, hint: 'check the file or value named above' };
  }
  if (err instanceof ShapeError || err instanceof RcnnError) {
    return { message: err.message, hint: 'set ZOO_DEBUG=1 to see where it happened' };
  }
  const e = err as { name?: string; message?: string; code?: string; path?: string; causeName?: string };
  if (e?.name === 'WorkerJobError' && e.causeName) {
    // A variant failed inside a worker thread: report the worker-side error, not the wrapper.
    const inner = String(e.message)
      .replace(/^job -?\d+ of \S+ failed: /, '')
      .split('\n')[0];
    return {
      message: inner,
      hint: 'set ZOO_DEBUG=1 for details, or rerun with --workers 1 to see the stack',
    };
  }
  if (e?.code === 'ENOENT' && e.path)
    return { message: `no such file or folder: ${e.path}`, hint: 'check the path' };
  if (e?.code === 'EACCES' && e.path)
    return { message: `permission denied: ${e.path}`, hint: 'check the file permissions' };
  if (e?.code === 'ENOSPC')
    return { message: 'no space left on the device', hint: 'free some disk space and run again' };
  const name = e?.name ?? 'Error';
  const message = String(e?.message ?? err).split('\n')[0];
  return { message: `internal error: ${name}: ${message}`, hint: 'set ZOO_DEBUG=1 to see the stack trace' };
}
