// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${vars.x}` is runyard.yaml's own syntax, written literally here
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Instance, parseInstanceConfig, startUiServer, type UiServer } from 'runyard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_JOBS } from '../fixtures/api-harness.js';

// The Launchpad's launcher data and the HTTP answers to a refused launcher choice. Runs stay
// QUEUED (no daemon), so nothing here starts a worker.

let home: string;
let instance: Instance;
let server: UiServer;

beforeAll(async () => {
  home = mkdtempSync(path.join(tmpdir(), 'runyard-api-launchers-'));
  instance = await Instance.open({
    home,
    config: parseInstanceConfig({
      runCoordinator: { class: 'QueuedRunCoordinator' },
      runLaunchers: {
        default: 'local',
        launchers: {
          local: { class: 'ProcessRunLauncher' },
          tuned: {
            class: 'ProcessRunLauncher',
            config: { terminateGraceSeconds: '${vars.grace}' },
            variables: { grace: { type: 'number', default: 5, min: 1, max: 30, description: 'seconds' } },
          },
          gpu: { class: 'ProcessRunLauncher', allow: { jobs: ['fails'] } },
        },
      },
    }),
  });
  server = await startUiServer({ instance, port: 0, codeLocation: API_JOBS, uiDir: undefined });
});
afterAll(async () => {
  await server?.close();
  await instance?.dispose();
  rmSync(home, { recursive: true, force: true });
});

async function api(method: string, route: string, body?: unknown) {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('launchers over HTTP', () => {
  it('lists the launchers a job may use, with their variables and where the job goes by default', async () => {
    const { status, body } = await api('GET', '/api/jobs/greeting/launchers');
    expect(status).toBe(200);
    expect(body.default).toBe('local');
    expect(body.defaultFrom).toBe('instance');
    expect(body.launchers.map((l: { name: string }) => l.name)).toEqual(['local', 'tuned']);
    expect(body.launchers[1].variables.grace).toMatchObject({ type: 'number', default: 5, max: 30 });
    const fails = await api('GET', '/api/jobs/fails/launchers');
    expect(fails.body.launchers.map((l: { name: string }) => l.name)).toEqual(['local', 'tuned', 'gpu']);
  });

  it('answers a refused launcher or a bad variable with 400 and its issues, and creates no run', async () => {
    const refused = await api('POST', '/api/runs', {
      job: 'slow',
      tags: { 'runyard/launcher': 'gpu' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain("launcher 'gpu' may not run job 'slow'");
    expect(refused.body.error.issues[0]).toMatchObject({ path: 'runyard/launcher' });
    const checked = await api('POST', '/api/runs/validate', {
      job: 'slow',
      tags: { 'runyard/launcher': 'tuned', 'runyard/launcher_vars': '{"grace":60}' },
    });
    expect(checked.body).toEqual({
      valid: false,
      issues: [{ path: 'runyard/launcher_vars.grace', message: 'must be at most 30, got 60' }],
    });
    expect(await instance.storage.runs.countRuns({})).toBe(0);
    const ok = await api('POST', '/api/runs', {
      job: 'slow',
      tags: { 'runyard/launcher': 'tuned', 'runyard/launcher_vars': '{"grace":9}' },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.run.tags).toMatchObject({ 'runyard/launcher': 'tuned', 'runyard/launcher_vars': '{"grace":9}' });
  });
});
