import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CodeLocation,
  type Instance,
  loadCodeLocation,
  type RunEvent,
  type RunRecord,
  type RunStatus,
} from 'runyard';

/** The code location the suite launches: packages/testing/fixtures/conformance-jobs.ts. */
export const CONFORMANCE_JOBS = fileURLToPath(new URL('../../fixtures/conformance-jobs.ts', import.meta.url));

/** What the launcher conformance suite needs: a factory of the launcher under test and of its instance. */
export interface LauncherConformanceSetup {
  /** An instance whose run launcher is the one under test. */
  readonly instance: Instance;
  /** The conformance code location as the worker sees it (a container may mount it elsewhere). */
  readonly codeLocation?: string;
  /** A directory both the test and the worker can read and write (for marker files). */
  readonly scratchDir?: string;
  /** Kills the run's worker abruptly, as a crash would (SIGKILL, `docker kill`, …). */
  killWorker(run: RunRecord): Promise<void>;
  /** True while any part of the run's worker still runs (its processes, container, pod …). */
  workerAlive(run: RunRecord): Promise<boolean>;
  cleanup?(): Promise<void>;
}

/** Which parts of the launcher conformance suite apply (resume, health checks …) and its timeouts. */
export interface LauncherConformanceOptions {
  /** Run the multiprocess-executor cases (default true). */
  readonly multiprocess?: boolean;
  /** How long any one wait may take before the test fails with a diagnosis (default 30 s). */
  readonly timeoutMs?: number;
}

export class Harness {
  readonly #location: CodeLocation;
  readonly workerLocation: string;
  readonly timeoutMs: number;

  private constructor(
    readonly setup: LauncherConformanceSetup,
    location: CodeLocation,
    timeoutMs: number,
  ) {
    this.#location = location;
    this.workerLocation = setup.codeLocation ?? location.path;
    this.timeoutMs = timeoutMs;
  }

  static async create(setup: LauncherConformanceSetup, options: LauncherConformanceOptions): Promise<Harness> {
    return new Harness(setup, await loadCodeLocation(CONFORMANCE_JOBS), options.timeoutMs ?? 30_000);
  }

  get instance(): Instance {
    return this.setup.instance;
  }

  /** A fresh directory for one test's marker files. */
  scratch(): string {
    const base = this.setup.scratchDir ?? tmpdir();
    return mkdtempSync(path.join(base, 'conformance-'));
  }

  /** Submits a run of a conformance job through the instance (coordinator, then launcher). */
  submit(jobName: string, stepConfigs: Record<string, unknown> = {}): Promise<RunRecord> {
    const ops = Object.fromEntries(Object.entries(stepConfigs).map(([step, config]) => [step, { config }]));
    return this.instance.submitJobRun({
      job: this.#location.getJob(jobName),
      codeLocation: this.workerLocation,
      source: 'api',
      runConfig: { ops },
    });
  }

  /** Creates a run in NOT_STARTED without submitting it. */
  createRun(jobName: string, stepConfigs: Record<string, unknown> = {}): Promise<RunRecord> {
    const ops = Object.fromEntries(Object.entries(stepConfigs).map(([step, config]) => [step, { config }]));
    return this.instance.storage.runs.createRun({
      jobName,
      runConfig: { ops },
      origin: { codeLocation: this.workerLocation, source: 'api' },
    });
  }

  async run(runId: string): Promise<RunRecord> {
    const run = await this.instance.storage.runs.getRun(runId);
    if (!run) throw new Error(`run ${runId} is gone`);
    return run;
  }

  events(runId: string): Promise<RunEvent[]> {
    return this.instance.storage.events.getEvents(runId);
  }

  async waitForStatus(runId: string, statuses: readonly RunStatus[]): Promise<RunRecord> {
    let run: RunRecord | undefined;
    await this.waitUntil(
      `run ${runId} to be ${statuses.join(' or ')}`,
      async () => {
        run = await this.run(runId);
        return statuses.includes(run.status);
      },
      async () => `it is ${run?.status}; ${await this.#describe(runId)}`,
    );
    return run as RunRecord;
  }

  async waitForEvent(runId: string, what: string, predicate: (e: RunEvent) => boolean): Promise<RunEvent> {
    let found: RunEvent | undefined;
    await this.waitUntil(
      what,
      async () => {
        found = (await this.events(runId)).find(predicate);
        return found !== undefined;
      },
      () => this.#describe(runId),
    );
    return found as RunEvent;
  }

  waitForFile(file: string, runId: string): Promise<void> {
    return this.waitUntil(
      `${path.basename(file)} to appear`,
      async () => existsSync(file),
      () => this.#describe(runId),
    );
  }

  async waitForWorkerGone(run: RunRecord): Promise<void> {
    const latest = await this.run(run.runId);
    await this.waitUntil(
      `the worker of run ${run.runId} to be gone`,
      () => this.setup.workerAlive(latest),
      () => this.#describe(run.runId),
      true,
    );
  }

  /** Polls `check` until it holds (or, with `negate`, until it stops holding). */
  async waitUntil(
    what: string,
    check: () => Promise<boolean>,
    explain: () => Promise<string> | string,
    negate = false,
  ): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    while ((await check()) === negate) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${await explain()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async #describe(runId: string): Promise<string> {
    const events = await this.events(runId).catch(() => []);
    return `events so far:\n${events.map((e) => `  ${e.type}${e.stepKey ? ` ${e.stepKey}` : ''}: ${e.message}`).join('\n')}`;
  }
}

/** The run-level and step event types in order, for comparing lifecycles. */
export function lifecycle(events: readonly RunEvent[]): string[] {
  return events
    .filter(
      (e) =>
        e.type.startsWith('RUN_') || e.type === 'STEP_START' || e.type === 'STEP_SUCCESS' || e.type === 'STEP_FAILURE',
    )
    .map((e) => (e.stepKey ? `${e.type}:${e.stepKey}` : e.type));
}
