import { networkInterfaces } from 'node:os';
import type { MiddlewareHandler } from 'hono';
import { HttpError } from './http-error.js';

/**
 * The `Host` names this server answers to. A page on another name (`evil.example`, rebound to
 * 127.0.0.1 by its DNS) reaches the same socket, but the browser sends that name as the Host:
 * refusing it closes DNS rebinding, whatever the page does.
 *
 * - Always: loopback (`localhost`, 127.0.0.0/8, `[::1]`), which no foreign page can name.
 * - Bound to an address or name: that one. Bound to every address (0.0.0.0, ::): the addresses of
 *   this machine's interfaces (IP literals cannot be rebound: the page's own origin is the IP).
 * - `extra`: names a reverse proxy forwards (`--allowed-host`).
 */
export class AllowedHosts {
  readonly #names: ReadonlySet<string>;

  constructor(bindHost: string, extra: readonly string[] = []) {
    const names = new Set(['localhost', '::1']);
    const bind = normalize(bindHost);
    if (bind === '0.0.0.0' || bind === '::' || bind === '') {
      for (const list of Object.values(networkInterfaces()))
        for (const address of list ?? []) names.add(normalize(address.address));
    } else names.add(bind);
    for (const name of extra) names.add(normalize(name));
    this.#names = names;
  }

  /** Whether a request's `Host` header (name and optional port) names this server. */
  allows(hostHeader: string | undefined): boolean {
    if (!hostHeader) return false;
    const name = hostName(hostHeader);
    if (name === undefined) return false;
    return this.#names.has(name) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
  }
}

/** Refuses a request for a foreign Host before any route (or the token check) sees it. */
export function requireAllowedHost(hosts: AllowedHosts): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host');
    if (!hosts.allows(host))
      throw new HttpError(
        421,
        'host_not_allowed',
        `this server does not answer to the host name '${host ?? ''}'; ` +
          'open it by the address it listens on, or, behind a reverse proxy, start it with --allowed-host <name>',
      );
    return next();
  };
}

/** `Example.COM:3000` → `example.com`, `[::1]:3000` → `::1`; undefined when it is not a host. */
export function hostName(hostHeader: string): string | undefined {
  const text = hostHeader.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return bracketed[1];
  const plain = /^([a-z0-9._-]+)(?::\d+)?$/.exec(text);
  return plain ? plain[1] : undefined;
}

function normalize(name: string): string {
  const text = name.trim().toLowerCase();
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
}
