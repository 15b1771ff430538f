import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, example, expectUserError, repoRoot, runCli, tempHome } from '../cli-helpers.js';
import { rawRequest } from './raw-http.js';

/** Starts `runyard <args>` and resolves with the URL it prints, and the child to stop. */
function startServing(args: readonly string[], home: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  const child = spawn(process.execPath, [cliPath, '--home', home, ...args, '--port', '0'], { cwd: repoRoot, env });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const found = stdout.match(/(http:\/\/127\.0\.0\.1:\d+)/);
      if (found) resolve(found[1]!);
    });
    void exited.then((code) => reject(new Error(`exited ${code} before serving:\n${stdout}\n${stderr}`)));
  });
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('runyard dev', () => {
  it('serves the UI and API with the daemon in one process, launches runs, and stops cleanly on Ctrl-C', async () => {
    const home = tempHome();
    const dev = startServing(['dev', '-f', example('hello.ts')], home);
    try {
      const url = await dev.url;
      expect(dev.output().stdout).toContain('code location  ');
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
      // The daemon runs in the same process: it takes the lease and heartbeats.
      const daemon = await waitFor(async () => {
        const body = (await (await fetch(`${url}/api/daemon`)).json()) as { lease: unknown; daemons: unknown[] };
        return body.lease && body.daemons.length ? body : undefined;
      }, 'the daemon lease');
      expect(daemon.lease).toMatchObject({ holder: expect.stringContaining(String(dev.child.pid)) });
      const launched = await fetch(`${url}/api/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job: 'hello', runConfig: { ops: { fetch_name: { config: { name: 'dev' } } } } }),
      });
      expect(launched.status).toBe(201);
      const { run } = (await launched.json()) as { run: { runId: string } };
      await waitFor(async () => {
        const body = (await (await fetch(`${url}/api/runs/${run.runId}`)).json()) as { run: { status: string } };
        return body.run.status === 'SUCCESS' ? true : undefined;
      }, 'the run to succeed');
    } finally {
      dev.child.kill('SIGINT');
    }
    expect(await dev.exited).toBe(0);
    expect(dev.output().stdout).toMatch(/SIGINT: stopping/);
    // The lease was released on the way out, so a new daemon need not wait for it to expire.
    const info = await runCli(['instance', 'info', '--json'], { home });
    expect(JSON.parse(info.stdout).daemonLease).toBeNull();
  });

  it('refuses a code location that does not load, before listening', async () => {
    const result = await runCli(['dev', '-f', 'examples/no-such-file.ts', '--port', '0'], { home: tempHome() });
    expectUserError(result, /no-such-file\.ts/);
    expect(result.stdout).not.toContain('http://');
  });

  it('needs -f', async () => {
    const result = await runCli(['dev', '--port', '0'], { home: tempHome() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '-f, --file <file>' not specified");
  });
});

describe('runyard ui', () => {
  it('serves the API without a code location', async () => {
    const ui = startServing(['ui'], tempHome());
    try {
      const url = await ui.url;
      const jobs = (await (await fetch(`${url}/api/jobs`)).json()) as unknown;
      expect(jobs).toEqual({ codeLocation: null, jobs: [] });
      const launch = await fetch(`${url}/api/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"job":"hello"}',
      });
      expect(launch.status).toBe(400);
      expect(((await launch.json()) as { error: { message: string } }).error.message).toMatch(
        /without a code location/,
      );
    } finally {
      ui.child.kill('SIGTERM');
    }
    expect(await ui.exited).toBe(0);
  });

  it.each([
    [['--host', '0.0.0.0'], /0\.0\.0\.0 \(not loopback\) needs an access token/],
    [['--port', 'http'], /--port must be a port number/],
    [['--auth-token', 'short'], /at least 16 characters/],
    [
      ['--auth-token-file', '/no/such/token'],
      /^runyard: --auth-token-file \/no\/such\/token: cannot read it \(no such file\)$/m,
    ],
    [['--auth-token-file', tokenFile('')], /--auth-token-file .*token-\d+: the file is empty/],
    [['--auth-token-file', tokenFile('short\n')], /the access token in .*token-\d+ must be at least 16 characters/],
    [['--auth-token-file', tokenFile('a'.repeat(20)), '--auth-token', 'b'.repeat(20)], /not both/],
    [['--allowed-host', 'https://proxy.example.com'], /--allowed-host takes a host name without port or scheme/],
  ])('refuses %j with a message', async (flags, message) => {
    expectUserError(await runCli(['ui', ...flags], { home: tempHome() }), message);
  });

  it('reads the token from --auth-token-file (kept out of the process table) and answers --allowed-host', async () => {
    const token = 'token-from-a-file-0123456789';
    const file = tokenFile(`${token}\n`);
    const ui = startServing(['ui', '--auth-token-file', file, '--allowed-host', 'runyard.example.com'], tempHome());
    try {
      const url = await ui.url;
      expect((await fetch(`${url}/api/health`)).status).toBe(401);
      expect((await fetch(`${url}/api/health`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      const cmdline = readFileSync(`/proc/${ui.child.pid}/cmdline`, 'utf8');
      expect(cmdline).toContain(file);
      expect(cmdline).not.toContain(token);
      const proxied = await rawRequest(`${url}/api/health`, {
        headers: { host: 'runyard.example.com', authorization: `Bearer ${token}` },
      });
      expect(proxied.status).toBe(200);
      const foreign = await rawRequest(`${url}/api/health`, {
        headers: { host: 'evil.example', authorization: `Bearer ${token}` },
      });
      expect(foreign.status).toBe(421);
    } finally {
      ui.child.kill('SIGTERM');
    }
    expect(await ui.exited).toBe(0);
  });
});

/** A token file with `content`, in a directory of its own. */
function tokenFile(content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'runyard-token-')), `token-${process.pid}`);
  writeFileSync(file, content);
  return file;
}
