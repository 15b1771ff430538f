import type { Context, MiddlewareHandler } from 'hono';
import { HttpError } from './http-error.js';

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** What a page's own scripts and a person at the address bar send; anything else is another site. */
const OWN_FETCH_SITES = new Set(['same-origin', 'none']);

/**
 * Keeps other web pages (another site, or another port of this host, which shares the token's
 * cookie) from using the API through the user's browser:
 *
 * - A change (POST, PUT, PATCH, DELETE) must carry `Content-Type: application/json`, even with no
 *   body. A cross-site form cannot send it and a `no-cors` fetch cannot set it; a `cors` fetch
 *   with it needs a preflight, which only the server's own origin passes. So the cookie alone
 *   never authorizes a change.
 * - A request with an `Origin` must come from the server's own origin, and one with
 *   `Sec-Fetch-Site` from `same-origin` (or the user at the address bar). This also refuses
 *   cross-origin reads of the API, where the browser would send the cookie.
 *
 * Clients outside a browser (curl, scripts) send neither header and only need the content type.
 */
export function requireSameOriginChanges(): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header('origin');
    const own = origin !== undefined && isOwnOrigin(c, origin);
    if (c.req.method === 'OPTIONS') {
      if (!own) throw forbidden(`cross-origin requests from ${origin ?? 'an unknown origin'} are not allowed`);
      return c.body(null, 204, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE',
        'access-control-allow-headers': 'content-type, authorization, x-runyard-client',
        vary: 'origin',
      });
    }
    if (origin !== undefined && !own)
      throw forbidden(`requests from the page ${origin} are not allowed; use the Runyard UI at its own address`);
    const site = c.req.header('sec-fetch-site');
    if (site !== undefined && !OWN_FETCH_SITES.has(site.toLowerCase()))
      throw forbidden(`requests from another site (sec-fetch-site: ${site}) are not allowed`);
    if (CHANGES.has(c.req.method) && !/^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? ''))
      throw new HttpError(
        415,
        'unsupported_media_type',
        `${c.req.method} requests must have content-type: application/json (also with no body); got '${c.req.header('content-type') ?? 'none'}'`,
      );
    return next();
  };
}

/**
 * Whether `origin` is the address this request was sent to. The scheme is not compared: behind a
 * TLS proxy the page is https while the request reaches this server over http with the same Host.
 */
function isOwnOrigin(c: Context, origin: string): boolean {
  const host = c.req.header('host');
  if (!host || origin === 'null') return false;
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    return url.host === new URL(`${url.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

function forbidden(message: string): HttpError {
  return new HttpError(403, 'forbidden_origin', message);
}
