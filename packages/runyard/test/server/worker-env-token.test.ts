/**
 * The server's access token never reaches a process that runs user code: not the run worker the
 * process launcher starts, not a step process of the multiprocess executor, whether the token is
 * in the launching process's environment or given to `runyard dev`. Checked in what the kernel
 * reports (/proc/<pid>/environ), not in what Node shows.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../cli-helpers.js';
import { type ApiHarness, startApiHarness } from '../fixtures/api-harness.js';

const PROBE_JOBS = fileURLToPath(new URL('./fixtures/env-probe-jobs.ts', import.meta.url));
const TOKEN = 'worker-env-test-token-0123456789';
const outDir = mkdtempSync(path.join(tmpdir(), 'runyard-env-probe-'));

interface Probe {
  readonly self: { pid: number; cmdline: string; env: string[] };
  readonly parent: { pid: number; cmdline: string; env: string[] };
}

describe('a server with a token in its environment', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    process.env.RUNYARD_AUTH_TOKEN = TOKEN;
    process.env.PROBE_MARKER = '1';
    h = await startApiHarness({ codeLocation: PROBE_JOBS, authToken: TOKEN });
  });
  afterAll(async () => {
    delete process.env.RUNYARD_AUTH_TOKEN;
    delete process.env.PROBE_MARKER;
    await h?.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  async function probe(job: string): Promise<Probe> {
    const out = path.join(outDir, `${job}.json`);
    const { status, body } = await h.api(
      'POST',
      '/api/runs',
      { job, runConfig: { ops: { probe: { config: { out } } } } },
      { authorization: `Bearer ${TOKEN}` },
    );
    expect(status).toBe(201);
    await h.waitForStatus(body.run.runId, ['SUCCESS']);
    return JSON.parse(readFileSync(out, 'utf8')) as Probe;
  }

  it('does not hand it to the run worker', async () => {
    const { self } = await probe('probe_in_process');
    expect(self.cmdline).toContain('execute-run');
    // The rest of the environment is inherited as before.
    expect(self.env).toContain('PROBE_MARKER');
    expect(self.env).toContain('RUNYARD_INSTANCE');
    expect(self.env).not.toContain('RUNYARD_AUTH_TOKEN');
  });

  it('does not hand it to a step process, nor to the worker that starts it', async () => {
    const { self, parent } = await probe('probe_multiprocess');
    expect(self.pid).not.toBe(parent.pid);
    expect(parent.cmdline).toContain('execute-run');
    expect(self.env).toContain('PROBE_MARKER');
    expect(self.env).not.toContain('RUNYARD_AUTH_TOKEN');
    expect(parent.env).not.toContain('RUNYARD_AUTH_TOKEN');
  });
});

describe('step processes started outside any launcher', () => {
  it('do not inherit it from `runyard job execute`', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'runyard-env-probe-'));
    const out = path.join(dir, 'probe.json');
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ ops: { probe: { config: { out } } } }));
    const result = await runCli(['job', 'execute', '-f', PROBE_JOBS, '-j', 'probe_multiprocess', '-c', config], {
      home: tempHome(),
      env: { RUNYARD_AUTH_TOKEN: TOKEN, PROBE_MARKER: '1' },
    });
    expect(result.code, result.stderr).toBe(0);
    const { self, parent } = JSON.parse(readFileSync(out, 'utf8')) as Probe;
    expect(self.env).toContain('PROBE_MARKER');
    expect(self.env).not.toContain('RUNYARD_AUTH_TOKEN');
    // The CLI process itself was given the token; only what it starts goes without.
    expect(parent.env).toContain('RUNYARD_AUTH_TOKEN');
  });
});
