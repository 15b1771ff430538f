import { setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { RunyardError } from '../errors.js';
import type { Instance } from '../instance/instance.js';
import { AllowedHosts } from './allowed-hosts.js';
import { CodeLocationSource } from './code-location-source.js';
import { createApiApp } from './create-api-app.js';
import { RunEventHub } from './run-event-hub.js';
import { StreamLimiter } from './stream-limit.js';
import { findUiAssets } from './ui-assets.js';

export const DEFAULT_UI_HOST = '127.0.0.1';
export const DEFAULT_UI_PORT = 3000;

/**
 * Options of `startUiServer()`: the instance, host and port, access token, allowed Host names and the
 * code location it shows.
 */
export interface UiServerOptions {
  readonly instance: Instance;
  /** Default 127.0.0.1. Anything but loopback needs `authToken`. */
  readonly host?: string;
  /** Default 3000; 0 picks a free port. */
  readonly port?: number;
  readonly authToken?: string;
  /**
   * Host names to answer besides the ones it listens on (loopback always): what a reverse proxy
   * forwards as `Host`. Any other Host is refused with 421, which stops DNS rebinding.
   */
  readonly allowedHosts?: readonly string[];
  /** Event streams one client (address) may hold open at once; default 32. */
  readonly maxStreamsPerClient?: number;
  /** The code location whose jobs and schedules the UI shows and launches (`-f`). */
  readonly codeLocation?: string;
  /** Default: the built `@runyard/ui`, when installed. */
  readonly uiDir?: string;
  readonly onInternalError?: (error: unknown) => void;
}

/** A running web UI and HTTP API server: its URL and port, and `close()`. */
export interface UiServer {
  readonly url: string;
  readonly port: number;
  /** Ends open event streams, stops listening and the event watcher. Idempotent. */
  close(): Promise<void>;
}

export class InsecureBindError extends RunyardError {
  constructor(host: string) {
    super(
      `listening on ${host} (not loopback) needs an access token: pass --auth-token-file <path> or --auth-token <token>, or set RUNYARD_AUTH_TOKEN`,
      { data: { host }, userError: true },
    );
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Serves the HTTP API and the web app for one instance.
 *
 *   const server = await startUiServer({ instance, codeLocation: 'examples/hello.ts', port: 3000 });
 *   console.log(server.url);
 *   await server.close();
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const host = options.host ?? DEFAULT_UI_HOST;
  if (!isLoopback(host) && !options.authToken) throw new InsecureBindError(host);
  const { serve } = await import('@hono/node-server');
  const closing = new AbortController();
  // Every open stream listens for the server closing: hundreds of tabs are not a leak.
  setMaxListeners(0, closing.signal);
  const hub = new RunEventHub(options.instance.storage.events, { onError: options.onInternalError });
  const uiDir = options.uiDir ?? findUiAssets();
  const app = createApiApp(
    {
      instance: options.instance,
      hub,
      codeLocation: new CodeLocationSource(options.codeLocation),
      closing: closing.signal,
      streams: new StreamLimiter(options.maxStreamsPerClient),
    },
    {
      allowedHosts: new AllowedHosts(host, options.allowedHosts),
      ...(options.authToken ? { authToken: options.authToken } : {}),
      ...(uiDir ? { uiDir } : {}),
      ...(options.onInternalError ? { onInternalError: options.onInternalError } : {}),
    },
  );
  const wanted = options.port ?? DEFAULT_UI_PORT;
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: wanted }, () => resolve(s));
    s.once('error', (error: NodeJS.ErrnoException) => {
      void hub.close();
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') {
        const why =
          error.code === 'EADDRINUSE'
            ? 'is in use'
            : error.code === 'EACCES'
              ? 'is not allowed'
              : 'is not an address of this machine';
        reject(
          new RunyardError(
            `cannot listen on ${host}:${wanted}: the ${error.code === 'EADDRNOTAVAIL' ? 'host' : 'port'} ${why}; choose another with --port/--host`,
            { cause: error, userError: true },
          ),
        );
      } else reject(error);
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close() {
      closed ??= (async () => {
        closing.abort();
        await hub.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Streams were told to end; idle keep-alive sockets would otherwise hold close() open.
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
      })();
      return closed;
    },
  };
}
