import type { RunRecord, WorkerRef } from '../runs/run-record.js';
import type {
  LauncherCapabilities,
  LaunchRunContext,
  ResumeRunContext,
  RunLauncher,
  TerminateContext,
  TerminateResult,
  WorkerHealth,
} from './run-launcher.js';

/**
 * Defaults for the optional parts of a launcher, so that a capability added later does not break
 * launchers written against an older version. A custom launcher needs `launchRun` and `terminate`:
 *
 *   export class SshRunLauncher extends BaseRunLauncher {
 *     async launchRun(ctx) { const pid = await startOverSsh(ctx.worker); return { launcher: 'SshRunLauncher', pid }; }
 *     async terminate(ctx) { … }
 *   }
 */
export abstract class BaseRunLauncher implements RunLauncher {
  get capabilities(): LauncherCapabilities {
    return { healthCheck: false, resume: false, debugInfo: false };
  }

  abstract launchRun(ctx: LaunchRunContext): Promise<WorkerRef>;
  abstract terminate(ctx: TerminateContext): Promise<TerminateResult>;

  async checkRunWorkerHealth(_run: RunRecord): Promise<WorkerHealth> {
    return { status: 'UNKNOWN', reason: `${this.constructor.name} cannot check worker health` };
  }

  async resumeRun(_ctx: ResumeRunContext): Promise<WorkerRef> {
    throw new Error(`${this.constructor.name} cannot resume runs`);
  }

  async debugInfo(_run: RunRecord): Promise<string | undefined> {
    return undefined;
  }

  /** A launcher whose workers write the local compute-log files has nothing more to say. */
  async readWorkerOutput(_run: RunRecord, _stream: 'stdout' | 'stderr'): Promise<string | undefined> {
    return undefined;
  }

  async dispose(): Promise<void> {}
}
