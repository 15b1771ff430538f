import { describe, expect, it } from 'vitest';
import { chooseSqliteDriver, loadSqliteDriver } from './sqlite-driver.js';

const notFound = (id: string) => Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });

describe('the SQLite driver for each Node', () => {
  const installed = (packages: readonly string[]) => (id: string) => {
    if (!packages.includes(id)) throw notFound(id);
    return { id };
  };

  it('uses better-sqlite3 12 on Node 20 and 13 from Node 22', () => {
    const both = installed(['better-sqlite3', 'better-sqlite3-napi']);
    expect(chooseSqliteDriver(20, both).packageName).toBe('better-sqlite3');
    expect(chooseSqliteDriver(22, both).packageName).toBe('better-sqlite3-napi');
    expect(chooseSqliteDriver(24, both).packageName).toBe('better-sqlite3-napi');
  });

  it('falls back to 12 on Node 22 without the optional package, but refuses on Node 24, saying why', () => {
    const only12 = installed(['better-sqlite3']);
    expect(chooseSqliteDriver(22, only12).packageName).toBe('better-sqlite3');
    expect(() => chooseSqliteDriver(24, only12)).toThrow(
      /needs the package 'better-sqlite3-napi' \(better-sqlite3 13\) on Node 24; reinstall runyard/,
    );
  });

  it('loads a working driver on this Node', () => {
    const { Database, packageName } = loadSqliteDriver();
    const major = Number(process.versions.node.split('.')[0]);
    expect(packageName).toBe(major >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3');
    const db = new Database(':memory:');
    expect(db.prepare('select 1 + 1 as two').get()).toEqual({ two: 2 });
    db.close();
  });
});
