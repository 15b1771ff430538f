import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CodeLocationError } from '../errors.js';
import { makeTempDir } from './__fixtures__/child-process-loader.js';
import { compileWithCache } from './compile-cache.js';

// Compiling does not import the output, so these run in the test process.

const tempDirs: string[] = [];

afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

interface Project {
  readonly dir: string;
  readonly entry: string;
  readonly cacheDir: string;
  write(name: string, content: string): Promise<void>;
  compile(): ReturnType<typeof compileWithCache>;
}

/** entry.ts imports a local file, a JSON file and an installed package (`fake-dep`). */
async function project(): Promise<Project> {
  const dir = await makeTempDir('runyard-compile-');
  const cacheDir = await makeTempDir('runyard-cache-');
  tempDirs.push(dir, cacheDir);
  const write = async (name: string, content: string) => {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  };
  await write(
    'entry.ts',
    "import { helper } from './helper.ts';\nimport data from './data.json';\nimport { dep } from 'fake-dep';\nexport default [helper, data.n, dep];\n",
  );
  await write('helper.ts', 'export const helper: string = "v1";\n');
  await write('data.json', '{ "n": 1 }\n');
  await write('tsconfig.json', '{ "compilerOptions": { "strict": true } }\n');
  await write(
    'node_modules/fake-dep/package.json',
    JSON.stringify({ name: 'fake-dep', version: '1.0.0', main: 'index.js' }),
  );
  await write('node_modules/fake-dep/index.js', 'exports.dep = "dep";\n');
  const entry = path.join(dir, 'entry.ts');
  return { dir, entry, cacheDir, write, compile: () => compileWithCache(entry, cacheDir, dir) };
}

async function manifestOf(
  p: Project,
): Promise<{ inputs: { path: string; role: string; hash: string }[]; output: string }> {
  const dir = path.join(p.cacheDir, 'code-locations');
  const name = (await readdir(dir)).find((file) => file.endsWith('.json')) as string;
  return JSON.parse(await readFile(path.join(dir, name), 'utf8'));
}

describe('compileWithCache', () => {
  it('records every input with its content hash, and keeps packages external', async () => {
    const p = await project();
    const result = await p.compile();
    expect(result.compiled).toBe(true);
    expect([...result.sourceFiles].sort()).toEqual(
      ['data.json', 'entry.ts', 'helper.ts'].map((f) => path.join(p.dir, f)),
    );

    const manifest = await manifestOf(p);
    expect(manifest.output).toBe(path.basename(result.outputFile));
    expect(manifest.inputs.map((i) => [path.relative(p.dir, i.path), i.role])).toEqual([
      ['data.json', 'source'],
      ['entry.ts', 'source'],
      ['helper.ts', 'source'],
      [path.join('node_modules', 'fake-dep', 'package.json'), 'config'],
      ['tsconfig.json', 'config'],
    ]);
    for (const input of manifest.inputs) expect(input.hash).toMatch(/^[0-9a-f]{64}$/);

    const code = await readFile(result.outputFile, 'utf8');
    expect(code).toContain(JSON.stringify(pathToFileURL(path.join(p.dir, 'node_modules/fake-dep/index.js')).href));
    expect(code).toContain('"v1"');
  });

  it('reuses the output while no input changes', async () => {
    const p = await project();
    const first = await p.compile();
    await p.write('not-imported.ts', 'export const x = 1;\n');
    const second = await p.compile();
    expect(second).toEqual({ ...first, compiled: false });
  });

  it('compiles again, under a new name, when a source changes; the old output stays for readers', async () => {
    const p = await project();
    const first = await p.compile();
    await p.write('helper.ts', 'export const helper: string = "v2";\n');
    const second = await p.compile();
    expect(second.compiled).toBe(true);
    expect(second.outputFile).not.toBe(first.outputFile);
    expect(await readFile(second.outputFile, 'utf8')).toContain('"v2"');
    expect(await readFile(first.outputFile, 'utf8')).toContain('"v1"');
  });

  it('compiles again when JSON it imports changes', async () => {
    const p = await project();
    await p.compile();
    await p.write('data.json', '{ "n": 2 }\n');
    expect((await p.compile()).compiled).toBe(true);
  });

  it('compiles again when tsconfig.json changes (it sets how TypeScript compiles)', async () => {
    const p = await project();
    await p.compile();
    await p.write('tsconfig.json', '{ "compilerOptions": { "experimentalDecorators": true } }\n');
    expect((await p.compile()).compiled).toBe(true);
  });

  it('compiles again when an imported package is upgraded', async () => {
    const p = await project();
    await p.compile();
    await p.write(
      'node_modules/fake-dep/package.json',
      JSON.stringify({ name: 'fake-dep', version: '1.1.0', main: 'index.js' }),
    );
    expect((await p.compile()).compiled).toBe(true);
  });

  it('compiles again when the output was deleted (temp cleaners)', async () => {
    const p = await project();
    const first = await p.compile();
    await rm(first.outputFile);
    const second = await p.compile();
    expect(second).toEqual({ ...first, compiled: true });
    expect(await readFile(second.outputFile, 'utf8')).toContain('"v1"');
  });

  it('leaves no temporary files behind', async () => {
    const p = await project();
    await p.compile();
    await p.write('helper.ts', 'export const helper: string = "v2";\n');
    await p.compile();
    const files = await readdir(path.join(p.cacheDir, 'code-locations'));
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(1);
  });

  it('refuses a cache directory that others can write to', async () => {
    const p = await project();
    await p.compile();
    await chmod(path.join(p.cacheDir, 'code-locations'), 0o777);
    const error = await p.compile().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodeLocationError);
    expect((error as CodeLocationError).message).toMatch(/is not private to this user.*set RUNYARD_CACHE_DIR/);
  });
});
