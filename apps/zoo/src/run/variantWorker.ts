import { BroadcastChannel } from 'node:worker_threads';
import { runVariant } from './runVariant';
import type { VariantJob, VariantOutcome, VariantProgress } from './types';

/** The BroadcastChannel a suite run and its workers share (channels never cross processes). */
export const RUN_CHANNEL = 'rcnn-zoo-run';

/** Messages on {@link RUN_CHANNEL}. */
export type ChannelMessage =
  | { readonly type: 'progress'; readonly progress: VariantProgress }
  | { readonly type: 'stop' };

let channel: BroadcastChannel | null = null;
let stopRequested = false;

/**
 * Once per worker: listen for a stop request. It stays in force for every later job of this
 * worker, so jobs handed out after Ctrl-C return at once.
 */
export function setup(): void {
  channel = new BroadcastChannel(RUN_CHANNEL);
  channel.onmessage = (event) => {
    if ((event as { data?: ChannelMessage }).data?.type === 'stop') stopRequested = true;
  };
  channel.unref();
}

/**
 * Worker-thread entry (a `runInWorkers` job module): trains and evaluates one variant with its
 * own tfjs engine, reporting progress on {@link RUN_CHANNEL}.
 */
export default async function runVariantJob(job: VariantJob): Promise<VariantOutcome> {
  if (channel === null) setup();
  const ch = channel as BroadcastChannel;
  return runVariant(job, {
    report: (progress) => ch.postMessage({ type: 'progress', progress } satisfies ChannelMessage),
    shouldStop: () => stopRequested,
  });
}
