import { Hono } from 'hono';
import { z } from 'zod';
import type { JobDefinition } from '../../definitions/job.js';
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
  /** Run only these steps (docs/step-selection.md). */
  selection: z.string().optional(),
  /** With `selection`: the run whose outputs the steps outside the selection read. */
  fromRun: z.string().min(1).optional(),
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
    const { job, codeLocation, issues, selectedSteps } = await resolveLaunch(ctx, body);
    // The launcher the run would go to, its allow-list and variables, checked as submit will.
    // (Tags merged as newRunForJob merges them; the run config is checked above, not again here.)
    const { codeLocationDefaultLauncher } = await import('../../definitions/definitions.js');
    const fromLocation = codeLocationDefaultLauncher(job);
    const tags = {
      ...(fromLocation === undefined ? {} : { 'runyard/launcher': fromLocation }),
      ...job.tags,
      ...(body.tags ?? {}),
    };
    const launcherIssues = await ctx.instance.runLaunchers.check({
      jobName: job.name,
      tags,
      origin: { codeLocation, source: 'api' },
    });
    const all = [...issues, ...reservedTagIssues(tags), ...launcherIssues];
    // `selectedSteps` only for a selection that resolved: what the UI highlights.
    return c.json({ valid: all.length === 0, issues: all, ...(selectedSteps ? { selectedSteps } : {}) });
  });

  app.post('/', async (c) => {
    const body = await readJsonBody(c, launchBody);
    const { job, codeLocation, runConfig, issues, parent } = await resolveLaunch(ctx, body);
    if (issues.length) {
      const what = issues.every((i) => i.path !== 'selection' && i.path !== 'fromRun')
        ? 'invalid run config for job'
        : 'cannot launch job';
      throw badRequest(
        `${what} '${body.job}': ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
        issues,
      );
    }
    const { newRunForJob } = await import('../../launch/submit-run.js');
    const { fromRunTags } = await import('../../retries/retry-tags.js');
    const newRun = newRunForJob({
      job,
      codeLocation,
      source: c.req.header('x-runyard-client') === 'ui' ? 'ui' : 'api',
      runConfig: runConfig ?? {},
      tags: { ...(body.tags ?? {}), ...(parent ? fromRunTags(parent) : {}) },
      selection: body.selection,
      ...(parent ? { parentRunId: parent.runId, rootRunId: parent.rootRunId ?? parent.runId } : {}),
    });
    const run: RunRecord = await ctx.instance.submitRun(newRun);
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
  const selection = await checkLaunchSelection(ctx, job, body);
  return {
    job,
    codeLocation: location.path,
    runConfig,
    issues: [...issues, ...selection.issues],
    selectedSteps: selection.selectedSteps,
    parent: selection.parent,
  };
}

/**
 * The steps a launch's selection picks, and every problem with it (unmatched terms, a run to read
 * from that is missing or lacks an output the selected steps read), as API issues.
 */
async function checkLaunchSelection(ctx: ServerContext, job: JobDefinition, body: LaunchBody) {
  const issues: ApiIssue[] = [];
  if (body.selection === undefined) {
    if (body.fromRun !== undefined)
      issues.push({
        path: 'fromRun',
        message: 'fromRun reads the steps outside a selection from that run; give selection too',
      });
    return { issues, selectedSteps: undefined, parent: undefined };
  }
  const { resolveSelection } = await import('../../selection/resolve-selection.js');
  const { SelectionError } = await import('../../selection/selection-error.js');
  const { checkSelectionInputs } = await import('../../selection/selection-inputs.js');
  const { createRunIOManager } = await import('../../worker/run-io-manager.js');
  let steps: readonly string[];
  try {
    steps = resolveSelection(job.graph, body.selection).steps;
  } catch (error) {
    if (!(error instanceof SelectionError)) throw error;
    return { issues: [...error.issues], selectedSteps: undefined, parent: undefined };
  }
  const parent = body.fromRun === undefined ? undefined : await ctx.instance.storage.runs.getRun(body.fromRun);
  if (body.fromRun !== undefined && !parent) {
    issues.push({ path: 'fromRun', message: `run '${body.fromRun}' was not found` });
    return { issues, selectedSteps: steps, parent: undefined };
  }
  const missing = await checkSelectionInputs({
    jobName: job.name,
    graph: job.graph,
    selected: new Set(steps),
    parent,
    storage: ctx.instance.storage,
    io: await createRunIOManager(ctx.instance),
  });
  issues.push(...missing.map((issue) => ({ path: 'selection', ...issue })));
  return { issues, selectedSteps: steps, parent };
}
