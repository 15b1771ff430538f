// A throwaway redis-server for the benchmarks: the plain-JS twin of packages/queue/test/redis-server.ts
// (bench runs on node without a compile step). 127.0.0.1, a free port, its own temp dir, no
// persistence, and `noeviction`, as docs/queues.md asks of a queue's Redis.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REDIS_SERVER = process.env.RUNYARD_REDIS_SERVER ?? '/usr/bin/redis-server';

export function hasRedisServer() {
  return existsSync(REDIS_SERVER);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a server and resolves once it accepts connections; returns its URL and stop(). */
export async function startRedis() {
  const dir = mkdtempSync(path.join(tmpdir(), 'runyard-bench-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  const child = spawn(REDIS_SERVER, [...args, '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) resolve();
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code}:\n${output}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop() {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
