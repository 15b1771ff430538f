import type { LogStream } from '../../compute-logs/compute-log-manager.js';
import type { Instance } from '../../instance/instance.js';
import { followRun } from '../../runs/follow-run.js';
import { isTerminalStatus } from '../../runs/run-status.js';
import { UsageError } from '../cli-error.js';
import { findRun, type GlobalOptions, noRunIn, withExistingInstance } from '../command-context.js';
import { formatEvent } from '../event-printer.js';

const POLL_MS = 100;

export default async function runLogs(args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  if (opts.stdout && opts.stderr) throw new UsageError('give --stdout or --stderr, not both');
  const json = Boolean(opts.json);
  await withExistingInstance(globals, noRunIn(String(args[0])), async (instance) => {
    const run = await findRun(instance, String(args[0]));
    const stream: LogStream | undefined = opts.stdout ? 'stdout' : opts.stderr ? 'stderr' : undefined;
    if (stream) return printComputeLog(instance, run.runId, stream, Boolean(opts.follow));
    const print = (event: Parameters<typeof formatEvent>[0]) =>
      process.stdout.write(`${formatEvent(event, { json })}\n`);
    if (opts.follow) {
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      // A storage restart while following is waited out, with a note on stderr, not a stack trace.
      const note = (line: string) => process.stderr.write(`${line}\n`);
      await followRun(instance.storage, run.runId, { onEvent: print, signal: stop.signal, note });
    } else {
      for (const event of await instance.storage.events.getEvents(run.runId)) print(event);
    }
  });
  return 0;
}

/** The worker's captured output; with --follow, tails it until the run has finished. */
async function printComputeLog(instance: Instance, runId: string, stream: LogStream, follow: boolean): Promise<void> {
  const logs = await instance.computeLogs();
  let offset = 0;
  let stop = false;
  process.once('SIGINT', () => {
    stop = true;
  });
  for (;;) {
    const finished = isTerminalStatus((await instance.storage.runs.getRun(runId))?.status ?? 'FAILURE');
    const chunk = await logs.read(runId, stream, { offset });
    process.stdout.write(chunk.data);
    offset = chunk.nextOffset;
    if (chunk.data.length) continue;
    if (!follow || finished || stop) {
      if (!chunk.exists && !follow) process.stderr.write(`run ${runId} has no captured ${stream}\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
