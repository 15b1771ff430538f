import { Hono } from 'hono';
import {
  listSchedules,
  type ScheduleListing,
  startSchedule,
  stopSchedule,
} from '../../daemon/schedules/schedule-control.js';
import { badRequest, notFound } from '../http-error.js';
import { intParam } from '../run-query.js';
import type { ServerContext } from '../server-context.js';

const RECENT_TICKS = 5;

/** Schedules: list with state and recent ticks, start, stop. */
export function schedulesRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const ticks = (name: string, limit: number) => ctx.instance.storage.schedules.listTicks(name, { limit });

  const view = async (listing: ScheduleListing) => {
    const { lastTick: _lastTick, job, ...rest } = listing;
    return { ...rest, jobName: job, recentTicks: await ticks(listing.name, RECENT_TICKS) };
  };

  const listings = async () => {
    const location = await ctx.codeLocation.get();
    return listSchedules(ctx.instance, location ? { location } : {});
  };

  const one = async (name: string) => {
    const listing = (await listings()).find((s) => s.name === name);
    if (!listing) throw notFound(`schedule '${name}' was not found`);
    return listing;
  };

  app.get('/', async (c) => c.json({ schedules: await Promise.all((await listings()).map(view)) }));

  app.get('/:name/ticks', async (c) => {
    const name = c.req.param('name');
    await one(name);
    const limit = intParam(new URL(c.req.url).searchParams, 'limit', 20, 1, 1000);
    return c.json({ ticks: await ticks(name, limit) });
  });

  app.post('/:name/start', async (c) => {
    const name = c.req.param('name');
    const location = await ctx.codeLocation.get();
    if (!location)
      throw badRequest('this server was started without a code location (-f), so it cannot start schedules');
    await startSchedule(ctx.instance, location, name);
    return c.json({ schedule: await view(await one(name)) });
  });

  app.post('/:name/stop', async (c) => {
    const name = c.req.param('name');
    await one(name);
    await stopSchedule(ctx.instance, name, await ctx.codeLocation.get());
    return c.json({ schedule: await view(await one(name)) });
  });

  return app;
}
