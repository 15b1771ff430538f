import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempHome } from './cli-helpers.js';
import { type DaemonProcess, spawnDaemon, waitFor } from './fixtures/daemon-process.js';

// `run terminate` sends SIGTERM and waits out a grace period for the worker to exit. When the
// daemon's run monitoring loses patience first (cancelTimeoutSeconds shorter than the grace), it
// records CANCELED and kills the worker with SIGKILL; the command used to report "sent SIGTERM to
// process group N; it exited" all the same.

describe('run terminate when the daemon escalates first', () => {
  let home: string;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    home = tempHome();
    writeFileSync(
      path.join(home, 'runyard.yaml'),
      [
        'runLauncher:',
        '  class: ProcessRunLauncher',
        '  config: { terminateGraceSeconds: 60 }',
        'runMonitoring:',
        '  cancelTimeoutSeconds: 1',
        '  pollIntervalSeconds: 0.2',
        '',
      ].join('\n'),
    );
    daemon = spawnDaemon(home, []);
    await daemon.daemonId();
  });

  afterAll(async () => {
    daemon.kill('SIGTERM');
    await daemon.exited;
  });

  it('says monitoring killed the worker, not that it exited', async () => {
    const fixture = path.join(repoRoot, 'packages/runyard/test/fixtures/ignores-cancel.ts');
    const launched = await runCli(['job', 'launch', '-f', fixture, '-j', 'stubborn'], { home });
    expect(launched.code, launched.stderr).toBe(0);
    const runId = launched.stdout.trim();
    await waitFor('the op to start', async () => {
      const logs = await runCli(['run', 'logs', runId], { home });
      return logs.stdout.includes('ignoring cancellation') ? true : undefined;
    });

    const terminated = await runCli(['run', 'terminate', runId], { home });
    expect(terminated.code, terminated.stderr).toBe(0);
    expect(terminated.stdout).not.toContain('it exited');
    expect(terminated.stdout).toMatch(
      new RegExp(
        `^run ${runId} CANCELED: sent SIGTERM to its worker, which had not stopped when run monitoring recorded CANCELED and killed it \\(killed process group \\d+ with SIGKILL\\): run was still CANCELING 1 s after termination was requested\n$`,
      ),
    );
  });
});
