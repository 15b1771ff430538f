import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeLocation } from '../../../code-location/load-code-location.js';
import type { Definitions } from '../../../definitions/definitions.js';
import { JobNotFoundError } from '../../../errors.js';
import { Instance } from '../../../instance/instance.js';

const COORDINATOR = fileURLToPath(new URL('./queueing-run-coordinator.mjs', import.meta.url));

/**
 * A temp home whose runs are queued and never launched (see queueing-run-coordinator.mjs), and a
 * way to open instances on it; `cleanup` disposes them all and removes the home.
 */
export function queueingHome(extraYaml = ''): {
  home: string;
  open(): Promise<Instance>;
  cleanup(): Promise<void>;
} {
  const home = mkdtempSync(path.join(tmpdir(), 'runyard-sched-'));
  writeFileSync(
    path.join(home, 'runyard.yaml'),
    `runCoordinator:\n  module: ${JSON.stringify(COORDINATOR)}\n  class: QueueingRunCoordinator\n${extraYaml}`,
  );
  const opened: Instance[] = [];
  return {
    home,
    async open() {
      const instance = await Instance.open({ home });
      opened.push(instance);
      return instance;
    },
    async cleanup() {
      for (const instance of opened.splice(0)) await instance.dispose();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A code location made in memory, as loadCodeLocation would return it. */
export function memoryLocation(target: string, definitions: Definitions): CodeLocation {
  return Object.freeze({
    target,
    path: target,
    definitions,
    getJob(name: string) {
      const job = definitions.jobs.get(name);
      if (!job) throw new JobNotFoundError(name, [...definitions.jobs.keys()], target);
      return job;
    },
  });
}
