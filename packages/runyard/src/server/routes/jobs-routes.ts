import { Hono } from 'hono';
import { jobView } from '../job-view.js';
import type { ServerContext } from '../server-context.js';

/** The jobs of the server's code location, each with its graph and config schema. */
export function jobsRoutes(ctx: ServerContext): Hono {
  const app = new Hono();

  app.get('/', async (c) => {
    const location = await ctx.codeLocation.get();
    if (!location) return c.json({ codeLocation: null, jobs: [] });
    const jobs = await Promise.all([...location.definitions.jobs.values()].map(jobView));
    return c.json({ codeLocation: location.path, jobs });
  });

  app.get('/:name', async (c) => {
    const location = await ctx.codeLocation.get();
    const { JobNotFoundError } = await import('../../errors.js');
    if (!location) throw new JobNotFoundError(c.req.param('name'), [], 'this server (started without -f)');
    return c.json(await jobView(location.getJob(c.req.param('name'))));
  });

  /**
   * The launchers a run of the job may use (runyard.yaml `runLaunchers`, after each one's
   * allow-list), with their variables, and the one it goes to unless the run picks another: the
   * Launchpad's launcher and variable fields.
   */
  app.get('/:name/launchers', async (c) => {
    const location = await ctx.codeLocation.get();
    const { JobNotFoundError } = await import('../../errors.js');
    if (!location) throw new JobNotFoundError(c.req.param('name'), [], 'this server (started without -f)');
    const job = location.getJob(c.req.param('name'));
    const { codeLocationDefaultLauncher } = await import('../../definitions/definitions.js');
    const { LAUNCHER_TAG } = await import('../../launcher/launcher-routing.js');
    const router = ctx.instance.runLaunchers;
    const fromLocation = codeLocationDefaultLauncher(job);
    const chosen = job.tags[LAUNCHER_TAG] ?? fromLocation ?? router.defaultName;
    const source =
      job.tags[LAUNCHER_TAG] !== undefined ? 'job' : fromLocation !== undefined ? 'codeLocation' : 'instance';
    return c.json({
      default: chosen,
      defaultFrom: source,
      launchers: router.choicesFor(job.name, job.tags),
    });
  });

  return app;
}
