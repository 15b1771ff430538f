import { describe, expect, it } from 'vitest';
import { healthFromExitCode } from './process-run-launcher.js';

describe('the process launcher diagnoses a worker from its exit status', () => {
  it('a non-zero exit and a signal are the user class, not retryable; a clean exit is no failure', () => {
    expect(healthFromExitCode(3)).toEqual({
      status: 'FAILED',
      exitCode: 3,
      failureClass: 'user',
      retryable: false,
      reason: 'worker process exited with code 3',
    });
    // SIGKILL (137) may be the kernel's OOM killer, but nothing here can tell: it is not called oom.
    expect(healthFromExitCode(137)).toMatchObject({ signal: 'SIGKILL', failureClass: 'user', retryable: false });
    expect(healthFromExitCode(0)).toEqual({ status: 'SUCCESS', exitCode: 0, reason: 'worker exited with code 0' });
  });
});
