import type { BoardStream } from '../progress/progressBoard';

/** Where a command writes: results to `stdout`, progress and messages to `stderr`. */
export interface CliIo {
  readonly stdout: BoardStream;
  readonly stderr: BoardStream;
}
