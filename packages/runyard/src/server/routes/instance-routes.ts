import { Hono } from 'hono';
import { daemonStatus } from '../../daemon/daemon-status.js';
import { redactSecrets } from '../redact-secrets.js';
import type { ServerContext } from '../server-context.js';

/** The instance (config without secrets, storage) and the daemon's health. */
export function instanceRoutes(ctx: ServerContext): Hono {
  const app = new Hono();

  app.get('/instance', async (c) => {
    const { instance } = ctx;
    const config = instance.toConfig();
    return c.json({
      home: instance.home,
      configFile: instance.configFile,
      storage: await instance.storage.info(),
      codeLocation: ctx.codeLocation.target ?? null,
      config: redactSecrets(config),
    });
  });

  app.get('/daemon', async (c) => {
    const { daemons, daemonLease, processes } = await daemonStatus(ctx.instance);
    return c.json({ lease: daemonLease, daemons, processes });
  });

  return app;
}
