// A private dockerd for a benchmark: its own socket, data root and exec root under a short /tmp
// directory, no bridge or iptables, nothing pulled; the worker image is built offline by
// examples/docker/build-offline-image.sh. (The Docker package's tests use the same recipe.)
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DOCKER_CLI = '/usr/bin/docker';
const root = fileURLToPath(new URL('../../', import.meta.url));

/** Why a private engine cannot run here, or undefined when it can. */
export function dockerUnavailable() {
  if (!['/usr/sbin/dockerd', '/usr/bin/dockerd'].some((p) => existsSync(p)) || !existsSync(DOCKER_CLI))
    return 'Docker is not installed (apt-get install -y --no-install-recommends docker.io)';
  if (process.getuid?.() !== 0) return 'a private dockerd needs root';
  return undefined;
}

export async function startDockerd(image) {
  const dockerd = ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((p) => existsSync(p));
  const dir = mkdtempSync('/tmp/ryb-');
  const socket = path.join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const log = openSync(path.join(dir, 'dockerd.log'), 'a');
  const child = spawn(
    dockerd,
    [
      `--host=${host}`,
      `--data-root=${dir}/data`,
      `--exec-root=${dir}/exec`,
      `--pidfile=${dir}/docker.pid`,
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
  closeSync(log);
  child.unref();
  const env = { ...process.env, DOCKER_HOST: host };
  const stop = async () => {
    try {
      const ids = execFileSync(DOCKER_CLI, ['ps', '-aq'], { env, encoding: 'utf8' }).split('\n').filter(Boolean);
      if (ids.length) execFileSync(DOCKER_CLI, ['rm', '-f', ...ids], { env });
    } catch {}
    const pidFile = path.join(dir, 'docker.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : child.pid;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {}
    for (let i = 0; i < 300 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    const points = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1])
      .filter((p) => p?.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length);
    for (const p of points) {
      try {
        execFileSync('umount', ['-l', p]);
      } catch {}
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; !(await ping(socket)); i++) {
      if (i > 600 || child.exitCode !== null) throw new Error(`dockerd did not start; see ${dir}/dockerd.log`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const require = createRequire(path.join(root, 'packages/runyard/package.json'));
    const addon = path.join(
      path.dirname(require.resolve('better-sqlite3/package.json')),
      'build/Release/better_sqlite3.node',
    );
    execFileSync(path.join(root, 'examples/docker/build-offline-image.sh'), [image, addon], {
      env: { ...env, DOCKER_BIN: DOCKER_CLI, NODE_BIN: process.execPath },
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, env, stop };
}

function ping(socketPath) {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
