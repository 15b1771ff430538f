import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';

/**
 * A private redis-server for one test file: a free port of 127.0.0.1, a temp directory, no
 * persistence unless asked (`persistent` turns on the append-only file, fsynced on every write, so
 * `restart()` keeps every queue), stopped and removed by `stop()`.
 */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Stops the server (SIGTERM, as an orderly restart would) and starts it again on the same port and files. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export const REDIS_SERVER = process.env.RUNYARD_REDIS_SERVER ?? '/usr/bin/redis-server';

export function redisAvailable(): { available: true } | { available: false; reason: string } {
  if (!existsSync(REDIS_SERVER))
    return {
      available: false,
      reason: `${REDIS_SERVER} not found; install it with \`apt-get install -y redis-server\``,
    };
  const version = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) return { available: false, reason: `${REDIS_SERVER} --version failed: ${version.stderr}` };
  return { available: true };
}

export async function startRedisServer(options: { persistent?: boolean } = {}): Promise<RedisServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'runyard-redis-'));
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    ...(options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    '--maxmemory-policy',
    'noeviction',
  ];
  let child: ChildProcess = await launch(args, port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async restart() {
      await halt(child);
      child = await launch(args, port);
    },
    async stop() {
      await halt(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function launch(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const deadline = Date.now() + 20_000;
  while (!output.includes('Ready to accept connections')) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} did not start within 20 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return child;
}

async function halt(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * `describe` with a redis-server of its own for the whole file. Without redis-server the block is
 * skipped with the reason printed, except under CI=true, where that is a failure.
 */
export function describeWithRedis(
  name: string,
  body: (server: () => RedisServer) => void,
  options: { persistent?: boolean } = {},
): void {
  const found = redisAvailable();
  if (!found.available) {
    if (process.env.CI === 'true') {
      describe(name, () => {
        it('needs redis-server', () => {
          throw new Error(`CI=true and no Redis to test against: ${found.reason}`);
        });
      });
      return;
    }
    console.warn(`[skipped] ${name}: ${found.reason}`);
    describe.skip(name, () => body(() => unavailable(found.reason)));
    return;
  }
  describe(name, () => {
    let server: RedisServer | undefined;
    beforeAll(async () => {
      server = await startRedisServer(options);
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
    });
    body(() => server ?? unavailable('redis-server did not start'));
  });
}

function unavailable(reason: string): never {
  throw new Error(reason);
}
