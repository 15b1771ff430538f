import { mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeLocationError } from '../errors.js';
import { makeTempDir } from './__fixtures__/child-process-loader.js';
import { resolveCodeLocationTarget } from './code-location-target.js';

let cwd: string;

beforeAll(async () => {
  cwd = await realpath(await makeTempDir('runyard-target-'));
  const write = async (file: string, content: string) => {
    await mkdir(path.dirname(path.join(cwd, file)), { recursive: true });
    await writeFile(path.join(cwd, file), content);
  };
  await write('jobs/etl.ts', '');
  await write('settings.json', '{}');
  await write(
    'node_modules/pipelines/package.json',
    JSON.stringify({ name: 'pipelines', exports: { '.': './index.js', './data': './data.json' } }),
  );
  await write('node_modules/pipelines/index.js', '');
  await write('node_modules/pipelines/data.json', '{}');
});

afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function errorFor(target: string): string {
  try {
    resolveCodeLocationTarget(target, cwd);
  } catch (error) {
    expect(error).toBeInstanceOf(CodeLocationError);
    return (error as Error).message;
  }
  throw new Error(`expected '${target}' to be refused`);
}

describe('resolveCodeLocationTarget', () => {
  it('takes a path with a known extension, with or without ./, or a file: URL', () => {
    const file = path.join(cwd, 'jobs/etl.ts');
    expect(resolveCodeLocationTarget('jobs/etl.ts', cwd)).toEqual({ file, path: file });
    expect(resolveCodeLocationTarget('./jobs/etl.ts', cwd)).toEqual({ file, path: file });
    expect(resolveCodeLocationTarget(pathToFileURL(file).href, cwd)).toEqual({ file, path: file });
  });

  it('takes any other name as a package, and reports the name as its path', () => {
    expect(resolveCodeLocationTarget('pipelines', cwd)).toEqual({
      file: path.join(cwd, 'node_modules/pipelines/index.js'),
      path: 'pipelines',
    });
  });

  it('refuses what is not a module', () => {
    expect(errorFor('./settings.json')).toBe(
      "code location './settings.json' is not a .ts, .mts, .cts, .tsx, .jsx, .js, .mjs, .cjs file",
    );
    expect(errorFor('pipelines/data')).toBe(
      `code location 'pipelines/data' resolves to ${path.join(cwd, 'node_modules/pipelines/data.json')}, which is not a .ts, .mts, .cts, .tsx, .jsx, .js, .mjs, .cjs file`,
    );
    expect(errorFor(' ')).toBe('no code location given: name a .ts or .js file, or a package');
  });

  it('says why a package name does not resolve', () => {
    expect(errorFor('pipelines/nope')).toBe(
      "code location 'pipelines/nope' was not found: package 'pipelines' does not export './nope'",
    );
    expect(errorFor('@team/jobs')).toMatch(
      /^code location '@team\/jobs' was not found: no package '@team\/jobs' is installed where/,
    );
  });
});
