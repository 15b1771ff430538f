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

  return app;
}
