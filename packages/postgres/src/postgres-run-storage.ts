import { randomUUID } from 'node:crypto';
import {
  allowedFromStatuses,
  isTerminalStatus,
  type NewRun,
  RUN_STATUS_TRANSITIONS,
  RunAlreadyExistsError,
  type RunFilter,
  type RunListOptions,
  RunNotFoundError,
  type RunPatch,
  type RunRecord,
  type RunStatusEvent,
  type RunStorage,
  RunyardError,
  type TransitionOptions,
  type TransitionResult,
  UNFINISHED_STATUSES,
  type UpdateRunOptions,
} from 'runyard';
import { defaultStatusReason, firstFailedStep, statusNeedsReason } from 'runyard/internal';
import type { PostgresDatabase, Queryable } from './postgres-database.js';
import { insertEvents, isRunStatusEventType } from './postgres-event-log-storage.js';
import { type RunRow, toJson, toJsonOrNull, toRunRecord } from './postgres-rows.js';
import { decodeText, encodeText, encodeTextOrNull } from './postgres-text.js';
import { Where } from './postgres-where.js';

const INSERT_RUN = `
  INSERT INTO runs (run_id, job_name, status, run_config, tags, origin, created_at, updated_at, parent_run_id, root_run_id)
  VALUES ($1, $2, 'NOT_STARTED', $3::json, $4::jsonb, $5::json, $6, $6, $7, $8)
  ON CONFLICT (run_id) DO NOTHING
  RETURNING *`;

const UPSERT_TAGS = `
  INSERT INTO run_tags (run_id, key, value)
  SELECT $1, t.key, t.value FROM unnest($2::text[], $3::text[]) AS t(key, value)
  ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`;

// Newest first; `id` breaks ties between runs created in the same millisecond so that a cursor
// (which names a run) splits the list at one well-defined place.
const LIST_ORDER = 'ORDER BY created_at DESC, id DESC';

export class PostgresRunStorage implements RunStorage {
  readonly #db: PostgresDatabase;

  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async createRun(run: NewRun): Promise<RunRecord> {
    const runId = run.runId ?? randomUUID();
    const tags = { ...run.tags };
    // One transaction for the run row and its tag rows: a reader never sees a run its tag filter misses.
    return this.#db.transaction(async (tx) => {
      const [row] = await tx.query<RunRow>(INSERT_RUN, [
        runId,
        run.jobName,
        toJson(run.runConfig ?? {}),
        toJson(tags),
        toJson(run.origin),
        Date.now(),
        run.parentRunId ?? null,
        run.rootRunId ?? null,
      ]);
      // ON CONFLICT DO NOTHING rather than catching the unique violation, so the error is ours.
      if (!row) throw new RunAlreadyExistsError(runId);
      await writeTags(tx, runId, tags);
      return toRunRecord(row);
    });
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    return this.#record(this.#db, runId);
  }

  async listRuns(options: RunListOptions = {}): Promise<RunRecord[]> {
    const where = filterWhere(options);
    if (options.cursor !== undefined) {
      const [cursor] = await this.#db.query<Pick<RunRow, 'id' | 'created_at'>>(
        'SELECT id, created_at FROM runs WHERE run_id = $1',
        [options.cursor],
      );
      if (!cursor) throw new RunNotFoundError(options.cursor);
      where.add('(created_at, id) < (?, ?)', cursor.created_at, cursor.id);
    }
    let sql = `SELECT * FROM runs WHERE ${where.sql()} ${LIST_ORDER}`;
    if (options.limit !== undefined) sql += ` LIMIT ${where.param(options.limit)}`;
    return (await this.#db.query<RunRow>(sql, where.params)).map(toRunRecord);
  }

  async countRuns(filter: RunFilter = {}): Promise<number> {
    const where = filterWhere(filter);
    const [row] = await this.#db.query<{ count: number }>(
      `SELECT COUNT(*) AS count FROM runs WHERE ${where.sql()}`,
      where.params,
    );
    return row?.count ?? 0;
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
    const now = Date.now();
    // The run's times come from the event so that they agree with the event log.
    const at = event.timestamp ?? now;
    const applied = await this.#db.transaction(async (tx) => {
      const update = new Where();
      const sets = [`status = ${update.param(to)}`, `updated_at = ${update.param(now)}`];
      if (event.type === 'RUN_START') sets.push(`start_time = COALESCE(start_time, ${update.param(at)})`);
      if (isTerminalStatus(to)) sets.push(`end_time = ${update.param(at)}`);
      if (options.statusReason !== undefined)
        sets.push(`status_reason = ${update.param(encodeTextOrNull(options.statusReason))}`);
      else if (statusNeedsReason(to)) {
        // Every FAILURE and CANCELED says why (see runyard's status-reason.ts); a cancel's own reason stays.
        const reason = update.param(encodeText(defaultStatusReason(event, to, await stepFailureMessage(tx, event))));
        sets.push(
          `status_reason = CASE WHEN status = 'CANCELING' AND status_reason IS NOT NULL THEN status_reason ELSE ${reason} END`,
        );
      }
      // The compare-and-swap: of two racing callers, the second waits for the first's row lock, then
      // finds the status already moved, and its WHERE matches nothing.
      update.add('run_id = ?', event.runId);
      update.add('status = ANY(?::text[])', [...from]);
      const sql = `UPDATE runs SET ${sets.join(', ')} WHERE ${update.sql()} RETURNING *`;
      const [row] = await tx.query<RunRow>(sql, update.params);
      if (!row) return undefined;
      // The event, and its NOTIFY, commit with the status or not at all.
      const [stored] = await insertEvents(tx, this.#db.settings.schema, [{ ...event, timestamp: at }], now);
      if (!stored) throw new RunyardError(`the ${event.type} event of run '${event.runId}' was not stored`);
      return { applied: true as const, run: toRunRecord(row), event: stored };
    });
    return applied ?? { applied: false, run: await this.#record(this.#db, event.runId) };
  }

  async updateRun(runId: string, patch: RunPatch, options: UpdateRunOptions = {}): Promise<RunRecord | undefined> {
    const update = new Where();
    const sets = [`updated_at = ${update.param(Date.now())}`];
    if (patch.worker !== undefined) sets.push(`worker = ${update.param(toJsonOrNull(patch.worker))}::json`);
    if (patch.statusReason !== undefined)
      sets.push(`status_reason = ${update.param(encodeTextOrNull(patch.statusReason))}`);
    if (patch.workerHeartbeatAt !== undefined) {
      sets.push(`worker_heartbeat_at = ${update.param(patch.workerHeartbeatAt)}`);
    }
    // Merged inside the UPDATE: a concurrent writer's tags are re-read under the row lock, never lost.
    if (patch.tags !== undefined) sets.push(`tags = tags || ${update.param(toJson(patch.tags))}::jsonb`);
    update.add('run_id = ?', runId);
    // The guard is part of the UPDATE, so a run that finishes meanwhile is left alone.
    update.add('status = ANY(?::text[])', [...(options.from ?? UNFINISHED_STATUSES)]);
    const sql = `UPDATE runs SET ${sets.join(', ')} WHERE ${update.sql()} RETURNING *`;
    return this.#db.transaction(async (tx) => {
      const [row] = await tx.query<RunRow>(sql, update.params);
      if (!row) return this.#record(tx, runId);
      if (patch.tags !== undefined) await writeTags(tx, runId, patch.tags);
      return toRunRecord(row);
    });
  }

  async deleteRun(runId: string): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      // Tags go with the run (ON DELETE CASCADE); events have no foreign key and are deleted here.
      const deleted = await tx.query('DELETE FROM runs WHERE run_id = $1 RETURNING id', [runId]);
      if (deleted.length === 0) return false;
      await tx.query('DELETE FROM event_logs WHERE run_id = $1', [runId]);
      return true;
    });
  }

  async #record(db: Queryable, runId: string): Promise<RunRecord | undefined> {
    const [row] = await db.query<RunRow>('SELECT * FROM runs WHERE run_id = $1', [runId]);
    return row ? toRunRecord(row) : undefined;
  }
}

/** The latest STEP_FAILURE message of the first step a RUN_FAILURE names. */
async function stepFailureMessage(tx: Queryable, event: RunStatusEvent): Promise<string | undefined> {
  const step = firstFailedStep(event);
  if (step === undefined) return undefined;
  const [row] = await tx.query<{ message: string }>(
    `SELECT message FROM event_logs WHERE run_id = $1 AND step_key = $2 AND type = 'STEP_FAILURE' ORDER BY id DESC LIMIT 1`,
    [event.runId, encodeText(step)],
  );
  return row === undefined ? undefined : decodeText(row.message);
}

async function writeTags(tx: Queryable, runId: string, tags: Readonly<Record<string, string>>): Promise<void> {
  const entries = Object.entries(tags);
  if (entries.length === 0) return;
  await tx.query(UPSERT_TAGS, [runId, entries.map(([key]) => key), entries.map(([, value]) => value)]);
}

function filterWhere(filter: RunFilter): Where {
  const where = new Where();
  if (filter.runIds !== undefined) where.add('run_id = ANY(?::text[])', [...filter.runIds]);
  if (filter.runIdPrefix !== undefined) {
    // LIKE on a "C"-collated column is a range scan of its index; the prefix's own wildcards are escaped.
    where.add('run_id LIKE ?', `${filter.runIdPrefix.replace(/[\\%_]/g, '\\$&')}%`);
  }
  if (filter.statuses !== undefined) where.add('status = ANY(?::text[])', [...filter.statuses]);
  if (filter.jobName !== undefined) where.add('job_name = ?', filter.jobName);
  for (const [key, value] of Object.entries(filter.tags ?? {})) {
    where.add('run_id IN (SELECT run_id FROM run_tags WHERE key = ? AND value = ?)', key, value);
  }
  if (filter.createdBefore !== undefined) where.add('created_at < ?', filter.createdBefore);
  if (filter.createdAfter !== undefined) where.add('created_at > ?', filter.createdAfter);
  return where;
}
