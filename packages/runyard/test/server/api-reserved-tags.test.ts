import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiHarness, startApiHarness } from '../fixtures/api-harness.js';

// `runyard/priority=high` used to be accepted and then counted as 0: refused now, by validate and launch alike.
let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.close();
});

const NAMED = { ops: { fetch_name: { config: { name: 'x' } } } };

it('validate names a reserved tag whose value has the wrong format; launch answers 400 and creates nothing', async () => {
  const body = { job: 'greeting', runConfig: NAMED, tags: { 'runyard/priority': 'high', 'runyard/max_retries': '2' } };
  const checked = await h.api('POST', '/api/runs/validate', body);
  expect(checked.body).toEqual({
    valid: false,
    issues: [
      {
        path: 'tags.runyard/priority',
        message: 'tag runyard/priority must be a whole number (negative allowed), got "high"',
      },
    ],
  });
  const before = (await h.api('GET', '/api/runs/counts')).body.total;
  const launched = await h.api('POST', '/api/runs', body);
  expect(launched.status).toBe(400);
  expect(launched.body.error.message).toContain('tag runyard/priority must be a whole number');
  expect((await h.api('GET', '/api/runs/counts')).body.total).toBe(before);
});

it('a misspelt op config key is an issue in validate', async () => {
  const checked = await h.api('POST', '/api/runs/validate', {
    job: 'greeting',
    runConfig: { ops: { fetch_name: { config: { name: 'x', tims: 2 } } } },
  });
  expect(checked.body.valid).toBe(false);
  expect(checked.body.issues[0]).toMatchObject({
    path: 'ops.fetch_name.config.tims',
    message: expect.stringContaining('known keys: name, times'),
  });
});
