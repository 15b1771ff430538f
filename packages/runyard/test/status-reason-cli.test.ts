import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Instance, startUiServer, type UiServer } from '../src/index.js';
import { example, runCli, tempHome } from './cli-helpers.js';

// A run failed by its own worker (an op failed) had no statusReason, though the HTTP API promises
// one for every FAILURE and CANCELED: `run show` said FAILURE and nothing more.

describe('a run failed by its worker says why', () => {
  const reason = /^step 'parse' failed after 2 attempts: Error: malformed input on line 3/;
  let home: string;
  let runId: string;

  beforeAll(async () => {
    home = tempHome();
    const launched = await runCli(['job', 'launch', '-f', example('retries.ts'), '-j', 'broken', '--wait'], {
      home,
    });
    expect(launched.code, launched.stderr).toBe(1);
    const listed = await runCli(['run', 'list', '--json'], { home });
    runId = (JSON.parse(listed.stdout) as Array<{ runId: string }>)[0]?.runId as string;
  });

  it('in `run show`, text and JSON', async () => {
    const text = await runCli(['run', 'show', runId], { home });
    expect(text.stdout).toMatch(/status {5}FAILURE \(step 'parse' failed after 2 attempts: Error: malformed input/);
    const json = JSON.parse((await runCli(['run', 'show', runId, '--json'], { home })).stdout);
    expect(json.status).toBe('FAILURE');
    expect(json.statusReason).toMatch(reason);
  });

  describe('in the HTTP API', () => {
    let instance: Instance;
    let server: UiServer;

    beforeAll(async () => {
      instance = await Instance.open({ home });
      server = await startUiServer({ instance, port: 0, uiDir: undefined });
    });
    afterAll(async () => {
      await server.close();
      await instance.dispose();
    });

    it('GET /api/runs/:id', async () => {
      const response = await fetch(`${server.url}/api/runs/${runId}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { run: { status: string; statusReason?: string } };
      expect(body.run.status).toBe('FAILURE');
      expect(body.run.statusReason).toMatch(reason);
    });
  });
});
