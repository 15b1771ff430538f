import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, example, expectUserError, repoRoot, runCli, tempHome } from './cli-helpers.js';

/*
 * The mistakes a newcomer made that passed silently or wrote an instance anyway (issue 18): each is
 * refused with a message naming the thing, exit 2, and nothing written.
 */

const fixture = (name: string) => path.join(repoRoot, 'packages/runyard/test/fixtures/newcomer', name);
const launchers = fixture('launchers.js');
const hello = example('hello.ts');

/** A home path that does not exist yet: a refused command must leave it so. */
function freshHome(): string {
  return path.join(tempHome(), 'home');
}

describe('refused commands create nothing', () => {
  it('run show | terminate | logs | delete | retry of an unknown id', async () => {
    for (const args of [
      ['run', 'show', 'abc123'],
      ['run', 'terminate', 'abc123'],
      ['run', 'logs', 'abc123'],
      ['run', 'delete', 'abc123'],
      ['run', 'retry', 'abc123'],
    ]) {
      const home = freshHome();
      const result = await runCli(args, { home });
      expectUserError(
        result,
        `run 'abc123' was not found: the instance at ${home} (given by --home) has recorded no runs yet`,
      );
      expect(existsSync(home), args.join(' ')).toBe(false);
    }
  });

  it('an existing home without a database stays without one', async () => {
    const home = tempHome();
    expectUserError(await runCli(['run', 'show', 'abc123'], { home }), "run 'abc123' was not found");
    expect(readdirSync(home)).toEqual([]);
  });

  it('schedule start of a schedule the code location does not define', async () => {
    const home = freshHome();
    const result = await runCli(['schedule', 'start', 'nope', '-f', example('schedules.ts')], { home });
    expectUserError(result, "schedule 'nope' was not found");
    expect(existsSync(home)).toBe(false);
  });

  it('dev --host 0.0.0.0 without a token', async () => {
    const home = freshHome();
    const result = await runCli(['dev', '-f', hello, '--host', '0.0.0.0', '--port', '0'], { home });
    expectUserError(result, 'listening on 0.0.0.0 (not loopback) needs an access token');
    expect(existsSync(home)).toBe(false);
  });

  describe('dev on a port in use', () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('is refused before the instance is opened', async () => {
      const home = freshHome();
      const result = await runCli(['dev', '-f', hello, '--port', String(port)], { home });
      expectUserError(result, `cannot listen on 127.0.0.1:${port}: the port is in use`);
      expect(existsSync(home)).toBe(false);
    });
  });

  it('a runLauncher class without the launcher methods fails when the instance loads', async () => {
    const home = tempHome();
    writeFileSync(
      path.join(home, 'runyard.yaml'),
      `runLauncher:\n  module: ${JSON.stringify(launchers)}\n  class: NotALauncher\n`,
    );
    for (const args of [
      ['run', 'list'],
      ['instance', 'info'],
    ]) {
      const result = await runCli(args, { home });
      expectUserError(
        result,
        /runLauncher\.class: 'NotALauncher' from .* is not a runLauncher: it has no methods launchRun, terminate/,
      );
    }
    expect(readdirSync(home)).toEqual(['runyard.yaml']);
  });
});

describe('mistakes in definitions, config and tags', () => {
  it('a misspelt key in op config names the key and the keys the op knows', async () => {
    const home = freshHome();
    const dir = tempHome();
    const config = path.join(dir, 'config.yaml');
    writeFileSync(config, 'ops:\n  fetch_name:\n    config:\n      nam: Ada\n');
    for (const command of ['execute', 'launch']) {
      const result = await runCli(['job', command, '-f', hello, '-j', 'hello', '-c', config], { home });
      expectUserError(
        result,
        "ops.fetch_name.config.nam: unknown key (op 'fetch_name' would ignore it; known keys: name",
      );
    }
    expect(existsSync(home)).toBe(false);
  });

  it('an op config schema that allows extra keys takes them', async () => {
    const dir = tempHome();
    writeFileSync(path.join(dir, 'c.yaml'), 'ops:\n  read:\n    config:\n      path: a\n      extra: b\n');
    const result = await runCli(
      ['job', 'execute', '-f', fixture('loose-config.ts'), '-j', 'loose', '-c', path.join(dir, 'c.yaml')],
      { home: freshHome() },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('an unknown key in an op definition fails at load, naming it', async () => {
    const result = await runCli(['job', 'list', '-f', fixture('output-key.ts')]);
    expectUserError(result, "op 'make': unknown key 'output' (known keys: name, description, tags, ins, config, out");
  });

  it('reserved tags with a value of the wrong format are refused at submit', async () => {
    const home = freshHome();
    for (const [tag, message] of [
      ['runyard/max_retries=many', 'tag runyard/max_retries must be a whole number, got "many"'],
      ['runyard/priority=high', 'tag runyard/priority must be a whole number (negative allowed), got "high"'],
      ['runyard/retry_strategy=sometimes', "tag runyard/retry_strategy must be 'from-failure' or 'all-steps'"],
      ['runyard/max_runtime=1h', 'tag runyard/max_runtime must be a positive number of seconds, got "1h"'],
    ] as const) {
      const result = await runCli(['job', 'launch', '-f', hello, '-j', 'hello', '--tag', tag], { home });
      expectUserError(result, message);
    }
    expect(existsSync(home)).toBe(false);
  });
});

describe('messages', () => {
  it('-f naming a file of the wrong kind or a directory says so', async () => {
    const dir = tempHome();
    writeFileSync(path.join(dir, 'notts.json'), '{}');
    mkdirSync(path.join(dir, 'somedir'));
    expectUserError(
      await runCli(['job', 'list', '-f', 'notts.json'], { cwd: dir }),
      "code location 'notts.json' is not a .ts",
    );
    expectUserError(
      await runCli(['job', 'list', '-f', 'somedir'], { cwd: dir }),
      "code location 'somedir' is a directory",
    );
  });

  it('a YAML syntax error in a -c file gives its line and column', async () => {
    const dir = tempHome();
    const config = path.join(dir, 'bad.yaml');
    writeFileSync(config, 'ops:\n  fetch_name: {config: [1, 2}\n');
    const result = await runCli(['job', 'execute', '-f', hello, '-j', 'hello', '-c', config], { home: freshHome() });
    expectUserError(result, `${config}:2:`);
    expect(result.stderr).toMatch(/YAML syntax error at line 2, column \d+/);
  });

  it('a failed launch prints its reason', async () => {
    const home = tempHome();
    writeFileSync(
      path.join(home, 'runyard.yaml'),
      `runLauncher:\n  module: ${JSON.stringify(launchers)}\n  class: FailingLauncher\n`,
    );
    const result = await runCli(['job', 'launch', '-f', hello, '-j', 'hello'], { home });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('failed to launch: ');
    expect(result.stderr).toContain('the cluster said no: quota exceeded');
    const waited = await runCli(['job', 'launch', '-f', hello, '-j', 'hello', '--wait'], { home });
    expect(waited.code).toBe(1);
    expect(waited.stderr).toContain('the cluster said no: quota exceeded');
  });

  it('Ctrl-C on job launch --wait exits 130 and says the run goes on', async () => {
    const home = tempHome();
    const child = spawn(
      process.execPath,
      [
        cliPath,
        '--home',
        home,
        'job',
        'launch',
        '-f',
        path.join(repoRoot, 'packages/runyard/test/fixtures/slow.ts'),
        '-j',
        'slow',
        '--wait',
      ],
      { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('waiting')) resolve();
      }),
    );
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(stderr).toContain('the run goes on');
    const runId = /launched run ([0-9a-f-]{36})/.exec(stdout)?.[1] as string;
    const stopped = await runCli(['run', 'terminate', runId, '--force'], { home });
    expect(stopped.code).toBe(0);
  });
});

describe('runyard init', () => {
  it('writes a project into a new directory and refuses one that holds files, writing nothing', async () => {
    const dir = path.join(tempHome(), 'my-jobs');
    const made = await runCli(['init', dir]);
    expect(made.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(
      ['.gitignore', 'README.md', 'package.json', 'runyard.yaml', 'src', 'tsconfig.json'].sort(),
    );
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'my-jobs', type: 'module', dependencies: { runyard: '^0.1.0' } });
    expect(pkg.dependencies.zod).toMatch(/^\^4\./);
    const again = await runCli(['init', dir]);
    expectUserError(again, `${dir} is not empty`);
    expect(readdirSync(path.join(dir, 'src')).sort()).toEqual(['definitions.test.ts', 'definitions.ts']);
  });
});

describe('the instance is found, not guessed', () => {
  it('a run executed from a subfolder is in the instance that instance info and run list from the project root use', async () => {
    const project = tempHome();
    const sub = path.join(project, 'src', 'jobs');
    mkdirSync(sub, { recursive: true });
    writeFileSync(
      path.join(project, 'runyard.yaml'),
      'storage:\n  class: SqliteStorage\n  config:\n    path: .runyard/runyard.db\n',
    );
    mkdirSync(path.join(project, '.runyard'));
    const env = { RUNYARD_HOME: '' };
    const executed = await runCli(['job', 'execute', '-f', hello, '-j', 'hello'], { cwd: sub, env });
    expect(executed.code).toBe(0);
    const info = await runCli(['instance', 'info'], { cwd: project, env });
    expect(info.stdout).toContain(`home             ${project}\n`);
    expect(info.stdout).toContain(`found by         nearest runyard.yaml, found from ${project}`);
    const listed = await runCli(['run', 'list', '--json'], { cwd: project, env });
    expect(JSON.parse(listed.stdout)).toHaveLength(1);
    expect(existsSync(path.join(sub, '.runyard'))).toBe(false);
  });
});
