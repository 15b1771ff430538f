import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApiHarness } from '../fixtures/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.close();
});

const NAMED = { ops: { fetch_name: { config: { name: 'x' } } } };
const launch = (body: unknown) => h.api('POST', '/api/runs', body);
const runCount = async () => (await h.api('GET', '/api/runs/counts')).body.total as number;

describe('jobs', () => {
  it('lists the jobs with their graph, config schema and a run config template', async () => {
    const { status, body } = await h.api('GET', '/api/jobs');
    expect(status).toBe(200);
    expect(body.codeLocation).toMatch(/api-jobs\.ts$/);
    expect(body.jobs.map((j: { name: string }) => j.name)).toEqual(['greeting', 'fails', 'slow']);
    const greeting = (await h.api('GET', '/api/jobs/greeting')).body;
    expect(greeting.tags).toEqual({ team: 'api' });
    expect(greeting.steps).toEqual([
      expect.objectContaining({ key: 'fetch_name', op: 'fetch_name', upstream: [], inputs: {} }),
      expect.objectContaining({ key: 'greet', upstream: ['fetch_name'], inputs: { name: 'fetch_name' } }),
    ]);
    expect(greeting.steps[0].configSchema).toMatchObject({
      type: 'object',
      properties: { name: { type: 'string' }, times: { type: 'integer', default: 1 } },
      required: ['name'],
    });
    // `name` has no default, so the template leaves a placeholder to fill in.
    expect(greeting.runConfigTemplate).toBe('ops:\n  fetch_name:\n    config:\n      name: ""\n      times: 1\n');
  });

  it('answers 404 naming the jobs there for an unknown job', async () => {
    const { status, body } = await h.api('GET', '/api/jobs/nope');
    expect(status).toBe(404);
    expect(body.error).toMatchObject({ code: 'not_found', message: expect.stringContaining('greeting, fails, slow') });
  });
});

describe('launching', () => {
  it('launches a run with config and tags, which reaches SUCCESS with its steps', async () => {
    const { status, body } = await launch({
      job: 'greeting',
      runConfig: { ops: { fetch_name: { config: { name: 'Ada' } } } },
      tags: { owner: 'api-test' },
    });
    expect(status).toBe(201);
    expect(body.run).toMatchObject({ jobName: 'greeting', tags: { team: 'api', owner: 'api-test' } });
    expect(body.run.origin.source).toBe('api');
    await h.waitForStatus(body.run.runId, ['SUCCESS']);
    const shown = await h.api('GET', `/api/runs/${body.run.runId.slice(0, 8)}`);
    expect(shown.status).toBe(200);
    expect(shown.body.run.status).toBe('SUCCESS');
    expect(shown.body.steps.map((s: { stepKey: string; status: string }) => [s.stepKey, s.status])).toEqual([
      ['fetch_name', 'SUCCESS'],
      ['greet', 'SUCCESS'],
    ]);
  });

  it('launches from YAML, and marks the UI as the origin when the web app asks', async () => {
    const { status, body } = await h.api(
      'POST',
      '/api/runs',
      { job: 'greeting', runConfigYaml: 'ops:\n  fetch_name:\n    config:\n      name: Grace\n' },
      { 'x-runyard-client': 'ui' },
    );
    expect(status).toBe(201);
    expect(body.run.origin.source).toBe('ui');
    expect(body.run.runConfig).toEqual({ ops: { fetch_name: { config: { name: 'Grace' } } } });
  });

  it('refuses invalid config with every issue, each on its YAML line, and creates no run', async () => {
    const before = await runCount();
    const yaml = 'ops:\n  fetch_name:\n    config:\n      name: ""\n      times: lots\n  nope:\n    config: {}\n';
    const { status, body } = await launch({ job: 'greeting', runConfigYaml: yaml });
    expect(status).toBe(400);
    expect(body.error.code).toBe('bad_request');
    expect(body.error.issues).toEqual(
      expect.arrayContaining([
        { path: 'ops.nope', message: expect.stringContaining("has no step 'nope'"), line: 7 },
        { path: 'ops.fetch_name.config.name', message: expect.any(String), line: 4 },
        { path: 'ops.fetch_name.config.times', message: expect.any(String), line: 5 },
      ]),
    );
    expect(await runCount()).toBe(before);
  });

  it('validates without launching: valid, schema issues, and YAML syntax errors with their line', async () => {
    const before = await runCount();
    const ok = await h.api('POST', '/api/runs/validate', {
      job: 'greeting',
      runConfigYaml: 'ops: { fetch_name: { config: { name: x } } }',
    });
    expect(ok.body).toEqual({ valid: true, issues: [] });
    const missing = await h.api('POST', '/api/runs/validate', { job: 'greeting', runConfig: {} });
    expect(missing.body.valid).toBe(false);
    expect(missing.body.issues[0].path).toBe('ops.fetch_name.config.name');
    const syntax = await h.api('POST', '/api/runs/validate', { job: 'greeting', runConfigYaml: 'ops:\n  a: [1, 2\n' });
    expect(syntax.body.valid).toBe(false);
    expect(syntax.body.issues[0]).toMatchObject({ message: expect.stringMatching(/^YAML syntax error/), line: 3 });
    expect(await runCount()).toBe(before);
  });

  it.each([
    ['malformed JSON', '{"job": ', 400, /not valid JSON/],
    ['an unknown field', { job: 'greeting', runconfig: {} }, 400, /unknown field\(s\): runconfig/],
    ['a missing job', { runConfig: {} }, 400, /job/],
    ['a non-string tag value', { job: 'greeting', tags: { a: 1 } }, 400, /tags\.a/],
    ['both config forms', { job: 'greeting', runConfig: {}, runConfigYaml: '' }, 400, /not both/],
    ['an unknown job', { job: 'nope' }, 404, /job 'nope' was not found/],
    ['an empty tag key', { job: 'greeting', runConfig: NAMED, tags: { '': 'x' } }, 400, /tags/],
  ])('answers %s with %s and a message, creating nothing', async (_what, body, status, message) => {
    const before = await runCount();
    const response = await launch(body);
    expect(response.status).toBe(status);
    expect(response.body.error.message).toMatch(message);
    expect(await runCount()).toBe(before);
  });

  it('refuses a body of the wrong content type (415) or over the size limit (413)', async () => {
    const text = await h.api('POST', '/api/runs', '{"job":"greeting"}', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    const huge = await launch({ job: 'greeting', tags: { big: 'x'.repeat(1_100_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
  });
});

describe('listing', () => {
  it('filters by status, job and tag, pages with a cursor, and counts by status', async () => {
    const storage = h.instance.storage.runs;
    const origin = { codeLocation: '/x.ts', source: 'test' };
    for (let i = 0; i < 7; i++)
      await storage.createRun({ jobName: 'listed', tags: { batch: i % 2 ? 'odd' : 'even' }, origin });
    const first = await h.api('GET', '/api/runs?job=listed&limit=3');
    expect(first.body.runs).toHaveLength(3);
    expect(first.body.nextCursor).toBe(first.body.runs[2].runId);
    const second = await h.api('GET', `/api/runs?job=listed&limit=3&cursor=${first.body.nextCursor}`);
    const third = await h.api('GET', `/api/runs?job=listed&limit=3&cursor=${second.body.nextCursor}`);
    expect(third.body.runs).toHaveLength(1);
    expect(third.body.nextCursor).toBeNull();
    const ids = [...first.body.runs, ...second.body.runs, ...third.body.runs].map((r: { runId: string }) => r.runId);
    expect(new Set(ids).size).toBe(7);
    const odd = await h.api('GET', '/api/runs?job=listed&tag=batch=odd');
    expect(odd.body.runs).toHaveLength(3);
    const notStarted = await h.api('GET', '/api/runs?status=not_started,QUEUED&job=listed');
    expect(notStarted.body.runs).toHaveLength(7);
    const counts = await h.api('GET', '/api/runs/counts?job=listed');
    expect(counts.body.total).toBe(7);
    expect(counts.body.byStatus).toMatchObject({ NOT_STARTED: 7, SUCCESS: 0 });
  });

  it.each([
    ['/api/runs?status=DONE', /status 'DONE' is not a run status/],
    ['/api/runs?limit=0', /limit must be an integer from 1 to 500/],
    ['/api/runs?limit=ten', /limit must be an integer/],
    ['/api/runs?cursor=not-a-run', /cursor 'not-a-run' is not a run id/],
    ['/api/runs?tag=novalue', /tag 'novalue' must be key=value/],
  ])('answers %s with 400 and what was wrong', async (route, message) => {
    const { status, body } = await h.api('GET', route);
    expect(status).toBe(400);
    expect(body.error.message).toMatch(message);
  });

  it('answers 404 for an unknown run id or route, never 500', async () => {
    for (const route of [
      '/api/runs/0000dead',
      '/api/runs/0000dead/events',
      '/api/runs/nope/logs/stdout',
      '/api/nothing',
    ]) {
      const { status, body } = await h.api('GET', route);
      expect(status, route).toBe(404);
      expect(body.error.code).toBe('not_found');
    }
  });
});
