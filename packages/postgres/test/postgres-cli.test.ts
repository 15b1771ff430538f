import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CliResult, repoRoot, runCli } from './support/run-cli.js';
import { describeWithPostgres, dropSchema, freshSchemaName } from './support/with-postgres.js';

/**
 * The whole path through the real CLI: runyard.yaml names PostgresStorage by class alone and reads
 * the URL from the environment; the run worker that the process launcher starts rebuilds the
 * storage from the serialized config (the reference, not the secret) and its inherited environment.
 */
describeWithPostgres('runyard CLI on PostgreSQL', (server) => {
  let home: string;
  let schema: string;
  const env = () => ({ RUNYARD_HOME: home, DATABASE_URL: server().url });
  const expectOk = (result: CliResult) => expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'runyard-pg-cli-'));
    schema = freshSchemaName('cli');
    // autoMigrate off, so that `instance migrate` is what creates the tables.
    await writeFile(
      path.join(home, 'runyard.yaml'),
      [
        'storage:',
        '  class: PostgresStorage',
        '  config:',
        '    url: { env: DATABASE_URL }',
        `    schema: ${schema}`,
        '    autoMigrate: false',
        '    poolSize: 4',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
    await dropSchema(server(), schema);
  });

  it('migrates with `instance migrate`, and a second time finds nothing to do', async () => {
    const first = await runCli(['instance', 'migrate'], env());
    expectOk(first);
    expect(first.stdout).toContain('migrated storage from schema v0 to v1: create-runs-events-schedules-daemon');
    const second = await runCli(['instance', 'migrate'], env());
    expectOk(second);
    expect(second.stdout).toContain('storage is up to date (schema v1)');
  });

  it('launches a run whose worker writes to PostgreSQL, and lists it', async () => {
    const launch = await runCli(
      ['job', 'launch', '-f', path.join(repoRoot, 'examples/hello.ts'), '-j', 'hello', '--wait'],
      env(),
    );
    expectOk(launch);
    const list = await runCli(['run', 'list', '--json'], env());
    expectOk(list);
    const runs = JSON.parse(list.stdout) as Array<{ runId: string; jobName: string; status: string }>;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ jobName: 'hello', status: 'SUCCESS' });
    const logs = await runCli(['run', 'logs', runs[0]?.runId ?? '', '--json'], env());
    expectOk(logs);
    expect(logs.stdout).toContain('HELLO, WORLD!');
    for (const output of [launch, list, logs]) expect(output.stdout + output.stderr).not.toContain(server().password);
  });

  it('shows where the storage is in `instance info`, in text and JSON, never the password', async () => {
    const location = `postgresql://postgres@127.0.0.1:${server().port}/runyard_test?schema=${schema}`;
    const text = await runCli(['instance', 'info'], env());
    expectOk(text);
    expect(text.stdout).toContain(`PostgresStorage at ${location} (schema v1 of 1)`);
    const json = await runCli(['instance', 'info', '--json'], env());
    expectOk(json);
    expect(JSON.parse(json.stdout).storage).toEqual({
      kind: 'PostgresStorage',
      location,
      schemaVersion: 1,
      latestSchemaVersion: 1,
    });
    for (const output of [text, json]) expect(output.stdout + output.stderr).not.toContain(server().password);
  });
});
