import { describe, expect, it } from 'vitest';
import { isChildMessage, isParentMessage, parseBoot } from './messages.js';

const runStep = {
  type: 'run_step',
  runId: 'r',
  jobName: 'j',
  stepKey: 's',
  attempt: 1,
  config: { anything: [1] },
  tags: { a: 'b' },
  inputs: { up: { kind: 'output', from: { runId: 'r', stepKey: 'up' } } },
  ioManager: { class: 'FileSystemIOManager', config: { baseDir: '/x' } },
};

describe('the step process protocol', () => {
  it('accepts the messages a parent sends, and nothing else', () => {
    expect(isParentMessage(runStep)).toBe(true);
    expect(isParentMessage({ type: 'cancel' })).toBe(true);
    expect(isParentMessage({ type: 'flushed' })).toBe(true);
    expect(isParentMessage({ type: 'flushed', error: { name: 'Error', message: 'disk full' } })).toBe(true);
    expect(isParentMessage({ type: 'flushed', error: 'disk full' })).toBe(false);
    expect(isParentMessage({ ...runStep, attempt: '1' })).toBe(false);
    expect(isParentMessage({ ...runStep, tags: { a: 1 } })).toBe(false);
    expect(isParentMessage({ ...runStep, ioManager: { config: {} } })).toBe(false);
    expect(isParentMessage({ type: 'ready' })).toBe(false);
    expect(isParentMessage(null)).toBe(false);
    expect(isParentMessage('run_step')).toBe(false);
  });

  it('accepts the messages a child sends, and nothing else', () => {
    const error = { name: 'Error', message: 'x' };
    expect(isChildMessage({ type: 'ready' })).toBe(true);
    expect(isChildMessage({ type: 'flush' })).toBe(true);
    expect(isChildMessage({ type: 'event', event: { type: 'LOG', message: 'hi' } })).toBe(true);
    expect(isChildMessage({ type: 'result', ok: true })).toBe(true);
    expect(isChildMessage({ type: 'result', ok: false, error, retryable: true })).toBe(true);
    expect(isChildMessage({ type: 'load_error', error })).toBe(true);
    expect(isChildMessage({ type: 'result', ok: false, error })).toBe(false);
    expect(isChildMessage({ type: 'result', ok: false, error: 'x', retryable: true })).toBe(false);
    expect(isChildMessage({ type: 'event', event: {} })).toBe(false);
    expect(isChildMessage({ type: 'cancel' })).toBe(false);
    expect(isChildMessage(undefined)).toBe(false);
  });

  it('reads the boot arguments, or says what it expected', () => {
    const boot = { codeLocation: '/a.ts', cwd: '/', jobName: 'j' };
    // One attempt per process unless the boot says more.
    expect(parseBoot(JSON.stringify(boot))).toEqual({ ...boot, maxSteps: 1 });
    expect(parseBoot(JSON.stringify({ ...boot, maxSteps: 5 }))).toEqual({ ...boot, maxSteps: 5 });
    expect(() => parseBoot(undefined)).toThrow('a step process expects { codeLocation, cwd, jobName, maxSteps? }');
    expect(() => parseBoot('{"codeLocation":1}')).toThrow('a step process expects');
    expect(() => parseBoot(JSON.stringify({ ...boot, maxSteps: 0 }))).toThrow('a step process expects');
  });
});
