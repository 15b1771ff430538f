import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { HttpError } from './http-error.js';

export const TOKEN_COOKIE = 'runyard_token';

/**
 * With a token set, every request must carry it: `Authorization: Bearer <token>` or the cookie.
 * Opening a page with `?token=` sets the cookie and redirects to the address without it, so the
 * token does not stay in the browser's history and EventSource (which cannot send headers) works.
 */
export function requireAccessToken(token: string): MiddlewareHandler {
  const expected = Buffer.from(token);
  const matches = (given: string | undefined) => {
    if (!given) return false;
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  };
  return async (c, next) => {
    const url = new URL(c.req.url);
    const fromQuery = url.searchParams.get('token');
    if (fromQuery !== null && c.req.method === 'GET' && !url.pathname.startsWith('/api/')) {
      if (!matches(fromQuery)) throw unauthorized('the token in the address is wrong');
      setCookie(c, TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      url.searchParams.delete('token');
      return c.redirect(sameOriginPath(url), 302);
    }
    const header = c.req.header('authorization');
    const bearer = header?.match(/^Bearer\s+(.+)$/i)?.[1];
    if (matches(bearer) || matches(getCookie(c, TOKEN_COOKIE))) return next();
    throw unauthorized(
      header || getCookie(c, TOKEN_COOKIE) ? 'the access token is wrong' : 'this server needs an access token',
    );
  };
}

/**
 * The path to send the browser to, always on this server: `//evil.example/x` (or `/\\evil…`) would
 * be read by the browser as another host, so leading slashes collapse to one.
 */
export function sameOriginPath(url: URL): string {
  return `/${url.pathname.replace(/^[/\\]+/, '')}${url.search}`;
}

function unauthorized(reason: string): HttpError {
  return new HttpError(
    401,
    'unauthorized',
    `${reason}: send 'Authorization: Bearer <token>', or open the UI once with ?token=<token>`,
  );
}
