import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall time of one whole process, in ms; throws if it fails. */
export function timeProcess(command, args, options = {}) {
  const start = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  const ms = performance.now() - start;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr || result.stdout}`);
  return ms;
}

/**
 * Runs each named thunk `rounds` times, interleaved (a, b, a, b …) so that both see the same
 * machine load, and returns each one's median.
 */
export async function sideBySide(thunks, rounds) {
  const samples = await sideBySideSamples(thunks, rounds);
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

/** As sideBySide, but every sample of each thunk, for `fmtStats`. */
export async function sideBySideSamples(thunks, rounds) {
  const samples = Object.fromEntries(Object.keys(thunks).map((k) => [k, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [name, fn] of Object.entries(thunks)) samples[name].push(await fn());
  }
  return samples;
}

/**
 * Milliseconds from submitting a run of `job` (launched by the instance's launcher) to its
 * SUCCESS as storage records it; throws if the run ends otherwise.
 */
export async function timeLaunchToSuccess(instance, job, codeLocation) {
  const t = performance.now();
  const run = await instance.submitJobRun({ job, codeLocation, source: 'api' });
  for (;;) {
    const now = await instance.storage.runs.getRun(run.runId);
    if (now.status === 'SUCCESS') return performance.now() - t;
    if (now.status === 'FAILURE' || now.status === 'CANCELED') throw new Error(`run ${run.runId} ended ${now.status}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function fmtMs(ms) {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(0)} µs`;
}

export function report(rows) {
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  for (const row of rows) console.log(row.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  '));
}

/** `median (min … max)` of samples, each formatted by `fmt`. */
export function fmtStats(values, fmt = fmtMs) {
  const sorted = [...values].sort((a, b) => a - b);
  return `${fmt(median(sorted))} (${fmt(sorted[0])} … ${fmt(sorted.at(-1))})`;
}

/** Resolves with each run once storage records it SUCCESS; throws if one ends otherwise. */
export async function waitForSuccess(instance, runIds, pollMs = 5) {
  const done = [];
  for (const runId of runIds) {
    for (;;) {
      const now = await instance.storage.runs.getRun(runId);
      if (now.status === 'SUCCESS') {
        done.push(now);
        break;
      }
      if (now.status === 'FAILURE' || now.status === 'CANCELED') throw new Error(`run ${runId} ended ${now.status}`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
  return done;
}

/**
 * Runs per second for `count` runs of `job` submitted back to back (each submit awaited, as a
 * scheduler or a script would), until storage records the last SUCCESS. Runs overlap: this is
 * throughput, not a per-run cost.
 */
export async function runsPerSecond(instance, job, codeLocation, count = 20) {
  const t = performance.now();
  const ids = [];
  for (let i = 0; i < count; i++) ids.push((await instance.submitJobRun({ job, codeLocation, source: 'api' })).runId);
  await waitForSuccess(instance, ids, 10);
  return count / ((performance.now() - t) / 1000);
}

/** Waits until the launcher says the run's worker has ended (its exit file is written). */
export async function waitForWorkerExit(instance, run, timeoutMs = 30_000) {
  const launcher = await instance.launcher();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = await launcher.checkHealth(await instance.storage.runs.getRun(run.runId));
    if (health.status !== 'RUNNING') return health;
    if (Date.now() > deadline) throw new Error(`run ${run.runId}'s worker did not exit`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
