import type { Instance } from '../../instance/instance.js';
import { DEFAULT_UI_HOST, DEFAULT_UI_PORT, type UiServer } from '../../server/ui-server.js';
import { UsageError } from '../cli-error.js';

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly authToken?: string;
}

/** --host, --port and --auth-token (or RUNYARD_AUTH_TOKEN), checked. */
export function serveOptions(opts: Record<string, unknown>): ServeOptions {
  const host = typeof opts.host === 'string' && opts.host ? opts.host : DEFAULT_UI_HOST;
  const rawPort = opts.port ?? String(DEFAULT_UI_PORT);
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be a port number from 0 to 65535, got ${JSON.stringify(rawPort)}`);
  const token = (typeof opts.authToken === 'string' ? opts.authToken : undefined) ?? process.env.RUNYARD_AUTH_TOKEN;
  if (token !== undefined && token.length < 16)
    throw new UsageError('the access token must be at least 16 characters (e.g. `openssl rand -hex 24`)');
  return { host, port, ...(token ? { authToken: token } : {}) };
}

/** Starts the UI server for `instance`. */
export async function startServer(instance: Instance, serve: ServeOptions, codeLocation?: string): Promise<UiServer> {
  const { startUiServer } = await import('../../server/ui-server.js');
  return startUiServer({
    instance,
    host: serve.host,
    port: serve.port,
    ...(serve.authToken ? { authToken: serve.authToken } : {}),
    ...(codeLocation ? { codeLocation } : {}),
    onInternalError: (error) => process.stderr.write(`runyard ui: ${(error as Error)?.stack ?? String(error)}\n`),
  });
}

/** Resolves on the first SIGINT or SIGTERM; a second one falls through to Node's default (exit). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}
