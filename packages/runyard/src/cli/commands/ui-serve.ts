import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Instance } from '../../instance/instance.js';
import {
  DEFAULT_UI_HOST,
  DEFAULT_UI_PORT,
  InsecureBindError,
  isLoopback,
  type UiServer,
} from '../../server/ui-server.js';
import { UsageError } from '../cli-error.js';

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly authToken?: string;
  readonly allowedHosts: readonly string[];
}

/** --host, --port, --allowed-host and the token (--auth-token, --auth-token-file or RUNYARD_AUTH_TOKEN), checked. */
export function serveOptions(opts: Record<string, unknown>): ServeOptions {
  const host = typeof opts.host === 'string' && opts.host ? opts.host : DEFAULT_UI_HOST;
  const rawPort = opts.port ?? String(DEFAULT_UI_PORT);
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be a port number from 0 to 65535, got ${JSON.stringify(rawPort)}`);
  const token = accessToken(opts);
  const allowedHosts = Array.isArray(opts.allowedHost) ? opts.allowedHost.map(String) : [];
  for (const name of allowedHosts)
    if (!/^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/i.test(name))
      throw new UsageError(`--allowed-host takes a host name without port or scheme, got '${name}'`);
  // Refused here, before the instance is opened: a refused command creates no home and no database.
  if (!isLoopback(host) && !token) throw new InsecureBindError(host);
  return { host, port, allowedHosts, ...(token ? { authToken: token } : {}) };
}

/**
 * Fails with the server's own message when the port is taken, before the instance is opened (so
 * nothing is created). The server binds again moments later; losing that race still fails cleanly.
 */
export async function checkPortFree(serve: ServeOptions): Promise<void> {
  if (serve.port === 0) return;
  const probe = createServer();
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    probe.once('error', resolve);
    probe.listen({ host: serve.host, port: serve.port, exclusive: true }, () => resolve(undefined));
  });
  if (!error) {
    await new Promise((resolve) => probe.close(resolve));
    return;
  }
  const why =
    error.code === 'EADDRINUSE'
      ? 'the port is in use'
      : error.code === 'EACCES'
        ? 'the port is not allowed'
        : error.code === 'EADDRNOTAVAIL'
          ? 'the host is not an address of this machine'
          : error.message;
  throw new UsageError(`cannot listen on ${serve.host}:${serve.port}: ${why}; choose another with --port/--host`);
}

/**
 * The token from --auth-token, --auth-token-file or RUNYARD_AUTH_TOKEN. The variable is then
 * removed from this process's environment: whatever it starts (run workers, step processes) must
 * not inherit it, whichever launcher starts them.
 */
function accessToken(opts: Record<string, unknown>): string | undefined {
  const fromEnv = process.env.RUNYARD_AUTH_TOKEN;
  delete process.env.RUNYARD_AUTH_TOKEN;
  const flag = typeof opts.authToken === 'string' ? opts.authToken : undefined;
  const file = typeof opts.authTokenFile === 'string' ? opts.authTokenFile : undefined;
  if (flag !== undefined && file !== undefined)
    throw new UsageError('give --auth-token or --auth-token-file, not both');
  const token = file !== undefined ? readTokenFile(file) : (flag ?? fromEnv);
  if (token !== undefined && token.length < 16)
    throw new UsageError(
      `the access token${file ? ` in ${file}` : ''} must be at least 16 characters (e.g. \`openssl rand -hex 24\`)`,
    );
  return token || undefined;
}

/** The file's content without its trailing newline; a missing, unreadable or empty file is the user's mistake. */
function readTokenFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
    throw new UsageError(`--auth-token-file ${file}: cannot read it (${why})`);
  }
  const token = text.replace(/\r?\n$/, '');
  if (token === '') throw new UsageError(`--auth-token-file ${file}: the file is empty`);
  if (/\s/.test(token)) throw new UsageError(`--auth-token-file ${file}: the token must be one line without spaces`);
  return token;
}

/** Starts the UI server for `instance`. */
export async function startServer(instance: Instance, serve: ServeOptions, codeLocation?: string): Promise<UiServer> {
  const { startUiServer } = await import('../../server/ui-server.js');
  return startUiServer({
    instance,
    host: serve.host,
    port: serve.port,
    allowedHosts: serve.allowedHosts,
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
