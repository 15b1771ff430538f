import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_JOBS, MonitoringHarness } from './fixtures/monitoring-harness.js';

const RUNYARD_YAML = `
runMonitoring:
  maxResumeAttempts: 1
  pollIntervalSeconds: 0.2
  cancelTimeoutSeconds: 1
`;

describe('run monitoring resumes dead workers and finishes stuck cancels, in the real `runyard daemon`', () => {
  let h: MonitoringHarness;
  const scratch: string[] = [];
  beforeAll(async () => {
    h = await MonitoringHarness.start(RUNYARD_YAML);
  });
  afterAll(async () => {
    await h?.stop();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it('resumes a run whose worker crashed, and the steps that succeeded do not run again', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'runyard-monitoring-resume-'));
    scratch.push(dir);
    const launched = await h.launch('resumable', {
      location: CONFORMANCE_JOBS,
      ops: { first: { dir }, crashes_once: { dir } },
    });
    const run = await h.waitForStatus(launched.runId, ['SUCCESS', 'FAILURE', 'CANCELED']);
    expect(run.status).toBe('SUCCESS');
    expect(run.tags['runyard/resume_attempt']).toBe('1');
    expect(readFileSync(path.join(dir, 'first-ran'), 'utf8').trim().split('\n')).toHaveLength(1);
    const events = await h.events(run.runId);
    const resumed = events.filter((e) => e.type === 'ENGINE_EVENT' && e.data?.monitoring === 'resume');
    expect(resumed.map((e) => e.message)).toEqual([
      'run worker died: worker process was killed by SIGKILL; resuming the run in a new worker (attempt 1 of 1)',
    ]);
    // The new worker said what it took over.
    expect(events.some((e) => e.message.startsWith('resuming run of job'))).toBe(true);
    expect(events.filter((e) => e.type === 'STEP_SUCCESS' && e.stepKey === 'first')).toHaveLength(1);
    await h.waitForGroupGone(run);
  });

  it('fails the run when its worker dies again after the last resume attempt', async () => {
    const launched = await h.launch('crashes_in_process', { location: CONFORMANCE_JOBS });
    const run = await h.waitForStatus(launched.runId, ['FAILURE', 'SUCCESS', 'CANCELED']);
    expect(run.status).toBe('FAILURE');
    expect(run.statusReason).toBe('run worker died: worker process exited with code 3 (after 1 resume attempt)');
    const events = await h.events(run.runId);
    expect(events.filter((e) => e.data?.monitoring === 'resume')).toHaveLength(1);
    // Two workers ran the step: the first, and the resumed one.
    expect(events.filter((e) => e.type === 'STEP_START' && e.stepKey === 'exits')).toHaveLength(2);
    expect(events.find((e) => e.type === 'RUN_FAILURE')?.message).toContain('exited with code 3');
    await h.waitForGroupGone(run);
  });

  it('marks a run stuck in CANCELING as CANCELED with the reason, and kills its worker', async () => {
    const launched = await h.launch('runs_on');
    await h.workerPid(launched.runId);
    // CANCELING by hand, and no signal sent: as if `run terminate` had died right after marking it.
    const marked = await h.instance.storage.runs.transition(
      { runId: launched.runId, type: 'RUN_CANCELING', message: 'termination requested' },
      { from: ['STARTED'] },
    );
    expect(marked.applied).toBe(true);
    const run = await h.waitForStatus(launched.runId, ['CANCELED', 'FAILURE', 'SUCCESS']);
    expect(run.status).toBe('CANCELED');
    expect(run.statusReason).toBe('run was still CANCELING 1 s after termination was requested');
    expect((await h.events(run.runId)).find((e) => e.type === 'RUN_CANCELED')?.message).toBe(
      'run was still CANCELING 1 s after termination was requested; its worker is being killed',
    );
    const cleanup = await h.waitForEvent(run.runId, 'the kill', (e) => e.message.startsWith('run monitoring stopped'));
    // Grace 0 sends SIGTERM an instant before SIGKILL; a worker may be gone before the SIGKILL.
    expect(cleanup.message).toMatch(
      /^run monitoring stopped the worker: (killed process group \d+ with SIGKILL|sent SIGTERM to process group \d+; it exited)$/,
    );
    await h.waitForGroupGone(run);
  });
});
