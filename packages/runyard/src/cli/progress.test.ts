import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../events/run-event.js';
import { StepProgress } from './progress.js';

let id = 0;
const event = (type: RunEvent['type'], stepKey?: string): RunEvent => ({
  id: ++id,
  runId: 'r',
  type,
  timestamp: id,
  level: 'info',
  message: '',
  ...(stepKey ? { stepKey } : {}),
});

function progressOf(events: readonly RunEvent[]): string {
  const progress = new StepProgress(new PassThrough() as unknown as NodeJS.WriteStream);
  for (const e of events) progress.print('', e);
  return progress.summary();
}

describe('StepProgress', () => {
  it('counts no running step once the run was cancelled under it', () => {
    const summary = progressOf([
      event('RUN_START'),
      event('STEP_START', 'a'),
      event('STEP_SUCCESS', 'a'),
      event('STEP_START', 'b'),
      event('RUN_CANCELING'),
      event('RUN_CANCELED'),
    ]);
    expect(summary).toBe('steps: 1 done · 0 running · 0 failed · 1 cancelled');
  });

  it('counts a step running when its worker died as failed, once, also when its end event follows', () => {
    const summary = progressOf([
      event('RUN_START'),
      event('STEP_START', 'a'),
      event('RUN_FAILURE'),
      event('STEP_FAILURE', 'a'),
    ]);
    expect(summary).toBe('steps: 0 done · 0 running · 1 failed');
  });
});
