import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSystemIOManager, OutputNotFoundError, OutputNotSerializableError } from './fs-io-manager.js';

let dir: string;
let io: FileSystemIOManager;
const key = { runId: 'run-1', stepKey: 'extract' };

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'runyard-fs-io-'));
  io = new FileSystemIOManager(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileSystemIOManager', () => {
  it('stores each output as a JSON file at <baseDir>/<runId>/<stepKey>.json and loads it back', async () => {
    const value = { rows: [1, 2.5, -3], name: 'ü ✓', nested: { ok: true, none: null }, empty: [] };
    await io.storeOutput(key, value);
    const file = path.join(dir, 'run-1', 'extract.json');
    expect(io.fileFor(key)).toBe(file);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ format: 1, value });
    expect(await io.loadOutput(key)).toEqual(value);
    expect(await io.hasOutput(key)).toBe(true);
    // The write went through a temporary file that is gone now.
    expect(await readdir(path.join(dir, 'run-1'))).toEqual(['extract.json']);
  });

  it('stores primitives, null and undefined (as a marker)', async () => {
    for (const [i, value] of ['text', 0, -1.5, true, false, null, undefined].entries()) {
      const k = { runId: 'run-1', stepKey: `s${i}` };
      await io.storeOutput(k, value);
      expect(await io.hasOutput(k)).toBe(true);
      expect(await io.loadOutput(k)).toBe(value);
    }
    expect(JSON.parse(await readFile(io.fileFor({ runId: 'run-1', stepKey: 's6' }), 'utf8'))).toEqual({
      format: 1,
      undefined: true,
    });
  });

  it('drops undefined object properties, as reading them gives undefined anyway', async () => {
    await io.storeOutput(key, { a: 1, b: undefined });
    expect(await io.loadOutput(key)).toEqual({ a: 1 });
  });

  it('replaces an output atomically when it is stored again', async () => {
    await io.storeOutput(key, 'first');
    await Promise.all([io.storeOutput(key, 'second'), io.storeOutput(key, 'third')]);
    expect(['second', 'third']).toContain(await io.loadOutput(key));
    expect(await readdir(path.join(dir, 'run-1'))).toEqual(['extract.json']);
  });

  it('fails to load a missing output with an error naming the run and the step', async () => {
    expect(await io.hasOutput(key)).toBe(false);
    const error = await Promise.resolve(io.loadOutput(key)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputNotFoundError);
    expect((error as Error).message).toBe(
      `no stored output for step 'extract' of run run-1 (looked for ${path.join(dir, 'run-1', 'extract.json')})`,
    );
    expect((error as OutputNotFoundError).data).toMatchObject({ runId: 'run-1', stepKey: 'extract' });
  });

  it('refuses a file that is not one of its outputs', async () => {
    await io.storeOutput(key, 1);
    await writeFile(io.fileFor(key), '{"value": 1}');
    await expect(io.loadOutput(key)).rejects.toThrow(
      "the stored output of step 'extract' of run run-1 has an unknown format",
    );
    await writeFile(io.fileFor(key), '{"format":1,');
    await expect(io.loadOutput(key)).rejects.toThrow(
      "the stored output of step 'extract' of run run-1 is not valid JSON",
    );
  });

  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  const shared = { n: 1 };
  const holey: number[] = [];
  holey[0] = 1;
  holey[2] = 3;

  it.each([
    ['a function', () => 1, 'a function at $'],
    ['a function property', { run: () => 1 }, 'a function at $.run'],
    ['a BigInt', { big: 10n }, 'a BigInt (convert it to a string or a number) at $.big'],
    ['a symbol', [Symbol('s')], 'a symbol at $[0]'],
    ['NaN', { n: Number.NaN }, 'NaN (JSON would write null) at $.n'],
    ['Infinity', [1, Number.POSITIVE_INFINITY], 'Infinity (JSON would write null) at $[1]'],
    ['undefined in an array', [1, undefined], 'undefined (JSON would write null) at $[1]'],
    ['an empty array slot', holey, 'an empty array slot (JSON would write null) at $[1]'],
    ['a cycle', cyclic, 'a circular reference at $.self'],
    ['a Date', { when: new Date(0) }, 'a Date (store date.toISOString() instead) at $.when'],
    ['a Map', { m: new Map() }, 'a Map (store Object.fromEntries(map) or [...map] instead) at $.m'],
    ['a Set', new Set([1]), 'a Set (store [...set] instead) at $'],
    [
      'a class instance',
      { 'a point': new Point(1, 2) },
      'an instance of Point (it would come back as a plain object, without its class) at $["a point"]',
    ],
    ['an Error', { e: new Error('x') }, 'an Error at $.e'],
    [
      'a Buffer',
      Buffer.from('hi'),
      'an instance of Buffer (it would come back as a plain object, without its class) at $',
    ],
  ])('refuses %s, naming the step and where in the value, and writes nothing', async (_what, value, problem) => {
    const error = await io.storeOutput(key, value).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputNotSerializableError);
    expect((error as Error).message).toBe(
      `the output of step 'extract' cannot be stored as JSON: ${problem}; outputs must be plain objects, arrays, strings, finite numbers, booleans, null or undefined`,
    );
    expect(await io.hasOutput(key)).toBe(false);
  });

  it('accepts the same object twice in one value (not a cycle) and objects without a prototype', async () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    await io.storeOutput(key, { left: shared, right: shared, bare });
    expect(await io.loadOutput(key)).toEqual({ left: { n: 1 }, right: { n: 1 }, bare: { a: 1 } });
  });

  it('refuses run ids and step keys that would leave its directory', async () => {
    for (const bad of ['..', '.', 'a/b', 'a\\b', '']) {
      await expect(io.storeOutput({ runId: bad, stepKey: 's' }, 1)).rejects.toThrow('as a run id in a file name');
      await expect(io.storeOutput({ runId: 'r', stepKey: bad }, 1)).rejects.toThrow('as a step key in a file name');
    }
  });

  it('is rebuilt from its child config, and forHome keeps outputs under <home>/outputs', async () => {
    const config = io.toChildConfig();
    expect(config).toEqual({ class: 'FileSystemIOManager', config: { baseDir: dir } });
    await io.storeOutput(key, { a: 1 });
    const rebuilt = FileSystemIOManager.fromChildConfig(JSON.parse(JSON.stringify(config.config)));
    expect(await rebuilt.loadOutput(key)).toEqual({ a: 1 });
    expect(() => FileSystemIOManager.fromChildConfig({ baseDir: 'relative' })).toThrow(
      'expected { baseDir: <absolute path> }',
    );
    expect(FileSystemIOManager.forHome('/srv/home').baseDir).toBe(path.join('/srv/home', 'outputs'));
  });

  it('removes the outputs of a run', async () => {
    await io.storeOutput(key, 1);
    await io.storeOutput({ runId: 'run-2', stepKey: 'x' }, 2);
    await io.removeRun('run-1');
    expect(await io.hasOutput(key)).toBe(false);
    expect(await io.loadOutput({ runId: 'run-2', stepKey: 'x' })).toBe(2);
  });
});
