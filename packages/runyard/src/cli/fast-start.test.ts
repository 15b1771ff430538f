import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { enableCompileCache, isOwnDirectory, parseWorkerCommandLine } from './fast-start.js';

describe('parseWorkerCommandLine', () => {
  it('recognises the command lines launchers give a run worker', () => {
    expect(parseWorkerCommandLine(['worker', 'execute-run', 'abc'])).toEqual({ runId: 'abc', resume: false });
    expect(parseWorkerCommandLine(['worker', 'execute-run', 'abc', '--resume'])).toEqual({
      runId: 'abc',
      resume: true,
    });
    expect(parseWorkerCommandLine(['--home', '/srv/y', 'worker', 'execute-run', 'abc'])).toEqual({
      runId: 'abc',
      resume: false,
      home: '/srv/y',
    });
    expect(parseWorkerCommandLine(['--home=/srv/y', 'worker', 'execute-run', 'abc', '--resume'])).toEqual({
      runId: 'abc',
      resume: true,
      home: '/srv/y',
    });
  });

  it('leaves everything else to commander, help and mistakes included', () => {
    for (const args of [
      [],
      ['worker'],
      ['worker', 'execute-run'],
      ['worker', 'execute-run', '--help'],
      ['worker', 'execute-run', 'abc', '--help'],
      ['worker', 'execute-run', '--resume', 'abc'],
      ['worker', 'execute-run', 'abc', '--resume', '--resume'],
      ['worker', 'execute-run', 'abc', 'extra'],
      ['worker', 'execute-run', 'abc', '--bogus'],
      ['--home', 'worker', 'execute-run', 'abc'],
      ['--home'],
      ['--home='],
      ['--home', '--version', 'worker', 'execute-run', 'abc'],
      ['--version'],
      ['job', 'execute', '-f', 'x.ts', '-j', 'y'],
      ['execute-run', 'worker', 'abc'],
    ]) {
      expect(parseWorkerCommandLine(args), args.join(' ')).toBeUndefined();
    }
  });
});

describe('the compile cache directory', () => {
  let dir: string;
  // POSIX only, like the process launcher and its process groups.
  const uid = process.getuid!();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'runyard-fast-start-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is used when missing, or ours and closed to other users', async () => {
    const own = path.join(dir, 'own');
    await mkdir(own, { mode: 0o755 });
    expect(isOwnDirectory(path.join(dir, 'missing'))).toBe(true);
    expect(isOwnDirectory(own)).toBe(true);
    expect(isOwnDirectory(own, uid + 1)).toBe(false);
    await chmod(own, 0o777);
    expect(isOwnDirectory(own)).toBe(false);
    const file = path.join(dir, 'file');
    await writeFile(file, '');
    expect(isOwnDirectory(file)).toBe(false);
  });

  it('is turned on where Node has the API, unless the default directory belongs to someone else', async () => {
    let enabled = 0;
    const node = { enableCompileCache: () => void enabled++ };
    expect(() => enableCompileCache({}, {})).not.toThrow(); // Node 20: nothing to turn on
    vi.stubEnv('TMPDIR', dir);
    enableCompileCache({}, node); // the default directory does not exist yet: Node creates it
    await mkdir(path.join(dir, 'node-compile-cache'), { mode: 0o777 });
    await chmod(path.join(dir, 'node-compile-cache'), 0o777);
    enableCompileCache({}, node);
    enableCompileCache({ NODE_COMPILE_CACHE: path.join(dir, 'chosen') }, node);
    vi.unstubAllEnvs();
    expect(enabled).toBe(2);
  });
});
