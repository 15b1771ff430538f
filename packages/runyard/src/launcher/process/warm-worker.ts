/**
 * A warm run worker: started by the process launcher's warm pool (warm-pool.ts) before any run
 * exists, it loads Runyard, zod and the instance, says `ready`, and waits. Handed a run, it becomes
 * that run's worker exactly as `runyard worker execute-run <runId>` would (same claim, lease,
 * launch fence, heartbeat, signals); the code location is loaded only then. It exits after the run
 * unless the launcher said it may go back to the pool (`maxRunsPerProcess` > 1). An idle worker
 * whose launcher goes away (its IPC channel closes) exits: the pool never outlives its owner.
 *
 *   /bin/sh -c <supervisor> node dist/launcher/process/warm-worker.js   (stdio: [.., .., .., 'ipc'])
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { enableCompileCache } from '../../cli/fast-start.js';
import { exitWhenFlushed, guardStdio } from '../../cli/stdio-exit.js';
import type { FromWarmWorker, ToWarmWorker, WarmRunMessage } from './warm-messages.js';
import { redirectStdio } from './warm-stdio.js';

// Before anything else is loaded, so that all of it comes from (and goes into) the compile cache.
enableCompileCache();
guardStdio();

// A launcher that has gone away is no error: the run goes on without anyone to tell.
const send = (message: FromWarmWorker) => {
  if (process.connected) process.send?.(message, undefined, {}, () => undefined);
};
if (!process.send) {
  process.stderr.write('runyard: warm-worker.js is started by the process launcher, with an IPC channel\n');
  process.exit(2);
}

const [{ Instance }, { runWorker }, { prepareHeartbeatThread }] = await Promise.all([
  import('../../instance/instance.js'),
  import('../../worker/run-worker.js'),
  import('../../worker/heartbeat/run-heartbeat.js'),
]);
// What every run loads anyway, loaded while nobody waits: Runyard's public entry (the jobs import
// it), zod, the code-location loader, and the storage (opened with the instance).
await Promise.all([import('../../index.js'), import('zod'), import('../../code-location/load-code-location.js')]);
let instanceEnv = process.env.RUNYARD_INSTANCE;
let instance = await Instance.fromEnv();
// The next run's heartbeat thread starts (and opens its storage) now, not beside that run's work.
const prepareHeartbeat = () => {
  if (!instance.ephemeral) prepareHeartbeatThread(instance.serialize());
};
prepareHeartbeat();

let busy = false;
let launcherGone = false;

process.on('disconnect', () => {
  launcherGone = true;
  // An idle worker belongs to its launcher; a busy one is the run's now, and finishes it.
  if (!busy) void finish(0);
});

process.on('message', (message: ToWarmWorker) => {
  if (message.type === 'exit') {
    if (!busy) void finish(0);
    return;
  }
  if (message.type === 'preload') {
    if (!busy) void preload(message.codeLocation);
    return;
  }
  if (busy) return; // the launcher never does this; a second run would be lost if we took it
  busy = true;
  void runOne(message);
});

// The pool's code location, when the pool knew it as it started this worker.
const preloadLocation = process.env.RUNYARD_WARM_PRELOAD;
delete process.env.RUNYARD_WARM_PRELOAD;
if (preloadLocation) await preload(preloadLocation);

// The launcher may have gone while this worker loaded (a CLI that launched one run and exited).
if (process.connected) send({ type: 'ready' });
else void finish(0);

async function runOne(message: WarmRunMessage): Promise<void> {
  const restore = redirectStdio(message.stdoutPath, message.stderrPath);
  for (const [name, value] of Object.entries(message.env)) process.env[name] = value;
  // From here, if this process dies, the supervising shell writes how into this launch's exit file.
  pointExitFileAt(message.exitFile);
  send({ type: 'accepted', runId: message.runId });
  // A worker told to stop (terminate's SIGTERM to its group) stops after this run, as a fresh one
  // does, rather than go back to the pool while terminate waits for its group to exit.
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    signalled = signal;
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let code: number;
  try {
    // A launch for another instance config (the launcher's config changed) gets its own instance.
    if (process.env.RUNYARD_INSTANCE !== instanceEnv) {
      await instance.dispose();
      instanceEnv = process.env.RUNYARD_INSTANCE;
      instance = await Instance.fromEnv();
    }
    // Stopped before the worker code took over its signals: end as a fresh worker would have.
    if (signalled) return exitWhenFlushed(128 + (signalled === 'SIGINT' ? 2 : 15));
    const result = await runWorker({ instance, runId: message.runId, resume: message.resume });
    if (result.refused) process.stderr.write(`runyard worker: ${result.refused}\n`);
    code = result.exitCode;
  } catch (error) {
    const { reportError } = await import('../../cli/cli-error.js');
    code = reportError(error);
  }
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  if (!message.reuse || launcherGone || signalled) {
    await instance.dispose().catch(() => undefined);
    // The supervising shell writes this exit code into the launch's exit file.
    return exitWhenFlushed(code);
  }
  restore();
  // Back to the pool: this run's worker has ended as far as health checks go, so its exit file is
  // written here (the shell writes it only when the process ends, for the run it then holds). The
  // pointer is cleared first: a death from now on belongs to no run.
  pointExitFileAt('');
  try {
    writeFileSync(message.exitFile, String(code));
  } catch {
    // A missing exit file reads as "gone without a status", which is still not RUNNING.
  }
  busy = false;
  prepareHeartbeat();
  send({ type: 'idle', runId: message.runId, exitCode: code });
}

/**
 * Imports the pool's code location while nobody waits, so that the run's own load finds it
 * imported. Only TypeScript: its compiled module is named by the content of its sources, so a
 * location changed since is compiled and imported afresh by the run; a .js module, once imported,
 * would not be read again. A location that fails here fails the run's own load the same way,
 * reported there. Its top-level code runs now, with the pool's environment, and what it prints
 * goes to the pool's log (docs/run-launchers.md, "Warm run workers").
 */
async function preload(codeLocation: string): Promise<void> {
  try {
    const [{ COMPILED_EXTENSIONS }, { resolveCodeLocationTarget }, { loadCodeLocation }] = await Promise.all([
      import('../../code-location/compile-typescript.js'),
      import('../../code-location/code-location-target.js'),
      import('../../code-location/load-code-location.js'),
    ]);
    const { file } = resolveCodeLocationTarget(codeLocation, process.cwd());
    if (COMPILED_EXTENSIONS.includes(path.extname(file))) await loadCodeLocation(codeLocation);
  } catch {
    // Reported by the run that loads it.
  }
}

/** The file the supervising shell reads, when this process ends, to know where to write its exit code. */
function pointExitFileAt(exitFile: string): void {
  const pointer = process.env.RUNYARD_EXIT_POINTER;
  if (pointer) writeFileSync(pointer, exitFile);
}

async function finish(code: number): Promise<void> {
  busy = true;
  await instance.dispose().catch(() => undefined);
  await exitWhenFlushed(code);
}
