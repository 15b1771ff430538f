import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requireAccessToken } from './access-token.js';
import { AllowedHosts, requireAllowedHost } from './allowed-hosts.js';
import { toHttpError } from './error-response.js';
import { HttpError, notFound } from './http-error.js';
import { instanceRoutes } from './routes/instance-routes.js';
import { jobsRoutes } from './routes/jobs-routes.js';
import { runRoutes } from './routes/run-routes.js';
import { runsRoutes } from './routes/runs-routes.js';
import { schedulesRoutes } from './routes/schedules-routes.js';
import { requireSameOriginChanges } from './same-origin-changes.js';
import { securityHeaders } from './security-headers.js';
import type { ServerContext } from './server-context.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiAppOptions {
  /** Required on every request when set. */
  readonly authToken?: string;
  /** The Host names answered (default: loopback only); see AllowedHosts. */
  readonly allowedHosts?: AllowedHosts;
  /** The built web app; without it pages explain how to build it. */
  readonly uiDir?: string;
  /** Called with Runyard's own failures (500s), which the answer does not detail. */
  readonly onInternalError?: (error: unknown) => void;
}

/**
 * The whole HTTP surface: the JSON API under /api and the web app everywhere else. In order, every
 * request passes: the security headers (set on whatever answers), the Host check, the same-origin
 * rule for the API, the access token, then the routes.
 */
export function createApiApp(ctx: ServerContext, options: ApiAppOptions = {}): Hono {
  const app = new Hono();

  app.onError((error, c) => {
    const http = toHttpError(error);
    if (http.status === 500) options.onInternalError?.(error);
    const page = ERROR_PAGES[http.status];
    if (page && !new URL(c.req.url).pathname.startsWith('/api/')) {
      return c.html(
        `<!doctype html><title>Runyard: ${page}</title><h1>${page}</h1><p>${escapeHtml(http.message)}</p>`,
        http.status,
      );
    }
    // The client may still be sending the body we refused; it must not reuse this connection.
    if (http.status === 413) c.header('connection', 'close');
    return c.json(http.toBody(), http.status);
  });
  app.notFound((c) => {
    const http = notFound(`no route ${c.req.method} ${new URL(c.req.url).pathname}`);
    return c.json(http.toBody(), 404);
  });

  app.use('*', securityHeaders());
  app.use('*', requireAllowedHost(options.allowedHosts ?? new AllowedHosts('127.0.0.1')));
  app.use('/api/*', requireSameOriginChanges());
  if (options.authToken) app.use('*', requireAccessToken(options.authToken));
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new HttpError(413, 'payload_too_large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );

  app.get('/api/health', (c) => c.json({ ok: true }));
  app.route('/api', instanceRoutes(ctx));
  app.route('/api/jobs', jobsRoutes(ctx));
  app.route('/api/runs', runsRoutes(ctx));
  app.route('/api/runs', runRoutes(ctx));
  app.route('/api/schedules', schedulesRoutes(ctx));
  app.all('/api/*', (c) => {
    throw notFound(`no route ${c.req.method} ${new URL(c.req.url).pathname}`);
  });

  const uiDir = options.uiDir;
  if (uiDir) {
    app.use('/*', serveStatic({ root: uiDir }));
    // Client-side routes (/runs/<id>, /jobs/<name> …) are the app's own: every one gets index.html.
    const index = readFile(path.join(uiDir, 'index.html'), 'utf8');
    app.get('/*', async (c) => c.html(await index));
  } else {
    app.get('/*', (c) =>
      c.html(
        '<!doctype html><title>Runyard</title><p>The Runyard web UI is not built. Run <code>npm run build -w @runyard/ui</code>; the API is at <a href="/api/runs">/api/runs</a>.</p>',
        503,
      ),
    );
  }
  return app;
}

/** Refusals a person opening a page may see, answered as a page rather than JSON. */
const ERROR_PAGES: Partial<Record<number, string>> = {
  401: 'access token needed',
  403: 'request refused',
  421: 'unknown host name',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
