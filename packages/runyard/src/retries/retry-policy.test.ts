import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../runs/run-record.js';
import type { RunStatus } from '../runs/run-status.js';
import { decideAutomaticRetry, type RunRetrySettings } from './retry-policy.js';

const SETTINGS: RunRetrySettings = { enabled: true, maxRetries: 0, retryOnOpFailure: true };
const OP_FAILED = { data: { failedSteps: ['load'], skippedSteps: [] } };
const WORKER_DIED = { data: {} };

function run(tags: Record<string, string> = {}, status: RunStatus = 'FAILURE'): RunRecord {
  return {
    runId: 'r1',
    jobName: 'j',
    status,
    runConfig: {},
    tags,
    origin: { codeLocation: '/defs.ts', source: 'cli' },
    createdAt: 0,
    updatedAt: 0,
  };
}

describe('decideAutomaticRetry', () => {
  it('retries a failed run while its chain has retries left, from failure by default', () => {
    expect(decideAutomaticRetry(run({ 'runyard/max_retries': '2' }), OP_FAILED, SETTINGS)).toEqual({
      retry: true,
      strategy: 'from-failure',
      retryNumber: 1,
      maxRetries: 2,
    });
    expect(
      decideAutomaticRetry(run({ 'runyard/max_retries': '2', 'runyard/retry_number': '1' }), OP_FAILED, SETTINGS),
    ).toMatchObject({ retry: true, retryNumber: 2 });
    expect(
      decideAutomaticRetry(run({ 'runyard/max_retries': '2', 'runyard/retry_number': '2' }), OP_FAILED, SETTINGS),
    ).toEqual({ retry: false, reason: 'it was retry 2 of 2; no retries left' });
  });

  it("takes the instance's maxRetries when the run has no tag, and the tag over it", () => {
    expect(decideAutomaticRetry(run(), OP_FAILED, SETTINGS)).toEqual({
      retry: false,
      reason: 'no retries are configured',
    });
    expect(decideAutomaticRetry(run(), OP_FAILED, { ...SETTINGS, maxRetries: 1 })).toMatchObject({ retry: true });
    expect(
      decideAutomaticRetry(run({ 'runyard/max_retries': '0' }), OP_FAILED, { ...SETTINGS, maxRetries: 3 }),
    ).toMatchObject({
      retry: false,
    });
  });

  it('never retries a run that did not fail: cancelled, succeeded, still running', () => {
    for (const status of ['CANCELED', 'SUCCESS', 'STARTED'] as const)
      expect(decideAutomaticRetry(run({ 'runyard/max_retries': '3' }, status), undefined, SETTINGS)).toEqual({
        retry: false,
        reason: `the run is ${status}, not FAILURE`,
      });
    expect(
      decideAutomaticRetry(run({ 'runyard/max_retries': '3' }), OP_FAILED, { ...SETTINGS, enabled: false }),
    ).toMatchObject({
      retry: false,
    });
  });

  it('with retryOnOpFailure off, retries only runs that failed without a failed step', () => {
    const off = { ...SETTINGS, maxRetries: 1, retryOnOpFailure: false };
    expect(decideAutomaticRetry(run(), OP_FAILED, off)).toEqual({
      retry: false,
      reason: 'a step failed, and retries on op failure are off',
    });
    expect(decideAutomaticRetry(run(), WORKER_DIED, off)).toMatchObject({ retry: true });
    expect(decideAutomaticRetry(run({ 'runyard/retry_on_op_failure': 'true' }), OP_FAILED, off)).toMatchObject({
      retry: true,
    });
  });

  it('follows runyard/retry_strategy, and refuses tags it cannot read', () => {
    const tags = { 'runyard/max_retries': '1' };
    expect(
      decideAutomaticRetry(run({ ...tags, 'runyard/retry_strategy': 'all-steps' }), OP_FAILED, SETTINGS),
    ).toMatchObject({
      strategy: 'all-steps',
    });
    expect(decideAutomaticRetry(run({ ...tags, 'runyard/retry_strategy': 'some' }), OP_FAILED, SETTINGS)).toEqual({
      retry: false,
      reason: "tag runyard/retry_strategy must be 'from-failure' or 'all-steps', got 'some'",
    });
    expect(decideAutomaticRetry(run({ 'runyard/max_retries': 'lots' }), OP_FAILED, SETTINGS)).toEqual({
      retry: false,
      reason: "tag runyard/max_retries must be a whole number, got 'lots'",
    });
  });
});
