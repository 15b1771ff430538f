import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * The package name under which better-sqlite3 13 is installed beside 12 (an npm alias, an
 * optional dependency). 13 is built on node-addon-api and ships prebuilt binaries; 12 uses raw
 * ObjectWrap, whose Statement destructor aborts the process when Node 24 collects it after the
 * environment is gone (`RemoveEnvironmentCleanupHook: (env) != nullptr`). 13 needs Node 22 and
 * crashes on 20, so each Node gets the major that works there, behind the same API.
 */
export const NAPI_DRIVER_PACKAGE = 'better-sqlite3-napi';

const FIRST_NODE_FOR_NAPI_DRIVER = 22;

export interface SqliteDriver {
  readonly Database: typeof BetterSqlite3;
  /** Which package it came from: `better-sqlite3` (12) or `better-sqlite3-napi` (13). */
  readonly packageName: string;
}

let loaded: SqliteDriver | undefined;

/**
 * better-sqlite3's Database class for this Node: 13 from Node 22 on, 12 on Node 20. Loaded with
 * require(): it is CommonJS, and import() would build an ESM wrapper around it, a few ms of every
 * process's startup.
 */
export function loadSqliteDriver(): SqliteDriver {
  loaded ??= chooseSqliteDriver(Number(process.versions.node.split('.')[0]), createRequire(import.meta.url));
  return loaded;
}

/**
 * The choice itself, for a given Node major and module loader. On Node 22 and 23 a missing 13
 * falls back to 12 (which works there); on 24 and later it is an error that says how to fix it,
 * since 12 would abort the process at some later garbage collection.
 */
export function chooseSqliteDriver(nodeMajor: number, require: (id: string) => unknown): SqliteDriver {
  if (nodeMajor >= FIRST_NODE_FOR_NAPI_DRIVER) {
    try {
      return { Database: require(NAPI_DRIVER_PACKAGE) as typeof BetterSqlite3, packageName: NAPI_DRIVER_PACKAGE };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || nodeMajor >= 24)
        throw new Error(
          `Runyard's SQLite storage needs the package '${NAPI_DRIVER_PACKAGE}' (better-sqlite3 13) on Node ${nodeMajor}; reinstall runyard with npm running on this Node: ${(error as Error).message.split('\n')[0]}`,
          { cause: error },
        );
    }
  }
  return { Database: require('better-sqlite3') as typeof BetterSqlite3, packageName: 'better-sqlite3' };
}
