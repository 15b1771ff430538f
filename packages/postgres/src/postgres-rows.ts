import type {
  DaemonHeartbeat,
  ErrorInfo,
  Lease,
  LogLevel,
  RunEvent,
  RunEventType,
  RunOrigin,
  RunRecord,
  RunStatus,
  ScheduleState,
  ScheduleStatus,
  TickRecord,
  TickStatus,
  WorkerRef,
} from 'runyard';
import { decodeText } from './postgres-text.js';

/*
 * Rows as pg returns them (json columns already parsed, bigints as numbers: see
 * postgres-database.ts), and their mapping to records. Optional fields are NULL in the row and
 * absent (not `undefined`) in the record, so records compare equal however they were produced.
 */

export interface RunRow {
  readonly id: number;
  readonly run_id: string;
  readonly job_name: string;
  readonly status: string;
  readonly run_config: Record<string, unknown>;
  readonly tags: Record<string, string>;
  readonly origin: RunOrigin;
  readonly created_at: number;
  readonly updated_at: number;
  readonly start_time: number | null;
  readonly end_time: number | null;
  readonly parent_run_id: string | null;
  readonly root_run_id: string | null;
  readonly worker: WorkerRef | null;
  readonly status_reason: string | null;
  readonly worker_heartbeat_at: number | null;
}

export interface EventRow {
  readonly id: number;
  readonly run_id: string;
  readonly type: string;
  readonly event_time: number;
  readonly level: string;
  readonly step_key: string | null;
  readonly message: string;
  readonly data: Record<string, unknown> | null;
  readonly error: ErrorInfo | null;
}

export interface ScheduleStateRow {
  readonly name: string;
  readonly status: string;
  readonly last_tick_at: number | null;
  readonly code_location: string | null;
  readonly updated_at: number;
}

export interface TickRow {
  readonly id: number;
  readonly schedule_name: string;
  readonly tick_at: number;
  readonly status: string;
  readonly run_ids: string[];
  readonly skip_reason: string | null;
  readonly error: string | null;
  readonly created_at: number;
  readonly updated_at: number;
}

export interface HeartbeatRow {
  readonly daemon_type: string;
  readonly daemon_id: string;
  readonly timestamp: number;
  readonly errors: ErrorInfo[];
}

export interface LeaseRow {
  readonly name: string;
  readonly holder: string;
  readonly expires_at: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A json parameter. Always stringified here: pg would turn a JavaScript array into a PostgreSQL
 * array literal, not JSON.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** JSON for an optional column: NULL stands for "absent". */
export function toJsonOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

export function toRunRecord(row: RunRow): RunRecord {
  const run: Mutable<RunRecord> = {
    runId: row.run_id,
    jobName: row.job_name,
    status: row.status as RunStatus,
    runConfig: row.run_config,
    tags: row.tags,
    origin: row.origin,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.start_time !== null) run.startTime = row.start_time;
  if (row.end_time !== null) run.endTime = row.end_time;
  if (row.parent_run_id !== null) run.parentRunId = row.parent_run_id;
  if (row.root_run_id !== null) run.rootRunId = row.root_run_id;
  if (row.worker !== null) run.worker = row.worker;
  if (row.status_reason !== null) run.statusReason = decodeText(row.status_reason);
  if (row.worker_heartbeat_at !== null) run.workerHeartbeatAt = row.worker_heartbeat_at;
  return run;
}

export function toRunEvent(row: EventRow): RunEvent {
  const event: Mutable<RunEvent> = {
    id: row.id,
    runId: row.run_id,
    type: row.type as RunEventType,
    timestamp: row.event_time,
    level: row.level as LogLevel,
    message: decodeText(row.message),
  };
  if (row.step_key !== null) event.stepKey = decodeText(row.step_key);
  if (row.data !== null) event.data = row.data;
  if (row.error !== null) event.error = row.error;
  return event;
}

export function toScheduleState(row: ScheduleStateRow): ScheduleState {
  const state: Mutable<ScheduleState> = {
    name: row.name,
    status: row.status as ScheduleStatus,
    updatedAt: row.updated_at,
  };
  if (row.last_tick_at !== null) state.lastTickAt = row.last_tick_at;
  if (row.code_location !== null) state.codeLocation = row.code_location;
  return state;
}

export function toTickRecord(row: TickRow): TickRecord {
  const tick: Mutable<TickRecord> = {
    id: row.id,
    scheduleName: row.schedule_name,
    tickAt: row.tick_at,
    status: row.status as TickStatus,
    runIds: row.run_ids,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.skip_reason !== null) tick.skipReason = row.skip_reason;
  if (row.error !== null) tick.error = row.error;
  return tick;
}

export function toHeartbeat(row: HeartbeatRow): DaemonHeartbeat {
  return { daemonType: row.daemon_type, daemonId: row.daemon_id, timestamp: row.timestamp, errors: row.errors };
}

export function toLease(row: LeaseRow): Lease {
  return { name: row.name, holder: row.holder, expiresAt: row.expires_at };
}
