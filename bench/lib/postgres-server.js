// A throwaway PostgreSQL server for the benchmarks: the plain-JS twin of
// packages/postgres/test/support/postgres-server.ts (bench runs on node without a compile step).
// initdb in a temp dir (as the postgres user when we are root: initdb refuses root), started on a
// free port of 127.0.0.1 with the durability switches off, as the tests run it.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The bin directory of the newest installed server, or undefined. */
export function findPostgresBin() {
  const candidates = process.env.RUNYARD_PG_BIN
    ? [process.env.RUNYARD_PG_BIN]
    : existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .filter((v) => /^\d+$/.test(v))
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => path.join('/usr/lib/postgresql', v, 'bin'))
      : [];
  return candidates.find((dir) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl')));
}

/** Starts a server with trust auth (benchmarks need no password) and one database; returns its URL and stop(). */
export async function startPostgres(binDir) {
  const dir = mkdtempSync(path.join(tmpdir(), 'runyard-bench-pg-'));
  const asRoot = process.getuid?.() === 0;
  const pg = (tool, args) => {
    const [file, argv] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', path.join(binDir, tool), ...args]]
      : [path.join(binDir, tool), args];
    execFileSync(file, argv, { stdio: 'pipe', env: { ...process.env, LC_ALL: 'C' } });
  };
  if (asRoot) {
    const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = () => pg('pg_ctl', ['-D', data, '-l', path.join(dir, 'postgres.log'), '-o', settings, '-w', 'start']);
  try {
    pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync']);
    start();
    pg('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'runyard_bench']);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start PostgreSQL: ${error.stderr?.toString() || error.message}`);
  }
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/runyard_bench`,
    /** An outage: the server stops (fast shutdown) and keeps its data until `restart()`. */
    halt: () => pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
    restart: start,
    stop() {
      try {
        pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
