import { type StorageProblem, StorageUnusableError } from 'runyard';
import type { ConnectionSettings } from './postgres-connection-settings.js';

/**
 * Why PostgreSQL storage could not be opened, as one message that names the server (host, port,
 * database and user, never the password), says what went wrong and what to do about it. `error`
 * must already be scrubbed of the password. Returns undefined for an error it cannot place; the
 * caller then reports pg's own words.
 */
export function postgresOpenError(error: unknown, settings: ConnectionSettings): StorageUnusableError | undefined {
  const code = errorCode(error);
  const problem = code === undefined ? byMessage(error) : PROBLEMS[code];
  if (!problem) return undefined;
  const server = serverName(settings);
  const detail = describeError(error);
  const what = WHAT[problem](server, settings, detail);
  return new StorageUnusableError(
    settings.location,
    problem,
    `cannot open PostgreSQL storage at ${settings.location}: ${what}`,
    {
      cause: error,
      ...(code === undefined ? {} : { code }),
    },
  );
}

/** Socket errors by Node's code, server errors by SQLSTATE. */
const PROBLEMS: Readonly<Record<string, StorageProblem>> = {
  ECONNREFUSED: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  ETIMEDOUT: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ECONNRESET: 'unreachable',
  ENOENT: 'unreachable', // a Unix socket that is not there
  '57P03': 'unreachable', // cannot_connect_now: starting up or shutting down
  '53300': 'unreachable', // too_many_connections
  '28P01': 'access-denied', // invalid_password
  '28000': 'access-denied', // invalid_authorization_specification (pg_hba.conf has no entry)
  '42501': 'access-denied', // insufficient_privilege (creating the schema or tables)
  '3D000': 'no-database', // invalid_catalog_name
  '53100': 'no-space', // disk_full
  XX001: 'damaged', // data_corrupted
  XX002: 'damaged', // index_corrupted
};

type Describe = (server: string, s: ConnectionSettings, detail: string) => string;

const WHAT: Readonly<Record<StorageProblem, Describe>> = {
  unreachable: (server, _s, detail) =>
    `the server at ${server} cannot be reached (${detail}); check that PostgreSQL is running there and that the host and port (in the url, or PGHOST and PGPORT) are right`,
  'access-denied': (server, s, detail) =>
    `the server at ${server} refused user '${s.user}' on database '${s.database}' (${detail}); check the user and password (in the url, or PGUSER and PGPASSWORD), that pg_hba.conf lets this user in from here, and that the user may create the schema '${s.schema}' and its tables`,
  'no-database': (server, s, detail) =>
    `the server at ${server} has no database '${s.database}' (${detail}); create it (\`createdb -h ${s.host} -p ${s.port} ${s.database}\`) or fix the database name in the url (or PGDATABASE)`,
  'no-space': (server, _s, detail) =>
    `the server at ${server} is out of disk space (${detail}); free space on the server`,
  damaged: (server, s, detail) =>
    `the server at ${server} reports damaged data in database '${s.database}' (${detail}); restore it from a backup`,
  'not-a-database': (server, _s, detail) => `the server at ${server} cannot be used (${detail})`,
  'read-only': (server, _s, detail) => `the server at ${server} cannot be written (${detail})`,
  'cannot-open': (server, _s, detail) => `the server at ${server} cannot be used (${detail})`,
  'io-error': (server, _s, detail) => `the server at ${server} reported an I/O error (${detail})`,
};

function serverName(s: ConnectionSettings): string {
  if (s.host.startsWith('/')) return `the socket in ${s.host} (port ${s.port})`;
  return `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  // A host name with several addresses fails with an AggregateError whose parts carry the code.
  const inner = (error as { errors?: unknown } | null)?.errors;
  if (Array.isArray(inner)) for (const e of inner) if (typeof errorCode(e) === 'string') return errorCode(e);
  return undefined;
}

/** pg's own timeouts and a server that hangs up carry no code, only words. */
function byMessage(error: unknown): StorageProblem | undefined {
  const message = error instanceof Error ? error.message : String(error);
  return /timeout|terminated unexpectedly|Connection terminated/i.test(message) ? 'unreachable' : undefined;
}

/** One line for an error that may be an AggregateError with no message of its own. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message) return error.message;
  const inner = (error as { errors?: unknown }).errors;
  if (Array.isArray(inner) && inner.length > 0) return inner.map(describeError).join('; ');
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}
