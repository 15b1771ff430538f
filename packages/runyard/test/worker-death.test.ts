import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunEvent } from 'runyard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_JOBS, MonitoringHarness } from './fixtures/monitoring-harness.js';

const JOBS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/worker-health-jobs.ts');

// Heartbeats would take a minute to call the worker dead: whatever fails the run here is the
// launcher's health check.
const RUNYARD_YAML = `
runMonitoring:
  pollIntervalSeconds: 0.2
  heartbeatTimeoutSeconds: 60
  cancelTimeoutSeconds: 1
`;

/** The ends written for steps that were still running when their run ended: [step, how, why]. */
function stepEnds(events: readonly RunEvent[]): unknown[][] {
  return events
    .filter((e) => e.type === 'STEP_FAILURE' && e.data?.stepEnd !== undefined)
    .map((e) => [e.stepKey, e.data?.stepEnd, e.data?.reason]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the process launcher reports a dead worker as it died, in the real `runyard daemon`', () => {
  let h: MonitoringHarness;
  const scratch: string[] = [];
  beforeAll(async () => {
    h = await MonitoringHarness.start(RUNYARD_YAML);
  });
  afterAll(async () => {
    await h?.stop();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  /** A run of the conformance job whose step ignores SIGTERM and the abort, once its step has started. */
  async function stubbornRun(): Promise<string> {
    const dir = mkdtempSync(path.join(tmpdir(), 'runyard-stubborn-'));
    scratch.push(dir);
    const launched = await h.launch('stubborn', { location: CONFORMANCE_JOBS, ops: { stubborn: { dir } } });
    await h.waitForEvent(launched.runId, 'the step to start', (e) => e.type === 'STEP_START');
    return launched.runId;
  }

  it('names SIGKILL of a worker whose op left a subprocess in its group, and kills that subprocess', async () => {
    const launched = await h.launch('with_subprocess', { location: JOBS });
    const log = await h.waitForEvent(launched.runId, 'the subprocess', (e) => e.message === 'subprocess started');
    const subprocessPid = log.data?.subprocessPid as number;
    expect(alive(subprocessPid)).toBe(true);
    const workerPid = await h.workerPid(launched.runId);
    process.kill(workerPid, 'SIGKILL');

    const run = await h.waitForStatus(launched.runId, ['FAILURE', 'SUCCESS', 'CANCELED']);
    expect(run.status).toBe('FAILURE');
    expect(run.statusReason).toMatch(
      /^run worker died: worker process was killed by SIGKILL; killed the processes left in its group \d+ \(pid [\d, ]+\)$/,
    );
    expect(run.statusReason).toContain(String(subprocessPid));
    const failure = (await h.events(run.runId)).find((e) => e.type === 'RUN_FAILURE');
    expect(failure?.message).not.toContain('no heartbeat');
    // The step that was running ends with the run, with the same reason (written right after it).
    await h.waitUntil('the step to end', async () => stepEnds(await h.events(run.runId)).length > 0);
    expect(stepEnds(await h.events(run.runId))).toEqual([['starts_subprocess', 'failed', run.statusReason]]);
    await h.waitUntil('the subprocess to be gone', async () => !alive(subprocessPid));
    await h.waitForGroupGone(run);
  });

  it("says a SIGSTOPped worker is STOPPED in the launcher's debug info", async () => {
    const launched = await h.launch('runs_on');
    const workerPid = await h.workerPid(launched.runId);
    const launcher = await h.instance.launcher();
    process.kill(workerPid, 'SIGSTOP');
    try {
      let info = '';
      await h.waitUntil('the worker to show as stopped', async () => {
        info = (await launcher.debugInfo(await h.run(launched.runId))) ?? '';
        return info.includes('STOPPED');
      });
      expect(info.split('\n')[0]).toMatch(
        new RegExp(
          `^worker pid \\d+ \\(process group \\d+\\) on .+: STOPPED, process ${workerPid} of the group is stopped \\(SIGSTOP or SIGTSTP\\)$`,
        ),
      );
    } finally {
      process.kill(workerPid, 'SIGCONT');
    }
    const info = (await launcher.debugInfo(await h.run(launched.runId))) ?? '';
    expect(info.split('\n')[0]).toMatch(/: RUNNING$/);
    await h.instance.terminateRun(launched.runId);
  });

  it('records RUN_CANCELING with the reason before RUN_CANCELED when a worker gets SIGTERM from outside Runyard', async () => {
    const launched = await h.launch('runs_on');
    const workerPid = await h.workerPid(launched.runId);
    process.kill(workerPid, 'SIGTERM');
    const run = await h.waitForStatus(launched.runId, ['CANCELED', 'FAILURE', 'SUCCESS']);
    expect(run.status).toBe('CANCELED');
    const reason = `the run worker (pid ${workerPid}) received SIGTERM from outside Runyard; no termination was requested`;
    expect(run.statusReason).toBe(reason);
    const events = (await h.events(run.runId)).filter((e) => e.type.startsWith('RUN_'));
    expect(events.map((e) => e.type)).toEqual(['RUN_STARTING', 'RUN_START', 'RUN_CANCELING', 'RUN_CANCELED']);
    expect(events[2]?.message).toBe(`${reason}; cancelling the run`);
    await h.waitForGroupGone(run);
  });

  it('ends the running step as cancelled when monitoring cancels a run stuck in CANCELING', async () => {
    const runId = await stubbornRun();
    await h.instance.storage.runs.transition(
      { runId, type: 'RUN_CANCELING', message: 'termination requested' },
      { from: ['STARTED'] },
    );
    const run = await h.waitForStatus(runId, ['CANCELED', 'FAILURE', 'SUCCESS']);
    expect(run.statusReason).toBe('run was still CANCELING 1 s after termination was requested');
    await h.waitForGroupGone(run);
    expect(stepEnds(await h.events(runId))).toEqual([['stubborn', 'cancelled', run.statusReason]]);
  });

  it('ends the running step as cancelled on `run terminate --force`', async () => {
    const runId = await stubbornRun();
    const result = await h.instance.terminateRun(runId, { force: true });
    expect(result.run.status).toBe('CANCELED');
    expect(stepEnds(await h.events(runId))).toEqual([['stubborn', 'cancelled', 'the run was terminated by force']]);
    await h.waitForGroupGone(result.run);
  });
});
