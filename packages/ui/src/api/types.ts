/**
 * The shapes of docs/http-api.md, as the web app sees them. Kept in one file so a change of the
 * contract is one diff here; the server owns the truth.
 */

export const RUN_STATUSES = [
  'NOT_STARTED',
  'QUEUED',
  'STARTING',
  'STARTED',
  'SUCCESS',
  'FAILURE',
  'CANCELING',
  'CANCELED',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
  cause?: ErrorInfo;
  data?: Record<string, unknown>;
}

export interface Run {
  runId: string;
  jobName: string;
  status: RunStatus;
  runConfig: unknown;
  tags: Record<string, string>;
  origin: { codeLocation?: string | null; source?: string } & Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  startTime?: number | null;
  endTime?: number | null;
  parentRunId?: string | null;
  rootRunId?: string | null;
  worker?: Record<string, unknown> | null;
  statusReason?: string | null;
  workerHeartbeatAt?: number | null;
}

export const LOG_LEVELS = ['debug', 'info', 'warning', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface RunEvent {
  id: number;
  runId: string;
  type: string;
  timestamp: number;
  level: LogLevel;
  stepKey?: string | null;
  message: string;
  data?: Record<string, unknown> | null;
  error?: ErrorInfo | null;
}

/** NOT_STARTED: planned, never started; CANCELED, ABANDONED: still running when the run ended (see endReason). */
export type StepStatus =
  | 'PENDING'
  | 'NOT_STARTED'
  | 'RUNNING'
  | 'SUCCESS'
  | 'FAILURE'
  | 'SKIPPED'
  | 'UP_FOR_RETRY'
  | 'CANCELED'
  | 'ABANDONED';

export interface StepSummary {
  stepKey: string;
  status: StepStatus;
  startTime?: number | null;
  endTime?: number | null;
  attempts: number;
  error?: ErrorInfo | null;
  /** Why a step that was running when the run ended was ended with it. */
  endReason?: string | null;
}

export interface JobStep {
  key: string;
  op: string;
  description?: string;
  upstream: string[];
  inputs: Record<string, string | string[]>;
  configSchema?: unknown;
  /** For a step inside map(): the step whose list it runs once per item of. */
  mappedOver?: string;
}

export interface Job {
  name: string;
  description?: string;
  tags: Record<string, string>;
  executor: { type: string; maxConcurrent?: number; maxStepsPerProcess?: number };
  steps: JobStep[];
  defaultRunConfig: unknown;
  runConfigTemplate: string;
}

export type TickStatus = 'STARTED' | 'SUCCESS' | 'SKIPPED' | 'FAILURE';

export interface Tick {
  id: number | string;
  scheduleName: string;
  tickAt: number;
  status: TickStatus;
  runIds: string[];
  skipReason?: string | null;
  error?: ErrorInfo | string | null;
}

export interface Schedule {
  name: string;
  jobName: string;
  cron: string;
  timezone: string;
  description?: string;
  status: 'RUNNING' | 'STOPPED';
  nextTickAt?: number | null;
  lastTickAt?: number | null;
  recentTicks: Tick[];
}

export interface ConfigIssue {
  path: string | (string | number)[];
  message: string;
  line?: number;
  /** For a step-selection issue (`path: 'selection'`): the term it is about. */
  term?: string;
}

export interface DaemonHeartbeat {
  type: string;
  daemonId: string;
  lastHeartbeatAt: number | null;
  lastHeartbeatAgeMs: number | null;
  healthy: boolean;
  latestError?: ErrorInfo | string | null;
  errorCount?: number;
}

export interface DaemonStatus {
  lease: Record<string, unknown> | null;
  daemons: DaemonHeartbeat[];
}

/** The instance description is informative only, so the page renders whatever keys it has. */
export type InstanceInfo = Record<string, unknown>;

export interface RunFilters {
  statuses: RunStatus[];
  job?: string;
  /** `key=value` pairs; all must match. */
  tags: string[];
  /** The first characters of a run id. */
  id?: string;
  /** Created on or after this day, `YYYY-MM-DD` in the browser's timezone. */
  from?: string;
  /** Created on or before this day, `YYYY-MM-DD` in the browser's timezone. */
  to?: string;
}

export interface RunsPage {
  runs: Run[];
  nextCursor: string | null;
}

export interface RunCounts {
  total: number;
  byStatus: Partial<Record<RunStatus, number>>;
}

export interface TerminateResult {
  status: RunStatus;
  terminated: boolean;
  escalated: boolean;
  detail?: string;
}

export interface LaunchRequest {
  job: string;
  runConfigYaml?: string;
  runConfig?: unknown;
  tags?: Record<string, string>;
  /** Run only these steps (docs/step-selection.md). */
  selection?: string;
  /** With `selection`: the run the steps outside it read their outputs from. */
  fromRun?: string;
}

export interface ValidateResponse {
  valid: boolean;
  issues: ConfigIssue[];
  /** The steps a selection picks (absent without one, or when it does not resolve). */
  selectedSteps?: string[];
}

/** A variable a named launcher declares (runyard.yaml `runLaunchers.launchers.<name>.variables`). */
export interface LauncherVariable {
  type: 'string' | 'number' | 'boolean';
  default: string | number | boolean;
  allowed?: Array<string | number | boolean>;
  min?: number;
  max?: number;
  description?: string;
}

/** One launcher a job may use. */
export interface LauncherChoice {
  name: string;
  class: string;
  isDefault: boolean;
  variables: Record<string, LauncherVariable>;
}

/** GET /api/jobs/:name/launchers */
export interface JobLaunchers {
  /** Where a run of the job goes unless it picks another. */
  default: string;
  defaultFrom: 'instance' | 'codeLocation' | 'job';
  launchers: LauncherChoice[];
}
