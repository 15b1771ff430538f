import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/**
 * A throwaway PostgreSQL cluster for one test file: initdb in a temp directory, started on a free
 * port of 127.0.0.1 with the durability switches off, one database created, and everything
 * removed by `stop()`. The superuser has a password (scram over TCP), so the tests can also check
 * what a wrong one does.
 *
 *   const server = await startPostgresServer();
 *   const storage = await PostgresStorage.open({ url: server.url, schema: 'test_1' });
 *   await server.stop();
 */
export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** postgresql://postgres:<password>@127.0.0.1:<port>/<database> */
  readonly url: string;
  /** The postmaster's log, for messages when something fails. */
  readonly logFile: string;
  /** Stops the postmaster (`pg_ctl stop -m fast`), keeping the cluster: an outage, until `restart()`. */
  halt(): Promise<void>;
  /** Starts the halted postmaster again on the same port, with the same data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export type PostgresAvailability =
  | { readonly available: true; readonly binDir: string }
  | { readonly available: false; readonly reason: string };

const USER = 'postgres';
const DATABASE = 'runyard_test';
const START_ATTEMPTS = 3;

/** Where initdb and pg_ctl are: $RUNYARD_PG_BIN, else the newest Debian/Ubuntu install. */
export function findPostgres(): PostgresAvailability {
  const fromEnv = process.env.RUNYARD_PG_BIN;
  const candidates = fromEnv ? [fromEnv] : debianBinDirs();
  for (const dir of candidates) {
    if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) {
      return { available: true, binDir: dir };
    }
  }
  return {
    available: false,
    reason: `PostgreSQL server binaries (initdb, pg_ctl) not found in ${candidates.join(', ') || '/usr/lib/postgresql/*/bin'}; install them with \`apt-get install -y postgresql\` or set RUNYARD_PG_BIN`,
  };
}

function debianBinDirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return ['/usr/lib/postgresql/15/bin'];
  return readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join(root, v, 'bin'));
}

export async function startPostgresServer(binDir?: string): Promise<PostgresServer> {
  const found = binDir ?? requireBinDir();
  const dir = await mkdtemp(path.join(tmpdir(), 'runyard-pg-'));
  const asPostgres = process.getuid?.() === 0;
  try {
    // initdb refuses to run as root, so as root the cluster belongs to the postgres user.
    if (asPostgres) await chownToPostgres(dir);
    const password = `pw-${Math.random().toString(36).slice(2)}-secret`;
    const pwFile = path.join(dir, 'pwfile');
    await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
    if (asPostgres) await chownToPostgres(pwFile);
    const data = path.join(dir, 'data');
    await runPg(asPostgres, path.join(found, 'initdb'), [
      '-D',
      data,
      '-U',
      USER,
      '--pwfile',
      pwFile,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--no-sync',
    ]);
    const logFile = path.join(dir, 'postgres.log');
    const port = await startOnFreePort(asPostgres, found, data, dir, logFile);
    const server: PostgresServer = {
      host: '127.0.0.1',
      port,
      user: USER,
      password,
      database: DATABASE,
      url: `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`,
      logFile,
      halt: () => runPg(asPostgres, path.join(found, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']),
      restart: () => startOn(asPostgres, found, data, dir, logFile, port),
      stop: once(async () => {
        process.off('exit', stopAtExit);
        await runPg(asPostgres, path.join(found, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(
          () => undefined,
        );
        await rm(dir, { recursive: true, force: true });
      }),
    };
    // A test run that is killed must not leave a postmaster behind.
    const stopAtExit = () => {
      spawnPgSync(asPostgres, path.join(found, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      spawnSync('rm', ['-rf', dir]);
    };
    process.on('exit', stopAtExit);
    await createDatabase(server);
    return server;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function requireBinDir(): string {
  const found = findPostgres();
  if (!found.available) throw new Error(found.reason);
  return found.binDir;
}

async function startOnFreePort(
  asPostgres: boolean,
  binDir: string,
  data: string,
  socketDir: string,
  logFile: string,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    // Another process may take the port between our probe and the postmaster's bind: try again.
    const port = await freePort();
    try {
      await startOn(asPostgres, binDir, data, socketDir, logFile, port);
      return port;
    } catch (error) {
      if (attempt >= START_ATTEMPTS) throw error;
    }
  }
}

async function startOn(
  asPostgres: boolean,
  binDir: string,
  data: string,
  socketDir: string,
  logFile: string,
  port: number,
): Promise<void> {
  const settings = [
    `-p ${port}`,
    `-k ${socketDir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  await runPg(asPostgres, path.join(binDir, 'pg_ctl'), ['-D', data, '-l', logFile, '-o', settings, '-w', 'start']);
}

async function createDatabase(server: PostgresServer): Promise<void> {
  const client = new pg.Client({ host: server.host, port: server.port, user: USER, password: server.password });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

async function runPg(asPostgres: boolean, command: string, args: readonly string[]): Promise<void> {
  const [file, argv] = asPostgres ? ['runuser', ['-u', USER, '--', command, ...args]] : [command, [...args]];
  try {
    await run(file, argv, { env: { ...process.env, LC_ALL: 'C' } });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${path.basename(command)} failed: ${stderr || stdout || (error as Error).message}`);
  }
}

function spawnPgSync(asPostgres: boolean, command: string, args: readonly string[]): void {
  if (asPostgres) spawnSync('runuser', ['-u', USER, '--', command, ...args]);
  else spawnSync(command, [...args]);
}

async function chownToPostgres(file: string): Promise<void> {
  const { stdout: uid } = await run('id', ['-u', USER]);
  const { stdout: gid } = await run('id', ['-g', USER]);
  await chown(file, Number(uid.trim()), Number(gid.trim()));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}
