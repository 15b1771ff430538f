import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3 } from '@aws-sdk/client-s3';
import { type CodeLocation, executeJob, Instance, loadCodeLocation, retryRun } from 'runyard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { waitForStatus } from '../../docker/test/support/waits.js';
import { type MotoServer, startMoto } from './ecs-agent/moto-server.js';
import { REPO } from './support/ecs-harness.js';
import { runCli } from './support/run-cli.js';

const JOBS = path.join(REPO, 'packages/aws/test/fixtures/aws-jobs.ts');
const BUCKET = 'runyard-outputs';
const IO_MANAGER = { class: 'S3IOManager', config: { bucket: BUCKET, prefix: 'runs', forcePathStyle: true } };

/**
 * runyard.yaml's `ioManager` key, end to end: runs launched by the process launcher (their workers
 * and their step processes) keep step outputs in moto's S3, and a retry from failure reads the
 * parent's outputs from there.
 */
describe('ioManager: S3IOManager in runyard.yaml', () => {
  let moto: MotoServer;
  let s3: S3;
  let location: CodeLocation;
  const dirs: string[] = [];

  beforeAll(async () => {
    moto = await startMoto();
    // The run workers inherit these: the SDK's own chain finds moto through AWS_ENDPOINT_URL.
    Object.assign(process.env, moto.env);
    s3 = new S3({ forcePathStyle: true });
    await s3.createBucket({ Bucket: BUCKET });
    location = await loadCodeLocation(JOBS);
  });
  afterAll(async () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await moto?.stop();
  });

  function homeWith(config: Record<string, unknown>): { home: string; scratch: string } {
    const base = mkdtempSync(path.join(tmpdir(), 'ry-s3io-'));
    dirs.push(base);
    const home = path.join(base, 'home');
    const scratch = path.join(base, 'scratch');
    mkdirSync(home);
    mkdirSync(scratch);
    writeFileSync(path.join(home, 'runyard.yaml'), stringify(config));
    return { home, scratch };
  }
  const stored = async (key: string) => {
    const object = await s3.getObject({ Bucket: BUCKET, Key: key });
    return JSON.parse(await object.Body!.transformToString());
  };
  const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0);

  for (const jobName of ['produce_consume', 'produce_consume_apart']) {
    it(`${jobName}: a launched run stores its outputs in S3, and its retry from failure reads the parent's from there`, async () => {
      const { home, scratch } = homeWith({ ioManager: IO_MANAGER });
      const instance = await Instance.open({ home });
      try {
        expect((await instance.ioManager()).constructor.name).toBe('S3IOManager');
        writeFileSync(path.join(scratch, 'fail'), '');
        const runConfig = { ops: { produce: { config: { dir: scratch } }, consume: { config: { dir: scratch } } } };
        const submitted = await instance.submitJobRun({
          job: location.getJob(jobName),
          codeLocation: JOBS,
          source: 'api',
          runConfig,
        });
        const failed = await waitForStatus(instance, submitted.runId, ['SUCCESS', 'FAILURE']);
        expect(failed.status).toBe('FAILURE');
        expect(await stored(`runs/${failed.runId}/produce.json`)).toEqual({ format: 1, value: { rows: 21 } });
        // Nothing on the instance's disk: the default file-system IO manager was not used.
        expect(existsSync(path.join(home, 'outputs'))).toBe(false);

        rmSync(path.join(scratch, 'fail'));
        const { run: retry } = await retryRun(instance, failed, { strategy: 'from-failure' });
        const done = await waitForStatus(instance, retry.runId, ['SUCCESS', 'FAILURE']);
        expect(done.status).toBe('SUCCESS');
        // `produce` ran once, in the parent: the retry read its output from S3.
        expect(lines(path.join(scratch, 'produce'))).toBe(1);
        expect(lines(path.join(scratch, 'consume'))).toBe(2);
        expect(await stored(`runs/${retry.runId}/consume.json`)).toEqual({ format: 1, value: 42 });
        const events = await instance.storage.events.getEvents(retry.runId);
        expect(events.map((e) => e.message).join('\n')).toContain(
          '1 step(s) succeeded before and are not run again: produce',
        );
      } finally {
        await instance.dispose();
      }
    });
  }

  it('executeJob with the instance (so `runyard job execute`) keeps outputs in S3 too; a retry from failure of it reuses them', async () => {
    const { home, scratch } = homeWith({ ioManager: IO_MANAGER });
    const instance = await Instance.open({ home });
    try {
      writeFileSync(path.join(scratch, 'fail'), '');
      const runConfig = { ops: { produce: { config: { dir: scratch } }, consume: { config: { dir: scratch } } } };
      const result = await executeJob(location.getJob('produce_consume'), {
        instance,
        runConfig,
        origin: { codeLocation: JOBS, source: 'cli' },
      });
      expect(result.status).toBe('FAILURE');
      expect(await stored(`runs/${result.runId}/produce.json`)).toEqual({ format: 1, value: { rows: 21 } });
      rmSync(path.join(scratch, 'fail'));
      const { run: retry } = await retryRun(instance, result.run, { strategy: 'from-failure' });
      expect((await waitForStatus(instance, retry.runId, ['SUCCESS', 'FAILURE'])).status).toBe('SUCCESS');
      expect(lines(path.join(scratch, 'produce'))).toBe(1);
    } finally {
      await instance.dispose();
    }
  });

  it('a misspelt key or class under ioManager fails at load with exit 2, naming the key; nothing is written', async () => {
    const typo = homeWith({ ioManager: { class: 'S3IOManager', config: { bucket: BUCKET, prefx: 'runs' } } });
    const key = await runCli(typo.home, ['instance', 'info']);
    expect(key.code).toBe(2);
    expect(key.stderr).toContain('ioManager.config');
    expect(key.stderr).toContain('prefx');
    expect(key.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(typo.home, 'runyard.db'))).toBe(false);

    const unknown = homeWith({ ioManager: { class: 'S3IoManager', config: { bucket: BUCKET } } });
    const cls = await runCli(unknown.home, ['instance', 'info']);
    expect(cls.code).toBe(2);
    expect(cls.stderr).toMatch(/ioManager\.class: unknown class 'S3IoManager'; built-ins: FileSystemIOManager/);

    const section = homeWith({ ioManagr: IO_MANAGER });
    const top = await runCli(section.home, ['instance', 'info']);
    expect(top.code).toBe(2);
    expect(top.stderr).toMatch(/ioManagr: unknown key \(valid keys: .*ioManager/);
  });
});
