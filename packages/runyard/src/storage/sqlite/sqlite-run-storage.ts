import { randomUUID } from 'node:crypto';
import { RunAlreadyExistsError, RunNotFoundError, RunyardError } from '../../errors.js';
import type { NewRun, RunFilter, RunListOptions, RunPatch, RunRecord } from '../../runs/run-record.js';
import {
  allowedFromStatuses,
  isRunStatusEventType,
  isTerminalStatus,
  RUN_STATUS_TRANSITIONS,
  type RunStatus,
  UNFINISHED_STATUSES,
} from '../../runs/run-status.js';
import { defaultStatusReason, firstFailedStep, statusNeedsReason } from '../../runs/status-reason.js';
import type {
  RunStatusEvent,
  RunStorage,
  TransitionOptions,
  TransitionResult,
  UpdateRunOptions,
} from '../run-storage.js';
import type { SqliteConnection } from './sqlite-connection.js';
import { insertEvent } from './sqlite-event-log-storage.js';
import { placeholders, type RunRow, toJson, toJsonOrNull, toRunRecord } from './sqlite-rows.js';

const INSERT_RUN = `
  INSERT INTO runs (run_id, job_name, status, run_config, tags, origin, created_at, updated_at, parent_run_id, root_run_id)
  VALUES (?, ?, 'NOT_STARTED', ?, ?, ?, ?, ?, ?, ?)`;

const UPSERT_TAG = `
  INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?)
  ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`;

// Newest first; `id` breaks ties between runs created in the same millisecond so that a cursor
// (which names a run) splits the list at one well-defined place.
const LIST_ORDER = 'ORDER BY created_at DESC, id DESC';

export class SqliteRunStorage implements RunStorage {
  readonly #conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.#conn = conn;
  }

  async createRun(run: NewRun): Promise<RunRecord> {
    const runId = run.runId ?? randomUUID();
    const tags = { ...run.tags };
    return this.#conn.write(() => {
      // Checked under the write lock rather than left to the UNIQUE constraint, so the error is ours.
      if (this.#row(runId)) throw new RunAlreadyExistsError(runId);
      const now = Date.now();
      this.#conn
        .statement(INSERT_RUN)
        .run(
          runId,
          run.jobName,
          toJson(run.runConfig ?? {}),
          toJson(tags),
          toJson(run.origin),
          now,
          now,
          run.parentRunId ?? null,
          run.rootRunId ?? null,
        );
      this.#writeTags(runId, tags);
      return this.#require(runId);
    });
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    return this.#conn.read(() => this.#record(runId));
  }

  async listRuns(options: RunListOptions = {}): Promise<RunRecord[]> {
    return this.#conn.read(() => {
      const { where, params } = filterSql(options);
      if (options.cursor !== undefined) {
        const cursor = this.#row(options.cursor);
        if (!cursor) throw new RunNotFoundError(options.cursor);
        where.push('(created_at < ? OR (created_at = ? AND id < ?))');
        params.push(cursor.created_at, cursor.created_at, cursor.id);
      }
      let sql = `SELECT * FROM runs ${whereClause(where)} ${LIST_ORDER}`;
      if (options.limit !== undefined) {
        sql += ' LIMIT ?';
        params.push(options.limit);
      }
      return (this.#conn.statement(sql).all(...params) as RunRow[]).map(toRunRecord);
    });
  }

  async countRuns(filter: RunFilter = {}): Promise<number> {
    return this.#conn.read(() => {
      const { where, params } = filterSql(filter);
      const sql = `SELECT COUNT(*) AS count FROM runs ${whereClause(where)}`;
      return (this.#conn.statement(sql).get(...params) as { count: number }).count;
    });
  }

  async transition(event: RunStatusEvent, options: TransitionOptions = {}): Promise<TransitionResult> {
    if (!isRunStatusEventType(event.type)) {
      throw new RunyardError(
        `transition needs a run status event, and ${String(event.type)} is not one: write it with appendEvents`,
        { data: { runId: event.runId, type: event.type } },
      );
    }
    const to = RUN_STATUS_TRANSITIONS[event.type].to;
    const from = allowedFromStatuses(event.type, options.from);
    return this.#conn.write((): TransitionResult => {
      const now = Date.now();
      // The run's times come from the event so that they agree with the event log.
      const at = event.timestamp ?? now;
      const sets = ['status = ?', 'updated_at = ?'];
      const params: unknown[] = [to, now];
      if (event.type === 'RUN_START') {
        sets.push('start_time = COALESCE(start_time, ?)');
        params.push(at);
      }
      if (isTerminalStatus(to)) {
        sets.push('end_time = ?');
        params.push(at);
      }
      if (options.statusReason !== undefined) {
        sets.push('status_reason = ?');
        params.push(options.statusReason);
      } else if (statusNeedsReason(to)) {
        // Every FAILURE and CANCELED says why (see status-reason.ts); a cancel's own reason stays.
        sets.push(
          `status_reason = CASE WHEN status = 'CANCELING' AND status_reason IS NOT NULL THEN status_reason ELSE ? END`,
        );
        params.push(defaultStatusReason(event, to, this.#stepFailureMessage(event)));
      }
      // The compare-and-swap: the WHERE clause is the status machine, so of two racing callers the
      // second finds the status already moved and changes nothing.
      const sql = `UPDATE runs SET ${sets.join(', ')} WHERE run_id = ? AND status IN (${placeholders(from.length)})`;
      const { changes } = this.#conn.statement(sql).run(...params, event.runId, ...from);
      if (changes === 0) return { applied: false, run: this.#record(event.runId) };
      const stored = insertEvent(this.#conn, { ...event, timestamp: at }, now);
      return { applied: true, run: this.#require(event.runId), event: stored };
    });
  }

  /** The latest STEP_FAILURE message of the first step a RUN_FAILURE names, inside the transition's transaction. */
  #stepFailureMessage(event: RunStatusEvent): string | undefined {
    const step = firstFailedStep(event);
    if (step === undefined) return undefined;
    const row = this.#conn
      .statement(
        `SELECT message FROM event_logs WHERE run_id = ? AND step_key = ? AND type = 'STEP_FAILURE' ORDER BY id DESC LIMIT 1`,
      )
      .get(event.runId, step) as { message: string } | undefined;
    return row?.message;
  }

  async updateRun(runId: string, patch: RunPatch, options: UpdateRunOptions = {}): Promise<RunRecord | undefined> {
    const from = options.from ?? UNFINISHED_STATUSES;
    return this.#conn.write(() => {
      const row = this.#row(runId);
      if (!row) return undefined;
      // Read and written in one write transaction: the status cannot change in between.
      if (!from.includes(row.status as RunStatus)) return toRunRecord(row);
      const sets = ['updated_at = ?'];
      const params: unknown[] = [Date.now()];
      if (patch.worker !== undefined) {
        sets.push('worker = ?');
        params.push(toJsonOrNull(patch.worker));
      }
      if (patch.statusReason !== undefined) {
        sets.push('status_reason = ?');
        params.push(patch.statusReason);
      }
      if (patch.workerHeartbeatAt !== undefined) {
        sets.push('worker_heartbeat_at = ?');
        params.push(patch.workerHeartbeatAt);
      }
      if (patch.tags !== undefined) {
        const merged = { ...(JSON.parse(row.tags) as Record<string, string>), ...patch.tags };
        sets.push('tags = ?');
        params.push(toJson(merged));
        this.#writeTags(runId, patch.tags);
      }
      this.#conn.statement(`UPDATE runs SET ${sets.join(', ')} WHERE run_id = ?`).run(...params, runId);
      return this.#require(runId);
    });
  }

  async deleteRun(runId: string): Promise<boolean> {
    return this.#conn.write(() => {
      if (!this.#row(runId)) return false;
      this.#conn.statement('DELETE FROM event_logs WHERE run_id = ?').run(runId);
      this.#conn.statement('DELETE FROM run_tags WHERE run_id = ?').run(runId);
      this.#conn.statement('DELETE FROM runs WHERE run_id = ?').run(runId);
      return true;
    });
  }

  #writeTags(runId: string, tags: Readonly<Record<string, string>>): void {
    const upsert = this.#conn.statement(UPSERT_TAG);
    for (const [key, value] of Object.entries(tags)) upsert.run(runId, key, value);
  }

  #row(runId: string): RunRow | undefined {
    return this.#conn.statement('SELECT * FROM runs WHERE run_id = ?').get(runId) as RunRow | undefined;
  }

  #record(runId: string): RunRecord | undefined {
    const row = this.#row(runId);
    return row ? toRunRecord(row) : undefined;
  }

  /** For reads inside a transaction that has just written the run. */
  #require(runId: string): RunRecord {
    const run = this.#record(runId);
    if (!run) throw new RunyardError(`run '${runId}' vanished inside its own transaction`);
    return run;
  }
}

function filterSql(filter: RunFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.runIds !== undefined) {
    where.push(`run_id IN (${placeholders(filter.runIds.length)})`);
    params.push(...filter.runIds);
  }
  if (filter.runIdPrefix !== undefined) {
    where.push('substr(run_id, 1, ?) = ?');
    params.push(filter.runIdPrefix.length, filter.runIdPrefix);
  }
  if (filter.statuses !== undefined) {
    where.push(`status IN (${placeholders(filter.statuses.length)})`);
    params.push(...filter.statuses);
  }
  if (filter.jobName !== undefined) {
    where.push('job_name = ?');
    params.push(filter.jobName);
  }
  for (const [key, value] of Object.entries(filter.tags ?? {})) {
    where.push('run_id IN (SELECT run_id FROM run_tags WHERE key = ? AND value = ?)');
    params.push(key, value);
  }
  if (filter.createdBefore !== undefined) {
    where.push('created_at < ?');
    params.push(filter.createdBefore);
  }
  if (filter.createdAfter !== undefined) {
    where.push('created_at > ?');
    params.push(filter.createdAfter);
  }
  return { where, params };
}

function whereClause(where: readonly string[]): string {
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}
