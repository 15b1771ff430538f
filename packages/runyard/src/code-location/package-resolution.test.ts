import { mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from './__fixtures__/child-process-loader.js';
import { exportsTarget, parsePackageSpecifier, resolvePackage } from './package-resolution.js';

describe('parsePackageSpecifier', () => {
  it.each([
    ['zod', { name: 'zod', subpath: '.' }],
    ['zod/mini', { name: 'zod', subpath: './mini' }],
    ['@scope/pkg', { name: '@scope/pkg', subpath: '.' }],
    ['@scope/pkg/a/b', { name: '@scope/pkg', subpath: './a/b' }],
  ])('%s', (specifier, expected) => {
    expect(parsePackageSpecifier(specifier)).toEqual(expected);
  });
});

describe('exportsTarget (with the conditions of import)', () => {
  it.each([
    ['a string', './index.js', '.', './index.js'],
    ['conditions, in their own order', { require: './c.cjs', import: './e.js' }, '.', './e.js'],
    ['nested conditions', { node: { types: './i.d.ts', import: './n.js' }, default: './d.js' }, '.', './n.js'],
    ['default when nothing else matches', { browser: './b.js', default: './d.js' }, '.', './d.js'],
    ['nothing for a require-only package', { require: './c.cjs' }, '.', undefined],
    ['the first usable alternative', ['not-relative', { import: './a.js' }], '.', './a.js'],
    ['a subpath', { '.': './i.js', './mini': { import: './mini.js' } }, './mini', './mini.js'],
    ['nothing for an unexported subpath', { '.': './i.js' }, './other', undefined],
    ['a pattern', { './features/*': './dist/features/*.js' }, './features/a/b', './dist/features/a/b.js'],
    ['the longest pattern', { './*': './any/*.js', './internal/*': null }, './internal/x', undefined],
  ])('%s', (_name, exports, subpath, expected) => {
    expect(exportsTarget(exports, subpath)).toBe(expected);
  });
});

describe('resolvePackage', () => {
  let root: string;

  beforeAll(async () => {
    root = await realpath(await makeTempDir('runyard-resolve-'));
    const write = async (file: string, content: string) => {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await writeFile(path.join(root, file), content);
    };
    // A dual package: require would pick the CommonJS copy, import the ES module.
    await write(
      'node_modules/dual/package.json',
      JSON.stringify({
        name: 'dual',
        exports: { '.': { require: './index.cjs', import: './index.mjs' }, './sub': './sub.js' },
      }),
    );
    await write('node_modules/dual/index.cjs', '');
    await write('node_modules/dual/index.mjs', '');
    await write('node_modules/dual/sub.js', '');
    await write('node_modules/@scope/legacy/package.json', JSON.stringify({ name: '@scope/legacy', main: 'lib/main' }));
    await write('node_modules/@scope/legacy/lib/main.js', '');
    await mkdir(path.join(root, 'app/src'), { recursive: true });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('picks the ES module of a dual package, from a directory below node_modules', () => {
    expect(resolvePackage('dual', path.join(root, 'app/src'))).toEqual({
      found: true,
      file: path.join(root, 'node_modules/dual/index.mjs'),
    });
    expect(resolvePackage('dual/sub', root)).toEqual({
      found: true,
      file: path.join(root, 'node_modules/dual/sub.js'),
    });
  });

  it('falls back to main without exports', () => {
    expect(resolvePackage('@scope/legacy', root)).toEqual({
      found: true,
      file: path.join(root, 'node_modules/@scope/legacy/lib/main.js'),
    });
  });

  it('tells a package that is not installed from a subpath that is not exported', () => {
    expect(resolvePackage('absent', root)).toEqual({ found: false, reason: 'not-installed', packageName: 'absent' });
    expect(resolvePackage('dual/hidden', root)).toEqual({ found: false, reason: 'not-exported', packageName: 'dual' });
  });
});
