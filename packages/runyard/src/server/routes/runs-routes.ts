import { Hono } from 'hono';
import { z } from 'zod';
import type { RunConfig } from '../../engine/run-config.js';
import { reservedTagIssues } from '../../runs/reserved-tags.js';
import type { RunRecord } from '../../runs/run-record.js';
import { RUN_STATUS_EVENT_TYPES, RUN_STATUSES, type RunStatus } from '../../runs/run-status.js';
import { type ApiIssue, badRequest } from '../http-error.js';
import { readJsonBody } from '../request-body.js';
import { checkRunConfig, checkRunConfigYaml } from '../run-config-yaml.js';
import { DEFAULT_PAGE_SIZE, intParam, MAX_PAGE_SIZE, runFilterFromQuery } from '../run-query.js';
import type { ServerContext } from '../server-context.js';
import { sseResponse } from '../sse-stream.js';

const STATUS_EVENTS: ReadonlySet<string> = new Set(RUN_STATUS_EVENT_TYPES);

const tagsSchema = z.record(z.string().min(1), z.string());

const launchBody = z.strictObject({
  job: z.string().min(1),
  runConfig: z.record(z.string(), z.unknown()).optional(),
  runConfigYaml: z.string().optional(),
  tags: tagsSchema.optional(),
});

type LaunchBody = z.infer<typeof launchBody>;

/** Listing, counting, validating and launching runs. */
export function runsRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const runs = () => ctx.instance.storage.runs;

  app.get('/', async (c) => {
    const query = new URL(c.req.url).searchParams;
    const limit = intParam(query, 'limit', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    const cursor = query.get('cursor') || undefined;
    // One more than asked tells whether another page exists without a count.
    const page = await runs()
      .listRuns({ ...runFilterFromQuery(query), limit: limit + 1, ...(cursor ? { cursor } : {}) })
      .catch((error: unknown) => {
        // Storage names an unknown cursor as a missing run; for this request it is a bad parameter.
        if (cursor && (error as Error)?.name === 'RunNotFoundError')
          throw badRequest(`cursor '${cursor}' is not a run id`);
        throw error;
      });
    const more = page.length > limit;
    const shown = more ? page.slice(0, limit) : page;
    return c.json({ runs: shown, nextCursor: more ? shown[shown.length - 1]!.runId : null });
  });

  app.get('/counts', async (c) => {
    const filter = runFilterFromQuery(new URL(c.req.url).searchParams, { statuses: false });
    const counts = await Promise.all(RUN_STATUSES.map((status) => runs().countRuns({ ...filter, statuses: [status] })));
    const byStatus = Object.fromEntries(RUN_STATUSES.map((status, i) => [status, counts[i]!])) as Record<
      RunStatus,
      number
    >;
    return c.json({ total: counts.reduce((a, b) => a + b, 0), byStatus });
  });

  // Every run-level change of any run, as the run now is: what keeps the runs page live.
  app.get('/stream', (c) =>
    sseResponse(c, ctx, (sink) =>
      ctx.hub.subscribeAll((events) => {
        const changed = new Set(events.filter((e) => STATUS_EVENTS.has(e.type)).map((e) => e.runId));
        for (const runId of changed) {
          void runs()
            .getRun(runId)
            .then((run) => {
              if (run) sink.send({ event: 'run', data: JSON.stringify(run) });
            })
            .catch(() => undefined);
        }
      }),
    ),
  );

  app.post('/validate', async (c) => {
    const body = await readJsonBody(c, launchBody);
    const { job, issues: configIssues } = await resolveLaunch(ctx, body);
    const issues = [...configIssues, ...reservedTagIssues({ ...job.tags, ...body.tags })];
    return c.json({ valid: issues.length === 0, issues });
  });

  app.post('/', async (c) => {
    const body = await readJsonBody(c, launchBody);
    const { job, codeLocation, runConfig, issues } = await resolveLaunch(ctx, body);
    if (issues.length) {
      throw badRequest(
        `invalid run config for job '${body.job}': ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
        issues,
      );
    }
    const run: RunRecord = await ctx.instance.submitJobRun({
      job,
      codeLocation,
      source: c.req.header('x-runyard-client') === 'ui' ? 'ui' : 'api',
      runConfig: runConfig ?? {},
      tags: body.tags ?? {},
    });
    return c.json({ run }, 201);
  });

  return app;
}

/** The job and its checked run config, from either `runConfig` (data) or `runConfigYaml` (text). */
async function resolveLaunch(ctx: ServerContext, body: LaunchBody) {
  if (body.runConfig !== undefined && body.runConfigYaml !== undefined)
    throw badRequest('give runConfig or runConfigYaml, not both');
  const location = await ctx.codeLocation.get();
  if (!location) throw badRequest('this server was started without a code location (-f), so it cannot launch jobs');
  const job = location.getJob(body.job);
  let runConfig: RunConfig | undefined = body.runConfig;
  let issues: readonly ApiIssue[];
  if (body.runConfigYaml !== undefined) {
    const checked = await checkRunConfigYaml(job, body.runConfigYaml);
    runConfig = checked.runConfig;
    issues = checked.issues;
  } else {
    issues = checkRunConfig(job, runConfig ?? {});
  }
  return { job, codeLocation: location.path, runConfig, issues };
}
