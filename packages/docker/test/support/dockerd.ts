import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';
import { type DockerApi, loadDockerode } from '../../src/docker-client.js';

/**
 * A private Docker engine for one test file: its own socket, data root and exec root under a short
 * directory in /tmp (containerd's socket path must stay under 108 bytes), no bridge, no iptables,
 * nothing pulled. The worker image is built offline by examples/docker/build-offline-image.sh.
 */

const run = promisify(execFile);
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const buildScript = path.join(repoRoot, 'examples/docker/build-offline-image.sh');
/** Debian's client; the `docker` first on PATH is not part of the project. */
export const DOCKER_CLI = '/usr/bin/docker';
const DOCKERD_CANDIDATES = ['/usr/sbin/dockerd', '/usr/bin/dockerd'];
export const TEST_IMAGE = 'runyard-node:test';
/** Where the offline image keeps node. */
export const IMAGE_NODE = '/usr/local/bin/node';

export interface DockerEngine {
  /** `unix://…/docker.sock`, for DOCKER_HOST and the launcher's dockerHost. */
  readonly host: string;
  readonly api: DockerApi;
  readonly image: string;
  /** Runs Debian's docker client against this engine. */
  cli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export type DockerAvailability =
  | { readonly ok: true; readonly dockerd: string }
  | { readonly ok: false; readonly reason: string };

/** Whether this machine can run a private engine; decided at collection time, without starting anything. */
export function dockerAvailability(): DockerAvailability {
  if (process.env.RUNYARD_DOCKER_TESTS === 'off') return { ok: false, reason: 'RUNYARD_DOCKER_TESTS=off' };
  const dockerd = DOCKERD_CANDIDATES.find((p) => existsSync(p));
  if (!dockerd || !existsSync(DOCKER_CLI))
    return { ok: false, reason: 'Docker is not installed (apt-get install -y --no-install-recommends docker.io)' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'a private dockerd needs root' };
  return { ok: true, dockerd };
}

/**
 * `describe` when Docker can run here. Otherwise: under CI=true one failing test that says why
 * (CI must not pass without the engine); elsewhere a skipped block with the reason printed.
 */
export function describeWithDocker(name: string, body: () => void): void {
  const availability = dockerAvailability();
  if (availability.ok) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs a Docker engine', () => {
        throw new Error(`${name}: cannot run without Docker under CI=true: ${availability.reason}`);
      });
    });
  } else {
    console.warn(`skipping '${name}': ${availability.reason}`);
    describe.skip(`${name} (skipped: ${availability.reason})`, body);
  }
}

export async function startDockerEngine(): Promise<DockerEngine> {
  const availability = dockerAvailability();
  if (!availability.ok) throw new Error(availability.reason);
  const dir = mkdtempSync('/tmp/ryd-');
  const socket = path.join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const logFile = path.join(dir, 'dockerd.log');
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      availability.dockerd,
      [
        `--host=${host}`,
        `--data-root=${path.join(dir, 'data')}`,
        `--exec-root=${path.join(dir, 'exec')}`,
        `--pidfile=${path.join(dir, 'docker.pid')}`,
        '--iptables=false',
        '--ip6tables=false',
        '--bridge=none',
        '--ip-forward=false',
        '--ip-masq=false',
        '--userland-proxy=false',
        '--storage-driver=overlay2',
      ],
      { stdio: ['ignore', log, log], detached: true },
    );
  } finally {
    closeSync(log);
  }
  child.unref();
  const stop = () => stopEngine(dir, child);
  const cli = async (...args: string[]) =>
    (await run(DOCKER_CLI, args, { env: { ...process.env, DOCKER_HOST: host }, maxBuffer: 16 << 20 })).stdout;
  try {
    await waitForPing(socket, child, logFile);
    await run(buildScript, [TEST_IMAGE, betterSqliteAddon()], {
      env: { ...process.env, DOCKER_HOST: host, DOCKER_BIN: DOCKER_CLI, NODE_BIN: process.execPath },
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, api: await loadDockerode(host), image: TEST_IMAGE, cli, stop };
}

/** The native addon the worker's SQLite storage loads; the image needs the libraries it links. */
function betterSqliteAddon(): string {
  const require = createRequire(path.join(repoRoot, 'packages/runyard/package.json'));
  return path.join(path.dirname(require.resolve('better-sqlite3/package.json')), 'build/Release/better_sqlite3.node');
}

async function waitForPing(socket: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await ping(socket)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new Error(`dockerd did not become ready on ${socket} (exit code ${child.exitCode}); its log ends:\n${tail}`);
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Removes every container, stops dockerd by its pid, unmounts what it left, deletes the directory. */
async function stopEngine(dir: string, child: ChildProcess): Promise<void> {
  const host = `unix://${path.join(dir, 'docker.sock')}`;
  const env = { ...process.env, DOCKER_HOST: host };
  try {
    const { stdout } = await run(DOCKER_CLI, ['ps', '-aq'], { env });
    const ids = stdout.split('\n').filter(Boolean);
    if (ids.length) await run(DOCKER_CLI, ['rm', '-f', ...ids], { env });
  } catch {
    // The engine may be gone already; the kill below still runs.
  }
  const pidFile = path.join(dir, 'docker.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : child.pid;
  if (pid) {
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + 15_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) signal(pid, 'SIGKILL');
  }
  await unmountUnder(dir);
  rmSync(dir, { recursive: true, force: true });
}

async function unmountUnder(dir: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((point): point is string => point?.startsWith(`${dir}/`) === true)
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) await run('umount', ['-l', point]).catch(() => undefined);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
