import { describe, expect, it } from 'vitest';
import type { EcsTask } from './ecs-client.js';
import { healthFromTask } from './ecs-task-health.js';

const arn = 'arn:aws:ecs:us-east-1:123456789012:task/runs/abc123';
const stopped = (fields: Partial<EcsTask>, container: Record<string, unknown> = {}): EcsTask => ({
  taskArn: arn,
  lastStatus: 'STOPPED',
  containers: [{ name: 'run', lastStatus: 'STOPPED', ...container }],
  ...fields,
});

describe('health from DescribeTasks', () => {
  it('reads starting and running tasks', () => {
    expect(healthFromTask({ taskArn: arn, lastStatus: 'PROVISIONING' }, 'run')).toMatchObject({
      status: 'UNKNOWN',
      transient: true,
    });
    expect(healthFromTask({ taskArn: arn, lastStatus: 'RUNNING' }, 'run')).toMatchObject({ status: 'RUNNING' });
  });

  it.each([
    ['exit 0', stopped({ stopCode: 'EssentialContainerExited' }, { exitCode: 0 }), { status: 'SUCCESS', exitCode: 0 }],
    [
      'exit 3',
      stopped({ stopCode: 'EssentialContainerExited' }, { exitCode: 3 }),
      { status: 'FAILED', exitCode: 3, failureClass: 'user', retryable: false },
    ],
    [
      'OOM',
      stopped(
        { stopCode: 'EssentialContainerExited' },
        { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
      ),
      { status: 'FAILED', exitCode: 137, signal: 'SIGKILL', failureClass: 'oom', retryable: false },
    ],
    [
      'Spot',
      stopped({ stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.' }, { exitCode: 143 }),
      { status: 'FAILED', failureClass: 'preempted', retryable: true },
    ],
    [
      'image',
      stopped(
        { stopCode: 'TaskFailedToStart' },
        { reason: 'CannotPullContainerError: ref pull has been retried 1 time(s)' },
      ),
      { status: 'FAILED', failureClass: 'image', retryable: false },
    ],
    [
      'capacity',
      stopped({ stopCode: 'TaskFailedToStart', stoppedReason: 'Capacity is unavailable at this time.' }),
      { status: 'FAILED', failureClass: 'capacity', retryable: true },
    ],
    [
      'network interface',
      stopped({
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'ResourceInitializationError: timeout waiting for network interface',
      }),
      { status: 'FAILED', failureClass: 'infra', retryable: true },
    ],
    [
      'killed by StopTask',
      stopped({ stopCode: 'UserInitiated' }, { exitCode: 137 }),
      { status: 'FAILED', signal: 'SIGKILL', failureClass: 'user' },
    ],
  ])('%s', (_name, task, expected) => {
    const health = healthFromTask(task, 'run');
    expect(health).toMatchObject(expected);
    expect(health.reason).toContain('task abc123 stopped');
  });
});
