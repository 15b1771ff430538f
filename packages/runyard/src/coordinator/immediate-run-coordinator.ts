import type { RunRecord } from '../runs/run-record.js';
import type { RunCoordinator, SubmitRunContext } from './run-coordinator.js';

/** Launches every submitted run at once, with no limits: the default. */
export class ImmediateRunCoordinator implements RunCoordinator {
  submitRun(ctx: SubmitRunContext): Promise<RunRecord> {
    return ctx.launchRun(ctx.run.runId);
  }

  toConfig() {
    return { class: 'ImmediateRunCoordinator' };
  }
}
