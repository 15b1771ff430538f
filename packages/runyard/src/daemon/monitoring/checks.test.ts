import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../runs/run-record.js';
import type { RunStatus } from '../../runs/run-status.js';
import { checkCancelingRun } from './check-canceling-run.js';
import { checkMaxRuntime, parseMaxRuntime } from './check-max-runtime.js';
import { checkStartedRun, type StartedRunFacts } from './check-started-run.js';
import { checkStartingRun } from './check-starting-run.js';
import { formatSeconds, resumeAttemptsOf } from './monitoring-action.js';

const T0 = 1_700_000_000_000;

function run(status: RunStatus, fields: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: 'r1',
    jobName: 'job',
    status,
    runConfig: {},
    tags: {},
    origin: { codeLocation: '/x.ts', source: 'api' },
    createdAt: T0,
    updatedAt: T0,
    worker: { launcher: 'ProcessRunLauncher', pid: 123 },
    ...fields,
  };
}

describe('checkStartingRun', () => {
  const facts = { startingSince: T0, startTimeoutMs: 180_000 };

  it('leaves a run alone until the start timeout has passed', () => {
    expect(checkStartingRun(run('STARTING'), { ...facts, now: T0 + 180_000 })).toBeUndefined();
  });

  it('fails a run still STARTING after the timeout, from STARTING only', () => {
    expect(checkStartingRun(run('STARTING'), { ...facts, now: T0 + 180_001 })).toEqual({
      kind: 'fail',
      monitoring: 'start_timeout',
      from: 'STARTING',
      reason: 'run did not start within 180 s',
    });
  });

  it('ignores runs in other statuses', () => {
    expect(checkStartingRun(run('STARTED'), { ...facts, now: T0 + 999_999 })).toBeUndefined();
  });
});

describe('checkStartedRun', () => {
  const facts: StartedRunFacts = {
    now: T0 + 1_000,
    health: { status: 'RUNNING' },
    resumedAt: undefined,
    heartbeatsTrusted: true,
    heartbeatTimeoutMs: 6_000,
    canResume: false,
    maxResumeAttempts: 0,
  };
  const started = (fields: Partial<RunRecord> = {}) =>
    run('STARTED', { startTime: T0, workerHeartbeatAt: T0, ...fields });

  it('leaves a running worker with a fresh heartbeat alone', () => {
    expect(checkStartedRun(started(), facts)).toBeUndefined();
  });

  it('fails at once when the launcher says the worker was killed, with the reason', () => {
    const health = { status: 'FAILED', signal: 'SIGKILL', reason: 'worker process was killed by SIGKILL' } as const;
    expect(checkStartedRun(started(), { ...facts, health })).toEqual({
      kind: 'fail',
      monitoring: 'worker_died',
      from: 'STARTED',
      reason: 'run worker died: worker process was killed by SIGKILL',
    });
  });

  it('takes NOT_FOUND for dead, and a clean exit under a STARTED run too', () => {
    const gone = checkStartedRun(started(), { ...facts, health: { status: 'NOT_FOUND', reason: 'pod is gone' } });
    expect(gone).toMatchObject({ kind: 'fail', reason: 'run worker died: pod is gone' });
    const exited = checkStartedRun(started(), {
      ...facts,
      health: { status: 'SUCCESS', reason: 'worker exited with code 0' },
    });
    expect(exited).toMatchObject({ reason: 'run worker died: worker exited with code 0 without finishing the run' });
  });

  it('does not act on UNKNOWN or transient answers while heartbeats are fresh', () => {
    expect(checkStartedRun(started(), { ...facts, health: { status: 'UNKNOWN', transient: true } })).toBeUndefined();
    const transient = { status: 'NOT_FOUND', transient: true, reason: 'pod still scheduling' } as const;
    expect(checkStartedRun(started(), { ...facts, health: transient })).toBeUndefined();
  });

  it('fails a worker whose heartbeat is older than the timeout, whatever the launcher says', () => {
    const now = T0 + 7_000;
    for (const health of [undefined, { status: 'UNKNOWN' } as const, { status: 'RUNNING' } as const]) {
      expect(checkStartedRun(started(), { ...facts, now, health })).toMatchObject({
        kind: 'fail',
        reason: 'run worker died: no heartbeat for 7 s (timeout 6 s)',
      });
    }
  });

  it('counts a worker that never sent a heartbeat from RUN_START, and a resumed one from its resume', () => {
    const silent = started({ workerHeartbeatAt: undefined, startTime: T0 + 2_000 });
    expect(checkStartedRun(silent, { ...facts, now: T0 + 8_000 })).toBeUndefined();
    expect(checkStartedRun(silent, { ...facts, now: T0 + 8_500 })).toMatchObject({ kind: 'fail' });
    const resumed = started({ workerHeartbeatAt: T0, startTime: T0 });
    expect(checkStartedRun(resumed, { ...facts, now: T0 + 8_000, resumedAt: T0 + 5_000 })).toBeUndefined();
  });

  it('does not judge heartbeats the daemon cannot trust, but still believes the launcher', () => {
    expect(checkStartedRun(started(), { ...facts, now: T0 + 60_000, heartbeatsTrusted: false })).toBeUndefined();
    const health = { status: 'FAILED', exitCode: 1, reason: 'worker process exited with code 1' } as const;
    expect(checkStartedRun(started(), { ...facts, health, heartbeatsTrusted: false })).toMatchObject({ kind: 'fail' });
  });

  it('resumes while the launcher can and attempts remain, then fails saying how many were made', () => {
    const health = { status: 'FAILED', reason: 'worker process was killed by SIGKILL' } as const;
    const can = { ...facts, health, canResume: true, maxResumeAttempts: 2 };
    expect(checkStartedRun(started(), can)).toEqual({
      kind: 'resume',
      monitoring: 'resume',
      attempt: 1,
      budget: 'user',
      budgetAttempt: 1,
      maxAttempts: 2,
      reason: 'worker process was killed by SIGKILL',
    });
    expect(checkStartedRun(started({ tags: { 'runyard/resume_attempt': '1' } }), can)).toMatchObject({ attempt: 2 });
    expect(checkStartedRun(started({ tags: { 'runyard/resume_attempt': '2' } }), can)).toEqual({
      kind: 'fail',
      monitoring: 'worker_died',
      from: 'STARTED',
      reason: 'run worker died: worker process was killed by SIGKILL (after 2 resume attempts)',
    });
    // Attempts configured, but the launcher cannot resume: fail at once.
    expect(checkStartedRun(started(), { ...can, canResume: false })).toMatchObject({ kind: 'fail' });
  });
});

describe('checkCancelingRun', () => {
  it('cancels a run CANCELING for longer than the cancel timeout', () => {
    const facts = { cancelingSince: T0, cancelTimeoutMs: 60_000 };
    expect(checkCancelingRun(run('CANCELING'), { ...facts, now: T0 + 60_000 })).toBeUndefined();
    expect(checkCancelingRun(run('CANCELING'), { ...facts, now: T0 + 60_001 })).toEqual({
      kind: 'cancel',
      monitoring: 'cancel_timeout',
      reason: 'run was still CANCELING 60 s after termination was requested',
    });
    expect(checkCancelingRun(run('STARTED'), { ...facts, now: T0 + 99_999 })).toBeUndefined();
  });
});

describe('max runtime', () => {
  it('parses positive seconds and refuses everything else with a message', () => {
    expect(parseMaxRuntime({})).toEqual({ ok: true, seconds: undefined });
    expect(parseMaxRuntime({ 'runyard/max_runtime': '3600' })).toEqual({ ok: true, seconds: 3600 });
    expect(parseMaxRuntime({ 'runyard/max_runtime': ' 0.5 ' })).toEqual({ ok: true, seconds: 0.5 });
    for (const bad of ['1h', '', '0', '-5', '1e3', 'soon', 'Infinity']) {
      const parsed = parseMaxRuntime({ 'runyard/max_runtime': bad });
      expect(parsed).toEqual({
        ok: false,
        message: `tag runyard/max_runtime=${JSON.stringify(bad)} is not a positive number of seconds; the run has no max runtime`,
      });
    }
  });

  it('terminates a STARTED run past its max runtime, counted from RUN_START', () => {
    const long = run('STARTED', { startTime: T0, tags: { 'runyard/max_runtime': '60' } });
    expect(checkMaxRuntime(long, T0 + 60_000)).toBeUndefined();
    expect(checkMaxRuntime(long, T0 + 61_000)).toEqual({
      kind: 'terminate',
      monitoring: 'max_runtime',
      maxRuntimeSeconds: 60,
      reason: 'run exceeded its max runtime of 60 s (tag runyard/max_runtime); it ran for 61 s',
    });
    expect(checkMaxRuntime({ ...long, status: 'STARTING' }, T0 + 99_000)).toBeUndefined();
  });

  it('reports a bad tag instead of acting on it', () => {
    const bad = run('STARTED', { startTime: T0, tags: { 'runyard/max_runtime': '1h' } });
    expect(checkMaxRuntime(bad, T0 + 99_999_999)).toMatchObject({ kind: 'report', monitoring: 'max_runtime_invalid' });
  });
});

describe('helpers', () => {
  it('formats seconds for people', () => {
    expect([180_000, 200, 7_340, 7_000, 10_600, 0].map(formatSeconds)).toEqual([
      '180 s',
      '0.2 s',
      '7.3 s',
      '7 s',
      '11 s',
      '0 s',
    ]);
  });

  it('reads the resume attempt tag, treating nonsense as none', () => {
    expect(resumeAttemptsOf({})).toBe(0);
    expect(resumeAttemptsOf({ 'runyard/resume_attempt': '3' })).toBe(3);
    expect(resumeAttemptsOf({ 'runyard/resume_attempt': 'x' })).toBe(0);
  });
});
