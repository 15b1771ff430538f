import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { example, expectUserError, repoRoot, runCli, tempHome } from './cli-helpers.js';

const fixture = (name: string) => path.join(repoRoot, 'packages/runyard/test/fixtures', name);

describe('runyard CLI, as a user runs it', () => {
  let home: string;
  let helloRunId: string;

  beforeAll(async () => {
    home = tempHome();
    const result = await runCli(['job', 'execute', '-f', example('hello.ts'), '-j', 'hello'], { home });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    helloRunId = /run ([0-9a-f-]{36}) SUCCESS/.exec(result.stdout)?.[1] as string;
    expect(helloRunId).toBeDefined();
  });

  it('job execute prints each step as it happens and the run id with its status', async () => {
    const result = await runCli(
      [
        'job',
        'execute',
        '-f',
        example('hello.ts'),
        '-j',
        'hello',
        '-c',
        example('hello-config.yaml'),
        '--tag',
        'team=data',
      ],
      { home },
    );
    expect(result.code).toBe(0);
    for (const text of [
      'RUN_START',
      "STEP_SUCCESS      fetch_name: step 'fetch_name' succeeded",
      'LOG INFO          shout: HELLO, RUNYARD!',
      'RUN_SUCCESS',
    ])
      expect(result.stdout).toContain(text);
    const runId = /run ([0-9a-f-]{36}) SUCCESS/.exec(result.stdout)?.[1];
    const shown = await runCli(['run', 'show', String(runId), '--json'], { home });
    expect(JSON.parse(shown.stdout)).toMatchObject({
      status: 'SUCCESS',
      tags: { team: 'data' },
      runConfig: { ops: { fetch_name: { config: { name: 'Runyard' } } } },
      steps: [
        { stepKey: 'fetch_name', status: 'SUCCESS', attempts: 1 },
        { stepKey: 'greet', status: 'SUCCESS' },
        { stepKey: 'shout', status: 'SUCCESS' },
      ],
    });
  });

  it('job execute exits 1 for a failed run, naming the failed step', async () => {
    const result = await runCli(['job', 'execute', '-f', example('retries.ts'), '-j', 'broken'], { home });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("STEP_UP_FOR_RETRY parse: step 'parse' failed (attempt 1 of 2)");
    expect(result.stdout).toContain(
      "STEP_SKIPPED      report: skipped step 'report': upstream step 'parse' did not succeed",
    );
    expect(result.stdout).toContain("RUN_FAILURE       run of job 'broken' failed: step 'parse' failed");
    expect(result.stdout).toMatch(/run [0-9a-f-]{36} FAILURE/);
    const flaky = await runCli(['job', 'execute', '-f', example('retries.ts'), '-j', 'flaky'], { home });
    expect(flaky.code).toBe(0);
  });

  it('job list shows the jobs of a location, also as JSON', async () => {
    const text = await runCli(['job', 'list', '-f', example('retries.ts')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/flaky\s+2\s+in_process/);
    const json = JSON.parse((await runCli(['job', 'list', '-f', example('hello.ts'), '--json'])).stdout);
    expect(json[0]).toMatchObject({
      name: 'hello',
      steps: [{ key: 'fetch_name' }, { key: 'greet', upstream: ['fetch_name'] }, { key: 'shout' }],
    });
  });

  it('run list filters by status, job and tag, with a limit', async () => {
    const all = JSON.parse((await runCli(['run', 'list', '--json', '--limit', '100'], { home })).stdout) as Array<{
      runId: string;
      status: string;
      jobName: string;
    }>;
    expect(all.length).toBeGreaterThanOrEqual(4);
    const failed = JSON.parse(
      (await runCli(['run', 'list', '--status', 'FAILURE', '--json'], { home })).stdout,
    ) as typeof all;
    expect(failed.map((r) => r.jobName)).toEqual(['broken']);
    const tagged = JSON.parse(
      (await runCli(['run', 'list', '--tag', 'team=data', '--json'], { home })).stdout,
    ) as typeof all;
    expect(tagged).toHaveLength(1);
    const limited = JSON.parse(
      (await runCli(['run', 'list', '--job', 'hello', '--limit', '1', '--json'], { home })).stdout,
    ) as typeof all;
    expect(limited).toHaveLength(1);
    const text = await runCli(['run', 'list'], { home });
    expect(text.stdout).toMatch(/RUN ID\s+JOB\s+STATUS/);
    expect(text.stdout).toContain(helloRunId);
  });

  it('run logs prints the event log, also as JSON lines; run show takes an id prefix', async () => {
    const logs = await runCli(['run', 'logs', helloRunId], { home });
    expect(logs.code).toBe(0);
    expect(logs.stdout.split('\n').filter((l) => l.includes('STEP_SUCCESS'))).toHaveLength(3);
    const json = (await runCli(['run', 'logs', helloRunId, '--json'], { home })).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(json[0]).toMatchObject({ type: 'RUN_START', runId: helloRunId });
    expect(json.at(-1)).toMatchObject({ type: 'RUN_SUCCESS' });
    const shown = await runCli(['run', 'show', helloRunId.slice(0, 8)], { home });
    expect(shown.stdout).toContain(`run        ${helloRunId}`);
    expect(shown.stdout).toMatch(/shout\s+SUCCESS\s+1/);
  });

  it('run delete removes the run and its events', async () => {
    const result = await runCli(['job', 'execute', '-f', example('hello.ts'), '-j', 'hello'], { home });
    const runId = /run ([0-9a-f-]{36})/.exec(result.stdout)?.[1] as string;
    expect((await runCli(['run', 'delete', runId], { home })).stdout).toBe(`deleted run ${runId}\n`);
    expectUserError(await runCli(['run', 'show', runId], { home }), `run '${runId}' was not found`);
  });

  it('instance info and migrate describe the instance', async () => {
    const info = JSON.parse((await runCli(['instance', 'info', '--json'], { home })).stdout);
    expect(info).toMatchObject({
      home,
      configFile: null,
      storage: { kind: 'SqliteStorage' },
      runLauncher: 'ProcessRunLauncher',
    });
    const migrate = await runCli(['instance', 'migrate'], { home });
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toMatch(/up to date \(schema v\d+\)/);
  });

  it('SIGINT cancels a running job execute: the run ends CANCELED and the exit code is 1', async () => {
    let sent = false;
    const result = await runCli(['job', 'execute', '-f', fixture('slow.ts'), '-j', 'slow'], {
      home,
      onStdout: (text, child) => {
        if (!sent && text.includes('waiting')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('RUN_CANCELED');
    expect(result.stdout).toMatch(/run [0-9a-f-]{36} CANCELED/);
  });

  it('--help lists each command and its options', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    for (const word of ['job', 'run', 'instance', '--home']) expect(top.stdout).toContain(word);
    const exec = await runCli(['job', 'execute', '--help']);
    for (const word of ['--file', '--job', '--config', '--tag', '--json']) expect(exec.stdout).toContain(word);
  });
});

describe('bad input gets exit 2 and a message that names what was wrong', () => {
  const home = tempHome();

  it('a code location that does not exist', async () => {
    expectUserError(
      await runCli(['job', 'list', '-f', 'examples/nope.ts']),
      "code location 'examples/nope.ts' was not found",
    );
  });

  it('a syntax error, with file and line', async () => {
    expectUserError(await runCli(['job', 'list', '-f', fixture('bad-syntax.ts')]), 'bad-syntax.ts:5:1: Unexpected "}"');
  });

  it('a job with a cycle', async () => {
    expectUserError(await runCli(['job', 'list', '-f', fixture('bad-cycle.ts')]), "job 'loop' has a cycle: a → b → a");
  });

  it('a job that is not there', async () => {
    expectUserError(
      await runCli(['job', 'execute', '-f', example('hello.ts'), '-j', 'nope'], { home }),
      "job 'nope' was not found",
    );
  });

  it('invalid run config: every problem by path, and no run is created', async () => {
    const config = path.join(home, 'bad-config.yaml');
    writeFileSync(config, 'ops:\n  fetch_name:\n    config:\n      name: 5\n  ghost: {}\n');
    const result = await runCli(['job', 'execute', '-f', example('hello.ts'), '-j', 'hello', '-c', config], { home });
    expectUserError(result, "invalid run config for job 'hello'");
    expect(result.stderr).toContain('ops.fetch_name.config.name: Invalid input: expected string, received number');
    expect(result.stderr).toContain("ops.ghost: job 'hello' has no step 'ghost'");
    expect(existsSync(path.join(home, 'runyard.db'))).toBe(false);
  });

  it('a config file that is missing or not YAML', async () => {
    expectUserError(
      await runCli(['job', 'execute', '-f', example('hello.ts'), '-j', 'hello', '-c', 'nope.yaml'], { home }),
      "config file 'nope.yaml' was not found",
    );
    const bad = path.join(home, 'broken.yaml');
    writeFileSync(bad, 'ops:\n  a: [1, 2\n');
    expectUserError(
      await runCli(['job', 'execute', '-f', example('hello.ts'), '-j', 'hello', '-c', bad], { home }),
      `${bad}:`,
    );
  });

  it('a bad --tag, --limit, status or option', async () => {
    expectUserError(
      await runCli(['job', 'execute', '-f', example('hello.ts'), '-j', 'hello', '--tag', 'novalue'], { home }),
      '--tag "novalue": expected key=value',
    );
    expectUserError(await runCli(['run', 'list', '--limit', 'many'], { home }), '--limit must be a whole number');
    expect((await runCli(['run', 'list', '--status', 'DONE'], { home })).code).toBe(2);
    expect((await runCli(['job', 'execute', '--frobnicate'], { home })).code).toBe(2);
    expect((await runCli(['run', 'show'], { home })).code).toBe(2);
  });

  it('a bad runyard.yaml names the file and key, and writes nothing', async () => {
    const badHome = tempHome();
    const file = path.join(badHome, 'runyard.yaml');
    writeFileSync(file, 'storage:\n  class: SqliteStorage\nfrobnicate: true\n');
    expectUserError(
      await runCli(['run', 'list'], { home: badHome }),
      `${file}: invalid instance config:\n  - frobnicate: unknown key`,
    );
    writeFileSync(file, 'storage:\n  class: SqliteStorage\n  config:\n    path: 42\n');
    expectUserError(await runCli(['run', 'list'], { home: badHome }), 'storage.config.path');
    expect(existsSync(path.join(badHome, 'runyard.db'))).toBe(false);
  });

  it('an unknown run id', async () => {
    expectUserError(await runCli(['run', 'logs', '0000dead'], { home }), "run '0000dead' was not found");
  });
});
