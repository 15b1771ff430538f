import type { Instance } from '../../instance/instance.js';
import type { Daemon } from '../daemon.js';
import { RunRetrier, type RunRetrierOptions } from './run-retrier.js';

export const RETRY_DAEMON_TYPE = 'RETRIES';

export interface RetryDaemonOptions extends Omit<RunRetrierOptions, 'log'> {
  /** How often failures are looked for. Default 1000 ms. */
  readonly intervalMs?: number;
}

/**
 * Run retries as a sub-daemon of `runyard daemon`: each failed run with retries left gets one
 * retry (see run-retrier.ts). Absent when the instance turns retries off (`runRetries.enabled`).
 */
export function createRetryDaemon(instance: Instance, options: RetryDaemonOptions = {}): Daemon | undefined {
  if (!instance.config.runRetries.enabled) return undefined;
  let log: (message: string) => void = () => undefined;
  const retrier = new RunRetrier(instance, { ...options, log: (message) => log(message) });
  return {
    type: RETRY_DAEMON_TYPE,
    intervalMs: options.intervalMs ?? 1000,
    async runIteration(ctx) {
      log = ctx.log;
      await retrier.pass(ctx.signal);
    },
  };
}
