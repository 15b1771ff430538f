import { userInfo } from 'node:os';
import { RunyardError } from 'runyard';
import {
  DEFAULT_APPLICATION_NAME,
  DEFAULT_POOL_SIZE,
  DEFAULT_SCHEMA,
  type PostgresSslConfig,
  type PostgresStorageConfig,
  SCHEMA_NAME,
} from './postgres-storage-config.js';

/**
 * Where and how to connect, with every default filled in: the URL taken apart, the separate
 * fields laid over it, then libpq's environment variables (PGHOST …) for what is still missing.
 * Filling defaults here rather than leaving them to pg means `location` names exactly the server
 * we connect to, and we know the password, so that it can be scrubbed from any message.
 */
export interface ConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string;
  readonly ssl: boolean | PostgresSslConfig;
  readonly schema: string;
  readonly poolSize: number;
  readonly autoMigrate: boolean;
  readonly applicationName: string;
  /** `postgresql://user@host:port/database?schema=…`: never the password. */
  readonly location: string;
}

/** A bad `url`. The message says what is wrong with it but never repeats it: it may hold a password. */
export class PostgresUrlError extends RunyardError {
  constructor(reason: string) {
    super(`the PostgreSQL url is not valid: ${reason} (expected postgresql://user:password@host:port/database)`, {
      userError: true,
    });
  }
}

type UrlParts = {
  -readonly [K in
    | 'host'
    | 'port'
    | 'user'
    | 'password'
    | 'database'
    | 'ssl'
    | 'schema'
    | 'applicationName']?: PostgresStorageConfig[K];
};

const SSL_MODES: Readonly<Record<string, boolean | PostgresSslConfig>> = {
  disable: false,
  allow: false,
  prefer: true,
  require: true,
  'verify-ca': true,
  'verify-full': true,
  // Not libpq's, but pg's: TLS without checking the certificate (managed databases with private CAs).
  'no-verify': { rejectUnauthorized: false },
};
const URL_PARAMS = ['sslmode', 'host', 'port', 'schema', 'application_name'];

export function connectionSettings(
  config: PostgresStorageConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ConnectionSettings {
  const fromUrl = config.url === undefined ? {} : parsePostgresUrl(config.url);
  const pick = <K extends keyof UrlParts>(key: K): UrlParts[K] =>
    (config as UrlParts)[key] !== undefined ? (config as UrlParts)[key] : fromUrl[key];
  const host = pick('host') ?? env.PGHOST ?? 'localhost';
  const port = pick('port') ?? parsePort(env.PGPORT) ?? 5432;
  const user = pick('user') ?? env.PGUSER ?? userInfo().username;
  const database = pick('database') ?? env.PGDATABASE ?? user;
  const schema = pick('schema') ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) {
    throw new RunyardError(`the PostgreSQL schema '${schema}' is not a plain identifier (letters, digits, _)`, {
      userError: true,
    });
  }
  const settings = {
    host,
    port,
    user,
    password: pick('password') ?? env.PGPASSWORD,
    database,
    ssl: pick('ssl') ?? false,
    schema,
    poolSize: config.poolSize ?? DEFAULT_POOL_SIZE,
    autoMigrate: config.autoMigrate ?? true,
    applicationName: pick('applicationName') ?? DEFAULT_APPLICATION_NAME,
  };
  return Object.freeze({ ...settings, location: describeLocation(settings) });
}

/** `postgresql://user:password@host:port/database?params`; also `postgres://`. */
export function parsePostgresUrl(url: string): UrlParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Node's error carries the input in `input`; ours carries nothing of it.
    throw new PostgresUrlError('it cannot be parsed as a URL');
  }
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:') {
    throw new PostgresUrlError(`the scheme must be postgresql: or postgres:, not ${parsed.protocol}`);
  }
  const parts: UrlParts = {};
  if (parsed.hostname) parts.host = decode(parsed.hostname.replace(/^\[(.*)\]$/, '$1'), 'host');
  if (parsed.port) parts.port = Number(parsed.port);
  if (parsed.username) parts.user = decode(parsed.username, 'user name');
  if (parsed.password) parts.password = decode(parsed.password, 'password');
  const database = parsed.pathname.replace(/^\//, '');
  if (database) parts.database = decode(database, 'database name');
  for (const [key, value] of parsed.searchParams) {
    if (!URL_PARAMS.includes(key)) {
      throw new PostgresUrlError(`unsupported parameter '${key}' (supported: ${URL_PARAMS.join(', ')})`);
    }
    if (key === 'sslmode') {
      const ssl = SSL_MODES[value];
      if (ssl === undefined)
        throw new PostgresUrlError(`unknown sslmode (one of ${Object.keys(SSL_MODES).join(', ')})`);
      parts.ssl = ssl;
    } else if (key === 'host') parts.host = value;
    else if (key === 'port') {
      const port = parsePort(value);
      if (port === undefined) throw new PostgresUrlError('the port parameter is not a port number');
      parts.port = port;
    } else if (key === 'schema') parts.schema = value;
    else parts.applicationName = value;
  }
  return parts;
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new PostgresUrlError(`the ${what} is not correctly percent-encoded`);
  }
}

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65_535 ? port : undefined;
}

function describeLocation(s: Pick<ConnectionSettings, 'host' | 'port' | 'user' | 'database' | 'schema'>): string {
  const user = encodeURIComponent(s.user);
  const database = encodeURIComponent(s.database);
  // A Unix socket directory cannot stand in the authority part; libpq's own URLs put it in `host=`.
  if (s.host.startsWith('/')) {
    return `postgresql://${user}@/${database}?host=${encodeURIComponent(s.host)}&port=${s.port}&schema=${s.schema}`;
  }
  const host = s.host.includes(':') ? `[${s.host}]` : s.host;
  return `postgresql://${user}@${host}:${s.port}/${database}?schema=${s.schema}`;
}
