import type { ErrorInfo } from '../../events/error-info.js';
import type { LogLevel, RunEvent, RunEventType } from '../../events/run-event.js';
import type { RunOrigin, RunRecord, WorkerRef } from '../../runs/run-record.js';
import type { RunStatus } from '../../runs/run-status.js';
import type { DaemonHeartbeat, Lease } from '../daemon-storage.js';
import type { ScheduleState, ScheduleStatus, TickRecord, TickStatus } from '../schedule-storage.js';

/*
 * Rows as SQLite returns them, and their mapping to records. Structured values are JSON text;
 * optional fields are NULL in the row and absent (not `undefined`) in the record, so records
 * compare equal however they were produced.
 */

export interface RunRow {
  readonly id: number;
  readonly run_id: string;
  readonly job_name: string;
  readonly status: string;
  readonly run_config: string;
  readonly tags: string;
  readonly origin: string;
  readonly created_at: number;
  readonly updated_at: number;
  readonly start_time: number | null;
  readonly end_time: number | null;
  readonly parent_run_id: string | null;
  readonly root_run_id: string | null;
  readonly worker: string | null;
  readonly status_reason: string | null;
  readonly worker_heartbeat_at: number | null;
}

export interface EventRow {
  readonly id: number;
  readonly run_id: string;
  readonly type: string;
  readonly timestamp: number;
  readonly level: string;
  readonly step_key: string | null;
  readonly message: string;
  readonly data: string | null;
  readonly error: string | null;
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
  readonly run_ids: string;
  readonly skip_reason: string | null;
  readonly error: string | null;
  readonly created_at: number;
  readonly updated_at: number;
}

export interface HeartbeatRow {
  readonly daemon_type: string;
  readonly daemon_id: string;
  readonly timestamp: number;
  readonly errors: string;
}

export interface LeaseRow {
  readonly name: string;
  readonly holder: string;
  readonly expires_at: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** JSON for an optional column: NULL stands for "absent". */
export function toJsonOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** `?, ?, ?` for an IN list. An empty list becomes `NULL`, which matches nothing, as an empty filter should. */
export function placeholders(count: number): string {
  return count === 0 ? 'NULL' : Array.from({ length: count }, () => '?').join(', ');
}

function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

export function toRunRecord(row: RunRow): RunRecord {
  const run: Mutable<RunRecord> = {
    runId: row.run_id,
    jobName: row.job_name,
    status: row.status as RunStatus,
    runConfig: fromJson<Record<string, unknown>>(row.run_config),
    tags: fromJson<Record<string, string>>(row.tags),
    origin: fromJson<RunOrigin>(row.origin),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.start_time !== null) run.startTime = row.start_time;
  if (row.end_time !== null) run.endTime = row.end_time;
  if (row.parent_run_id !== null) run.parentRunId = row.parent_run_id;
  if (row.root_run_id !== null) run.rootRunId = row.root_run_id;
  if (row.worker !== null) run.worker = fromJson<WorkerRef>(row.worker);
  if (row.status_reason !== null) run.statusReason = row.status_reason;
  if (row.worker_heartbeat_at !== null) run.workerHeartbeatAt = row.worker_heartbeat_at;
  return run;
}

export function toRunEvent(row: EventRow): RunEvent {
  const event: Mutable<RunEvent> = {
    id: row.id,
    runId: row.run_id,
    type: row.type as RunEventType,
    timestamp: row.timestamp,
    level: row.level as LogLevel,
    message: row.message,
  };
  if (row.step_key !== null) event.stepKey = row.step_key;
  if (row.data !== null) event.data = fromJson<Record<string, unknown>>(row.data);
  if (row.error !== null) event.error = fromJson<ErrorInfo>(row.error);
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
    runIds: fromJson<string[]>(row.run_ids),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.skip_reason !== null) tick.skipReason = row.skip_reason;
  if (row.error !== null) tick.error = row.error;
  return tick;
}

export function toHeartbeat(row: HeartbeatRow): DaemonHeartbeat {
  return {
    daemonType: row.daemon_type,
    daemonId: row.daemon_id,
    timestamp: row.timestamp,
    errors: fromJson<ErrorInfo[]>(row.errors),
  };
}

export function toLease(row: LeaseRow): Lease {
  return { name: row.name, holder: row.holder, expiresAt: row.expires_at };
}
