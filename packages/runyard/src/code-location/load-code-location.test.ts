import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChildLoader,
  type ChildReport,
  createChildLoader,
  FIXTURES,
  linkWorkspaceModules,
  makeTempDir,
  WORKSPACE_NODE_MODULES,
} from './__fixtures__/child-process-loader.js';

// Every load runs in a fresh Node process: see child-process-loader.ts for why.
let loader: ChildLoader;
let loaderWithoutEsbuild: ChildLoader;
const tempDirs: string[] = [];

beforeAll(async () => {
  [loader, loaderWithoutEsbuild] = await Promise.all([
    createChildLoader(),
    createChildLoader({ withoutEsbuild: true }),
  ]);
});

afterAll(async () => {
  await Promise.all([loader?.dispose(), loaderWithoutEsbuild?.dispose()]);
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(prefix = 'runyard-code-location-'): Promise<string> {
  const dir = await makeTempDir(prefix);
  tempDirs.push(dir);
  return dir;
}

function expectLoaded(report: ChildReport): Extract<ChildReport, { ok: true }> {
  if (!report.ok) throw new Error(`expected the location to load, got ${report.name}: ${report.message}`);
  return report;
}

function expectFailed(report: ChildReport): Extract<ChildReport, { ok: false }> {
  if (report.ok) throw new Error(`expected the load to fail, but it loaded ${report.path}`);
  expect(report.name).toBe('CodeLocationError');
  expect(report.userError).toBe(true);
  return report;
}

describe('loading a code location', () => {
  it('compiles a .ts location that imports a local .ts file, zod and runyard', async () => {
    const report = expectLoaded(await loader.load('hello.ts', { cwd: FIXTURES, cacheDir: await tempDir() }));
    expect(report.path).toBe(path.join(FIXTURES, 'hello.ts'));
    expect(report.jobs).toEqual({ hello: ['greet', 'shout'] });
    expect(report.values.settingKeys).toEqual(['loud', 'times']);
    expect(report.compiled).toBe(true);
  });

  it('reuses the compiled output on the next load, in a process that cannot load esbuild', async () => {
    const cacheDir = await tempDir();
    const first = expectLoaded(await loader.load('hello.ts', { cwd: FIXTURES, cacheDir }));
    const second = expectLoaded(await loaderWithoutEsbuild.load('hello.ts', { cwd: FIXTURES, cacheDir }));
    expect([first.compiled, second.compiled]).toEqual([true, false]);
    expect(second.moduleFile).toBe(first.moduleFile);
    expect(second.jobs).toEqual(first.jobs);
  });

  it('imports the same runyard module as the process, and keeps import.meta pointing at the source', async () => {
    const report = expectLoaded(await loader.load('source-paths.ts', { cwd: FIXTURES, cacheDir: await tempDir() }));
    expect(report.sharesRunyard).toBe(true);
    expect(report.values.url).toBe(`file://${path.join(FIXTURES, 'source-paths.ts')}`);
    expect(report.values.dirname).toBe(FIXTURES.replace(/[\\/]$/, ''));
    expect(report.moduleFile).not.toContain(FIXTURES);
  });

  it('imports a .js location as it is', async () => {
    const report = expectLoaded(
      await loaderWithoutEsbuild.load('./plain.js', { cwd: FIXTURES, cacheDir: await tempDir() }),
    );
    expect(report.jobs).toEqual({ ping_job: ['ping'] });
    expect(report.moduleFile).toBe(path.join(FIXTURES, 'plain.js'));
    expect(report.compiled).toBe(false);
  });

  it('loads an installed package by name, with the `import` conditions of its exports', async () => {
    const project = await projectWithPackage('my-pipelines', {
      'package.json': JSON.stringify({
        name: 'my-pipelines',
        type: 'module',
        // `require.resolve` cannot see an import-only package; the loader must still find it.
        exports: { '.': { types: './index.d.ts', import: './index.js' } },
      }),
      'index.js': [
        "import { defineDefinitions, job, op } from 'runyard';",
        "const tick = op({ name: 'tick', run: () => 1 });",
        "export default defineDefinitions({ jobs: [job({ name: 'nightly', graph: () => void tick() })] });",
      ].join('\n'),
    });
    const report = expectLoaded(await loader.load('my-pipelines', { cwd: project, cacheDir: await tempDir() }));
    expect(report.path).toBe('my-pipelines');
    expect(report.jobs).toEqual({ nightly: ['tick'] });
  });

  it('compiles a package whose entry point is TypeScript source', async () => {
    const project = await projectWithPackage('ts-pipelines', {
      'package.json': JSON.stringify({ name: 'ts-pipelines', type: 'module', exports: './src/index.ts' }),
      'src/index.ts': [
        "import { defineDefinitions, job, op } from 'runyard';",
        "const tock = op({ name: 'tock', run: (): number => 2 });",
        "export default defineDefinitions({ jobs: [job({ name: 'hourly', graph: () => void tock() })] });",
      ].join('\n'),
    });
    const report = expectLoaded(await loader.load('ts-pipelines', { cwd: project, cacheDir: await tempDir() }));
    expect(report).toMatchObject({ path: 'ts-pipelines', compiled: true, jobs: { hourly: ['tock'] } });
  });

  it('getJob returns a job, or throws JobNotFoundError naming the jobs there', async () => {
    const cacheDir = await tempDir();
    const found = expectLoaded(await loader.load('hello.ts', { cwd: FIXTURES, cacheDir, getJob: 'hello' }));
    expect(found.job).toBe('hello');
    const missing = expectLoaded(await loader.load('hello.ts', { cwd: FIXTURES, cacheDir, getJob: 'goodbye' }));
    expect(missing.jobError).toEqual({
      name: 'JobNotFoundError',
      message: "job 'goodbye' was not found in hello.ts; jobs there: hello",
    });
  });
});

describe('a mistake in a code location', () => {
  const cases: ReadonlyArray<{ readonly fixture: string; readonly message: string; readonly cause?: string }> = [
    {
      fixture: 'syntax-error.ts',
      message: [
        'syntax-error.ts:3:23: Unexpected ";"',
        '  3 | const limit: number = ;',
        '    |                       ^',
      ].join('\n'),
    },
    {
      fixture: 'syntax-error.js',
      message: ['syntax-error.js:5:1: Unexpected "}"', '  5 | });', '    | ^'].join('\n'),
      cause: 'SyntaxError',
    },
    {
      fixture: 'imports-syntax-error-helper.js',
      message: [
        'syntax-error-helper.js:3:14: Expected "}" but found "4"',
        '  3 |   retries: 3 4,',
        '    |              ^',
      ].join('\n'),
      cause: 'SyntaxError',
    },
    {
      fixture: 'throws.ts',
      message: [
        'error while loading lib/explode.ts:2: TypeError: settings are missing',
        "  2 |   throw new TypeError('settings are missing');",
        '    |         ^',
      ].join('\n'),
      cause: 'TypeError',
    },
    {
      fixture: 'cycle.ts',
      message: [
        "error while loading cycle.ts:6: job 'loop' has a cycle: a → b → a",
        '  6 | export const loop = job({',
        '    |                     ^',
      ].join('\n'),
      cause: 'DefinitionError',
    },
    {
      fixture: 'cycle.js',
      message: [
        "error while loading cycle.js:6: job 'loop' has a cycle: a → b → a",
        '  6 | export const loop = job({',
        '    |                     ^',
      ].join('\n'),
      cause: 'DefinitionError',
    },
    {
      fixture: 'no-default.ts',
      message:
        'no-default.ts has no default export (it exports helper, retries); export default defineDefinitions({ jobs: [...] })',
    },
    {
      fixture: 'named-definitions.ts',
      message:
        "named-definitions.ts has no default export; its definitions are exported as 'definitions': export default definitions",
    },
    {
      fixture: 'default-function.ts',
      message:
        'default-function.ts: the default export is a function (main), not definitions; export default defineDefinitions({ jobs: [...] })',
    },
    {
      fixture: 'default-object.ts',
      message:
        'default-object.ts: the default export is a plain object with keys jobs, not definitions; pass it through defineDefinitions: export default defineDefinitions({ jobs })',
    },
    {
      fixture: 'default-job.ts',
      message:
        "default-job.ts: the default export is the job 'hello', not definitions; did you mean defineDefinitions({ jobs: [hello] })?",
    },
    {
      fixture: 'missing-package.ts',
      message: [
        "missing-package.ts:1:21: cannot find package '@runyard-fixtures/not-installed'; is it installed?",
        "  1 | import { pad } from '@runyard-fixtures/not-installed/pad';",
        `    |                     ${'^'.repeat(37)}`,
      ].join('\n'),
    },
    {
      fixture: 'missing-package.js',
      message: [
        "missing-package.js:1:21: cannot find package '@runyard-fixtures/not-installed'; is it installed?",
        "  1 | import { pad } from '@runyard-fixtures/not-installed/pad';",
        `    |                     ${'^'.repeat(37)}`,
      ].join('\n'),
    },
    {
      fixture: 'missing-local-file.ts',
      message: [
        'missing-local-file.ts:2:22: Could not resolve "./lib/does-not-exist.js"',
        "  2 | import { jobs } from './lib/does-not-exist.js';",
        `    |                      ${'^'.repeat(25)}`,
      ].join('\n'),
    },
  ];

  it.each(cases)('$fixture', async ({ fixture, message, cause }) => {
    const report = expectFailed(await loader.load(fixture, { cwd: FIXTURES, cacheDir: await tempDir() }));
    expect(report.message).toBe(message);
    expect(report.data?.file).toBeTypeOf('string');
    if (cause) expect(report.causeName).toBe(cause);
  });

  // Node 22.18+ and 24 strip TypeScript types themselves, so there a .js location may import .ts;
  // Node 20 cannot, and the message must say what to do.
  const nodeRunsTypeScript = Boolean((process.features as { typescript?: unknown }).typescript);
  it(`a .js location importing .ts ${nodeRunsTypeScript ? 'loads, as Node strips the types' : 'gets a message saying what to do'}`, async () => {
    const report = await loader.load('imports-typescript.js', { cwd: FIXTURES, cacheDir: await tempDir() });
    if (nodeRunsTypeScript) {
      expect(report.ok).toBe(true);
      return;
    }
    const failed = expectFailed(report);
    expect(failed.message).toBe(
      'imports-typescript.js imports lib/ops.ts, which Node cannot run; give imports-typescript.js a .ts extension, so that Runyard compiles it together with what it imports',
    );
    expect(failed.causeName).toBe('TypeError');
  });

  it('points at the line of the .ts source, with the position in the error data', async () => {
    const report = expectFailed(await loader.load('cycle.ts', { cwd: FIXTURES, cacheDir: await tempDir() }));
    expect(report.data).toEqual({ file: path.join(FIXTURES, 'cycle.ts'), line: 6, column: 21 });
  });

  it('a file that does not exist', async () => {
    const cwd = await tempDir();
    const report = expectFailed(await loader.load('examples/nope.ts', { cwd, cacheDir: await tempDir() }));
    expect(report.message).toBe(
      `code location 'examples/nope.ts' was not found (looked for ${path.join(cwd, 'examples/nope.ts')})`,
    );
  });

  it('a package name that nothing resolves', async () => {
    const cwd = await tempDir();
    const report = expectFailed(await loader.load('no-such-pipelines', { cwd, cacheDir: await tempDir() }));
    expect(report.message).toBe(
      `code location 'no-such-pipelines' was not found: no package 'no-such-pipelines' is installed where ${cwd} can import it (a file path needs its extension, or ./ in front)`,
    );
  });

  it('a directory', async () => {
    const report = expectFailed(await loader.load('./lib', { cwd: FIXTURES, cacheDir: await tempDir() }));
    expect(report.message).toMatch(
      /^code location '\.\/lib' is a directory \(.*lib\); name the file whose default export/,
    );
  });
});

describe('the compile cache, across processes', () => {
  it('compiles again when a file the location imports changes, and only then', async () => {
    const project = await projectWithFiles({
      'location.ts': [
        "import { defineDefinitions, job } from 'runyard';",
        "import { first } from './steps.ts';",
        "export default defineDefinitions({ jobs: [job({ name: 'pipeline', graph: () => void first() })] });",
      ].join('\n'),
      'steps.ts': "import { op } from 'runyard';\nexport const first = op({ name: 'extract', run: () => 1 });\n",
      'unrelated.ts': 'export const notImported = 1;\n',
    });
    const cacheDir = await tempDir();
    const load = (l: ChildLoader) => l.load('location.ts', { cwd: project, cacheDir }).then(expectLoaded);

    expect(await load(loader)).toMatchObject({ compiled: true, jobs: { pipeline: ['extract'] } });
    await writeFile(path.join(project, 'unrelated.ts'), 'export const notImported = 2;\n');
    expect(await load(loaderWithoutEsbuild)).toMatchObject({ compiled: false });

    await writeFile(
      path.join(project, 'steps.ts'),
      "import { op } from 'runyard';\nexport const first = op({ name: 'load', run: () => 2 });\n",
    );
    expect(await load(loader)).toMatchObject({ compiled: true, jobs: { pipeline: ['load'] } });
    expect(await load(loaderWithoutEsbuild)).toMatchObject({ compiled: false, jobs: { pipeline: ['load'] } });
  });

  it('serves several processes that load one location at once', { timeout: 60_000 }, async () => {
    const cacheDir = await tempDir();
    const reports = await Promise.all(
      Array.from({ length: 6 }, () => loader.load('hello.ts', { cwd: FIXTURES, cacheDir }).then(expectLoaded)),
    );
    expect(new Set(reports.map((r) => r.moduleFile)).size).toBe(1);
    for (const report of reports) expect(report.jobs).toEqual({ hello: ['greet', 'shout'] });
    // Whoever wrote last left a whole manifest that the next load can use.
    const next = expectLoaded(await loaderWithoutEsbuild.load('hello.ts', { cwd: FIXTURES, cacheDir }));
    expect(next.compiled).toBe(false);
    expect(await readFile(next.moduleFile, 'utf8')).toContain('sourceMappingURL=data:application/json');
  });
});

/** A temp project whose files can import `runyard` and `zod` from the workspace. */
async function projectWithFiles(files: Readonly<Record<string, string>>): Promise<string> {
  const dir = await tempDir('runyard-project-');
  await linkWorkspaceModules(dir);
  await writeFiles(dir, files);
  return dir;
}

/** A temp project with one installed package, `node_modules/<name>`, beside runyard and zod. */
async function projectWithPackage(name: string, files: Readonly<Record<string, string>>): Promise<string> {
  const dir = await tempDir('runyard-project-');
  const modules = path.join(dir, 'node_modules');
  await mkdir(modules);
  for (const dependency of ['runyard', 'zod'])
    await symlink(path.join(WORKSPACE_NODE_MODULES, dependency), path.join(modules, dependency), 'junction');
  await writeFiles(path.join(modules, name), files);
  return dir;
}

async function writeFiles(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
}
