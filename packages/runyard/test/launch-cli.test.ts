import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { example, expectUserError, repoRoot, runCli, tempHome } from './cli-helpers.js';

const fixture = (name: string) => path.join(repoRoot, 'packages/runyard/test/fixtures', name);
const runIdIn = (text: string) => /([0-9a-f]{8}-[0-9a-f-]{27})/.exec(text)?.[1] as string;

async function waitForStatus(home: string, runId: string, status: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const shown = await runCli(['run', 'show', runId, '--json'], { home });
    if (JSON.parse(shown.stdout).status === status) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`run ${runId} never became ${status}`);
}

describe('runyard job launch and the launched run, as a user drives them', () => {
  const home = tempHome();

  it('job launch --wait follows the run in its own process and exits 0 on SUCCESS', async () => {
    const result = await runCli(['job', 'launch', '-f', example('hello.ts'), '-j', 'hello', '--wait'], { home });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^launched run [0-9a-f-]{36}\n/);
    expect(result.stdout).toContain('RUN_STARTING      launching the run with ProcessRunLauncher');
    expect(result.stdout).toMatch(/RUN_START +started run of job 'hello' \(pid (\d+)\)/);
    const workerPid = Number(/\(pid (\d+)\)/.exec(result.stdout)?.[1]);
    // The run ran in its own process, not in the CLI's.
    expect(workerPid).not.toBe(Number.NaN);
    expect(result.stdout).toMatch(/run [0-9a-f-]{36} SUCCESS in .* \(steps: 3 done · 0 running · 0 failed\)/);
    const shown = JSON.parse((await runCli(['run', 'show', runIdIn(result.stdout), '--json'], { home })).stdout);
    expect(shown).toMatchObject({
      status: 'SUCCESS',
      worker: { launcher: 'ProcessRunLauncher' },
      origin: { source: 'cli' },
    });
  });

  it('job launch without --wait prints only the run id; --wait exits 1 when the run fails', async () => {
    const plain = await runCli(['job', 'launch', '-f', example('hello.ts'), '-j', 'hello'], { home });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    await waitForStatus(home, plain.stdout.trim(), 'SUCCESS');
    const failed = await runCli(['job', 'launch', '-f', example('retries.ts'), '-j', 'broken', '--wait'], { home });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/FAILURE .*\(steps: 1 done · 0 running · 1 failed · 1 skipped\)/);
  });

  it("run logs --stdout and --stderr show the worker's captured output", async () => {
    const launched = await runCli(['job', 'launch', '-f', fixture('prints.ts'), '-j', 'chatty', '--wait'], { home });
    expect(launched.code).toBe(0);
    const runId = runIdIn(launched.stdout);
    expect((await runCli(['run', 'logs', runId, '--stdout'], { home })).stdout).toBe(
      'hello from the worker on stdout\n',
    );
    expect((await runCli(['run', 'logs', runId, '--stderr'], { home })).stdout).toBe('a warning on stderr\n');
    expectUserError(
      await runCli(['run', 'logs', runId, '--stdout', '--stderr'], { home }),
      'give --stdout or --stderr, not both',
    );
  });

  it('run terminate stops a running run; run logs --follow ends with it; a second terminate says so', async () => {
    const launched = await runCli(['job', 'launch', '-f', fixture('slow.ts'), '-j', 'slow'], { home });
    const runId = launched.stdout.trim();
    await waitForStatus(home, runId, 'STARTED');
    const following = runCli(['run', 'logs', runId, '--follow'], { home });
    const terminated = await runCli(['run', 'terminate', runId.slice(0, 8)], { home });
    expect(terminated.code).toBe(0);
    expect(terminated.stdout).toMatch(
      new RegExp(`run ${runId} CANCELED: sent SIGTERM to process group \\d+; it exited`),
    );
    const followed = await following;
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain('RUN_CANCELING');
    expect(followed.stdout.trim().split('\n').at(-1)).toContain('RUN_CANCELED');
    const again = await runCli(['run', 'terminate', runId], { home });
    expect(again.stdout).toBe(`run ${runId} is already CANCELED; nothing to terminate\n`);
  });

  it('worker execute-run refuses an unknown run with a clear message', async () => {
    expectUserError(
      await runCli(['worker', 'execute-run', '00000000-0000-0000-0000-000000000000'], { home }),
      'was not found',
    );
  });
});

describe('a custom run launcher from runyard.yaml', () => {
  const launcherModule = path.join(repoRoot, 'examples/custom-launcher/nice-run-launcher.js');
  const report = path.join(repoRoot, 'examples/custom-launcher/report.ts');
  const homeWith = (yaml: string) => {
    const home = tempHome();
    writeFileSync(path.join(home, 'runyard.yaml'), yaml);
    return home;
  };

  it('launches runs with the configured class and config', async () => {
    const home = homeWith(
      `runLauncher:\n  module: ${launcherModule}\n  class: NiceRunLauncher\n  config:\n    niceness: 7\n`,
    );
    const result = await runCli(['job', 'launch', '-f', report, '-j', 'report', '--wait'], { home });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('launching the run with NiceRunLauncher');
    expect(result.stdout).toContain('running at niceness 7');
    const info = JSON.parse((await runCli(['instance', 'info', '--json'], { home })).stdout);
    expect(info.runLauncher).toBe('NiceRunLauncher');
  });

  it('bad launcher config, an unknown class or a module that does not load fail at load, creating no run', async () => {
    const bad = homeWith(
      `runLauncher:\n  module: ${launcherModule}\n  class: NiceRunLauncher\n  config:\n    niceness: 50\n`,
    );
    expectUserError(
      await runCli(['job', 'launch', '-f', report, '-j', 'report'], { home: bad }),
      'runLauncher.config.niceness',
    );
    const unknown = homeWith(`runLauncher:\n  module: ${launcherModule}\n  class: FastRunLauncher\n`);
    expectUserError(
      await runCli(['job', 'launch', '-f', report, '-j', 'report'], { home: unknown }),
      "has no export 'FastRunLauncher'",
    );
    const missing = homeWith('runLauncher:\n  module: ./no-such-launcher.js\n  class: X\n');
    expectUserError(
      await runCli(['job', 'launch', '-f', report, '-j', 'report'], { home: missing }),
      "runLauncher.module: cannot load './no-such-launcher.js'",
    );
    const builtin = homeWith('runLauncher:\n  class: TeleportRunLauncher\n');
    expectUserError(
      await runCli(['run', 'list'], { home: builtin }),
      "runLauncher.class: unknown class 'TeleportRunLauncher'",
    );
    // Nothing was written: no database, so no run.
    for (const home of [bad, unknown, missing, builtin]) expect(existsSync(path.join(home, 'runyard.db'))).toBe(false);
  });
});
