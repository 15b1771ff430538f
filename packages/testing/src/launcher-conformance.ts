import { afterAll, beforeAll, describe } from 'vitest';
import { lifecycleCases } from './launcher-conformance/lifecycle.js';
import {
  Harness,
  type LauncherConformanceOptions,
  type LauncherConformanceSetup,
} from './launcher-conformance/support.js';
import { terminationCases } from './launcher-conformance/termination.js';
import { workerCases } from './launcher-conformance/workers.js';

export {
  CONFORMANCE_JOBS,
  type LauncherConformanceOptions,
  type LauncherConformanceSetup,
} from './launcher-conformance/support.js';

/**
 * The lifecycle every run launcher must get right, against real workers: success, failure,
 * crashes, SIGKILL mid-run, terminate (polite, escalated, forced, twice, finished), refused and
 * duplicate launches, a launcher that throws, and resume where declared.
 *
 *   runLauncherConformance('ProcessRunLauncher', async () => ({ instance, killWorker, workerAlive }));
 */
export function runLauncherConformance(
  name: string,
  setup: () => Promise<LauncherConformanceSetup>,
  options: LauncherConformanceOptions = {},
): void {
  describe(`run launcher conformance: ${name}`, () => {
    let harness: Harness | undefined;
    const h = () => {
      if (!harness) throw new Error('the conformance setup failed; see the beforeAll error');
      return harness;
    };
    beforeAll(async () => {
      harness = await Harness.create(await setup(), options);
    });
    afterAll(async () => {
      await harness?.setup.cleanup?.();
    });
    lifecycleCases(h, { multiprocess: options.multiprocess ?? true });
    terminationCases(h);
    workerCases(h);
  });
}
