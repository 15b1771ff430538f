/**
 * Shared setup for the UI's end-to-end tests: a real `runyard dev` server (UI + daemon) on a free
 * port with a fresh home, a real headless Chromium through playwright-core, and the built UI.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';

export const UI_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REPO = path.resolve(UI_DIR, '../..');
export const FIXTURE = path.join(UI_DIR, 'test/fixtures/e2e-jobs.ts');
export const SCREENSHOTS = path.join(REPO, 'test-results/screenshots');
const CHROMIUM = '/usr/bin/chromium';
const CLI = path.join(REPO, 'packages/runyard/bin/runyard.js');

/**
 * `describe` when Chromium is installed. Without it the suite is skipped with a printed reason, or,
 * under CI=true, fails: CI must never pass by not testing the UI.
 */
export function describeE2E(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, body);
    return;
  }
  const how = 'install it with `apt-get install -y --no-install-recommends chromium`';
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`${CHROMIUM} is missing, so the UI end-to-end tests cannot run; ${how}`);
      });
    });
    return;
  }
  console.warn(`[ui e2e] skipping "${name}": ${CHROMIUM} is missing; ${how}`);
  describe.skip(name, body);
}

export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}

export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

// --- the built UI -----------------------------------------------------------------------------

function newestMtime(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

/**
 * Builds dist/ when it is missing or older than the sources, so the tests never exercise a stale
 * bundle. Test files run in parallel; a lock directory lets one build while the others wait.
 */
export async function ensureUiBuilt(): Promise<void> {
  const index = path.join(UI_DIR, 'dist/index.html');
  const sources = Math.max(
    newestMtime(path.join(UI_DIR, 'src')),
    newestMtime(path.join(UI_DIR, 'index.html')),
    newestMtime(path.join(UI_DIR, 'vite.config.ts')),
  );
  const fresh = () => existsSync(index) && statSync(index).mtimeMs >= sources;
  if (fresh()) return;
  const lock = path.join(UI_DIR, '.build-lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}; remove it if no build is running`);
      await new Promise((r) => setTimeout(r, 250));
      if (fresh()) return;
    }
  }
  try {
    if (fresh()) return;
    const vite = path.join(REPO, 'node_modules/vite/bin/vite.js');
    await promisify(execFile)(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: UI_DIR });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// --- the server -------------------------------------------------------------------------------

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  home: string;
  /** GET/POST JSON against the server's API. */
  api<T = any>(pathname: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

/** A CSS selector for an element's `data-testid`. */
export const tid = (id: string) => `[data-testid="${id}"]`;

export interface UiSession {
  readonly server: RunningServer;
  readonly browser: Browser;
  readonly page: Page;
}

/**
 * Registers the hooks every e2e file needs: before its tests, the built UI, `runyard dev` on a
 * fresh home (after `prepareHome`, e.g. seeding runs) and Chromium with one page; after them, both
 * stopped. The session's fields are set once `beforeAll` has run.
 */
export function useUiSession(
  options: {
    readonly args?: string[];
    readonly prepareHome?: (home: string) => Promise<void>;
    /** More Chromium flags, e.g. `--host-resolver-rules` to give a foreign name to 127.0.0.1. */
    readonly browserArgs?: readonly string[];
  } = {},
): UiSession {
  const session = {} as { server: RunningServer; browser: Browser; page: Page };
  beforeAll(async () => {
    const home = await makeHome();
    await Promise.all([ensureUiBuilt(), options.prepareHome?.(home)]);
    [session.server, session.browser] = await Promise.all([
      startServer({ home, ...(options.args ? { args: options.args } : {}) }),
      launchBrowser(options.browserArgs),
    ]);
    session.page = await newPage(session.browser);
  }, 180_000);
  afterAll(async () => {
    await session.browser?.close();
    await session.server?.stop();
  });
  return session;
}

export async function makeHome(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'runyard-ui-e2e-'));
}

/** Starts `runyard dev` and resolves once it prints its URL. */
export async function startServer(opts: { home?: string; args?: string[] } = {}): Promise<RunningServer> {
  const home = opts.home ?? (await makeHome());
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'dev', '-f', FIXTURE, '--home', home, '--port', String(port), ...(opts.args ?? [])],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runyard dev printed no URL in 45 s:\n${output}`)), 45_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /(http:\/\/[\w.:[\]-]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runyard dev exited with ${code} before printing its URL:\n${output}`));
    });
  });

  const api: RunningServer['api'] = async (pathname, init) => {
    const method = init?.method ?? (init?.body ? 'POST' : 'GET');
    const res = await fetch(`${url}${pathname}`, {
      method,
      // The server refuses a change without the JSON content type, body or not.
      headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
      body: init?.body ? JSON.stringify(init.body) : null,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    // A run worker that has just finished may still be closing its compute log files, and a
    // directory it writes into cannot be removed that instant (ENOTEMPTY): rm tries again.
    await rm(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  };
  return { url, home, api, stop };
}

/** Polls `check` until it returns a truthy value: a wait on a condition, bounded so a bug fails. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  what: string,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
