import type { UiServer, UiServerOptions } from './ui-server.js';

export type { UiServer, UiServerOptions } from './ui-server.js';

/**
 * Serves the HTTP API and the web UI for an instance, as `runyard ui` does, from your own process.
 * The server's modules (hono, zod) load on the first call, not when `runyard` is imported.
 *
 *   import { Instance, startUiServer } from 'runyard';
 *   const server = await startUiServer({ instance: await Instance.open(), codeLocation: './defs.ts', port: 0 });
 *   console.log(server.url);
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  return (await import('./ui-server.js')).startUiServer(options);
}
