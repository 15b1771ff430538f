import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './cli-helpers.js';

/*
 * A newcomer's project, outside this repository: every package is packed with `npm pack`, a clean
 * temp folder gets `runyard init`, and the tarballs are installed there as a user would install
 * them from the registry. Then the project type-checks, runs its job and starts `npm run dev`.
 *
 * One install for the whole file. npm's cache is warm from the workspace install, so it runs with
 * --prefer-offline. Install scripts are skipped and better-sqlite3's native binary (the one
 * package here that builds from source, 80-90 s) is copied from the workspace when the versions
 * match, else rebuilt: the test is about what the tarballs hold, not about node-gyp.
 */

const run = promisify(execFile);
const PACKAGES = [
  'runyard',
  '@runyard/ui',
  '@runyard/testing',
  '@runyard/postgres',
  '@runyard/docker',
  '@runyard/k8s',
  '@runyard/aws',
];

let root: string;
let project: string;
let tarballs: Map<string, string>;
let dev: ChildProcess | undefined;

async function npm(args: readonly string[], cwd: string) {
  return run('npm', [...args], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' },
  });
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'runyard-pack-'));
  const packs = path.join(root, 'packs');
  mkdirSync(packs);
  const packed = await npm(
    ['pack', '--ignore-scripts', '--json', '--pack-destination', packs, ...PACKAGES.flatMap((p) => ['-w', p])],
    repoRoot,
  );
  const list = JSON.parse(packed.stdout) as Array<{ name: string; filename: string; files: Array<{ path: string }> }>;
  tarballs = new Map(list.map((p) => [p.name, path.join(packs, p.filename)]));
  project = path.join(root, 'my-etl');
  const init = await run(process.execPath, [path.join(repoRoot, 'packages/runyard/bin/runyard.js'), 'init', project]);
  expect(init.stdout).toContain('npm install');
  await npm(
    [
      'install',
      '--prefer-offline',
      '--ignore-scripts',
      tarballs.get('runyard')!,
      tarballs.get('@runyard/ui')!,
      tarballs.get('@runyard/testing')!,
    ],
    project,
  );
  await provideSqliteBinary(project);
}, 600_000);

afterAll(async () => {
  if (dev?.pid) process.kill(-dev.pid, 'SIGKILL');
  if (root) rmSync(root, { recursive: true, force: true });
});

async function provideSqliteBinary(dir: string) {
  const version = (at: string) =>
    JSON.parse(readFileSync(path.join(at, 'node_modules/better-sqlite3/package.json'), 'utf8')).version;
  const built = path.join(repoRoot, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
  if (existsSync(built) && version(repoRoot) === version(dir)) {
    const release = path.join(dir, 'node_modules/better-sqlite3/build/Release');
    mkdirSync(release, { recursive: true });
    copyFileSync(built, path.join(release, 'better_sqlite3.node'));
  } else {
    await npm(['rebuild', 'better-sqlite3'], dir);
  }
}

describe('a project of its own, from the packed tarballs', () => {
  it('packs every package with its entry points and type declarations', () => {
    expect([...tarballs.keys()].sort()).toEqual([...PACKAGES].sort());
    for (const [name, file] of tarballs) expect(existsSync(file), name).toBe(true);
  });

  it('installs runyard from the tarball, with zod beside it for the job file', () => {
    const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8'));
    expect(pkg.dependencies.runyard).toMatch(/^file:.*runyard-0\.1\.0\.tgz$/);
    expect(pkg.dependencies.zod).toMatch(/^\^4\./);
    expect(existsSync(path.join(project, 'node_modules/runyard/dist/index.d.ts'))).toBe(true);
    expect(existsSync(path.join(project, 'node_modules/zod/package.json'))).toBe(true);
  });

  it('type-checks with tsc (module and moduleResolution NodeNext)', async () => {
    const tsc = await run(process.execPath, [path.join(project, 'node_modules/typescript/bin/tsc'), '-p', project], {
      cwd: project,
    }).catch((error: { stdout?: string; code?: number }) => error);
    expect((tsc as { stdout?: string }).stdout ?? '').toBe('');
  });

  it('runs its job with runyard job execute, recording it in the project instance', async () => {
    const bin = path.join(project, 'node_modules/runyard/bin/runyard.js');
    const executed = await run(process.execPath, [bin, 'job', 'execute', '-f', 'definitions.ts', '-j', 'etl'], {
      cwd: path.join(project, 'src'),
      env: { ...process.env, RUNYARD_HOME: '', NO_COLOR: '1' },
    });
    expect(executed.stdout).toMatch(/run [0-9a-f-]{36} SUCCESS/);
    expect(existsSync(path.join(project, '.runyard/runyard.db'))).toBe(true);
  });

  it('npm run dev starts the web UI with its job, on the project instance', async () => {
    dev = spawn('npm', ['run', 'dev', '--', '--port', '0'], {
      cwd: project,
      detached: true,
      env: { ...process.env, RUNYARD_HOME: '', NO_COLOR: '1' },
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      dev!.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const found = /web UI\s+(http:\/\/\S+)/.exec(out);
        if (found) resolve(found[1]!);
      });
      dev!.on('close', (code) => reject(new Error(`npm run dev exited ${code}: ${out}`)));
    });
    expect(out).toContain(`Runyard dev on ${project}`);
    expect(out).toContain('nearest runyard.yaml');
    const jobs = (await (await fetch(`${url}/api/jobs`)).json()) as { jobs: Array<{ name: string }> };
    expect(jobs.jobs.map((j) => j.name)).toEqual(['etl']);
    const page = await fetch(url);
    expect(await page.text()).toContain('<div id="root">');
    process.kill(-dev.pid!, 'SIGINT');
    await new Promise((resolve) => dev!.once('close', resolve));
    dev = undefined;
  });
});
