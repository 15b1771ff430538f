import type { NewTick, ScheduleState, ScheduleStorage, TickPatch, TickRecord } from 'runyard';
import type { PostgresDatabase } from './postgres-database.js';
import { type ScheduleStateRow, type TickRow, toJson, toScheduleState, toTickRecord } from './postgres-rows.js';
import { Where } from './postgres-where.js';

const UPSERT_STATE = `
  INSERT INTO schedule_states (name, status, last_tick_at, code_location, updated_at) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (name) DO UPDATE SET
    status = excluded.status, last_tick_at = excluded.last_tick_at, code_location = excluded.code_location,
    updated_at = excluded.updated_at
  RETURNING *`;

// The WHERE clause is the compare-and-swap: only a running schedule, only forward. A second
// scheduler waits for the first's row lock, then re-checks the condition against the new value.
const ADVANCE_LAST_TICK = `
  UPDATE schedule_states SET last_tick_at = $1, updated_at = $2
  WHERE name = $3 AND status = 'RUNNING' AND (last_tick_at IS NULL OR last_tick_at < $1)
  RETURNING *`;

// The UNIQUE (schedule_name, tick_at) constraint is the uniqueness rule: a second creator waits
// for the first's insert to commit, then does nothing and reads the first one's tick.
const INSERT_TICK = `
  INSERT INTO schedule_ticks (schedule_name, tick_at, status, run_ids, created_at, updated_at)
  VALUES ($1, $2, 'STARTED', '[]', $3, $3)
  ON CONFLICT (schedule_name, tick_at) DO NOTHING
  RETURNING *`;

export class PostgresScheduleStorage implements ScheduleStorage {
  readonly #db: PostgresDatabase;

  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async getScheduleState(name: string): Promise<ScheduleState | undefined> {
    return this.#state(name);
  }

  async listScheduleStates(): Promise<ScheduleState[]> {
    return (await this.#db.query<ScheduleStateRow>('SELECT * FROM schedule_states ORDER BY name')).map(toScheduleState);
  }

  /** Replaces the whole state: a `lastTickAt` or `codeLocation` left out is cleared, as "set" implies. */
  async setScheduleState(state: Omit<ScheduleState, 'updatedAt'>): Promise<ScheduleState> {
    const [row] = await this.#db.query<ScheduleStateRow>(UPSERT_STATE, [
      state.name,
      state.status,
      state.lastTickAt ?? null,
      state.codeLocation ?? null,
      Date.now(),
    ]);
    if (!row) throw new Error(`schedule state '${state.name}' was not returned by its own upsert`);
    return toScheduleState(row);
  }

  async advanceLastTickAt(
    name: string,
    lastTickAt: number,
  ): Promise<{ readonly advanced: boolean; readonly state: ScheduleState | undefined }> {
    const [row] = await this.#db.query<ScheduleStateRow>(ADVANCE_LAST_TICK, [lastTickAt, Date.now(), name]);
    if (row) return { advanced: true, state: toScheduleState(row) };
    return { advanced: false, state: await this.#state(name) };
  }

  async createTick(tick: NewTick): Promise<{ readonly tick: TickRecord; readonly created: boolean }> {
    const [inserted] = await this.#db.query<TickRow>(INSERT_TICK, [tick.scheduleName, tick.tickAt, Date.now()]);
    if (inserted) return { tick: toTickRecord(inserted), created: true };
    const [existing] = await this.#db.query<TickRow>(
      'SELECT * FROM schedule_ticks WHERE schedule_name = $1 AND tick_at = $2',
      [tick.scheduleName, tick.tickAt],
    );
    if (!existing)
      throw new Error(`the tick of '${tick.scheduleName}' at ${tick.tickAt} conflicted but cannot be read`);
    return { tick: toTickRecord(existing), created: false };
  }

  async updateTick(id: number, patch: TickPatch): Promise<TickRecord | undefined> {
    const update = new Where();
    const sets = [`updated_at = ${update.param(Date.now())}`];
    if (patch.status !== undefined) sets.push(`status = ${update.param(patch.status)}`);
    if (patch.runIds !== undefined) sets.push(`run_ids = ${update.param(toJson(patch.runIds))}::json`);
    if (patch.skipReason !== undefined) sets.push(`skip_reason = ${update.param(patch.skipReason)}`);
    if (patch.error !== undefined) sets.push(`error = ${update.param(patch.error)}`);
    update.add('id = ?', id);
    const [row] = await this.#db.query<TickRow>(
      `UPDATE schedule_ticks SET ${sets.join(', ')} WHERE ${update.sql()} RETURNING *`,
      update.params,
    );
    return row ? toTickRecord(row) : undefined;
  }

  async listTicks(scheduleName: string, options: { readonly limit?: number } = {}): Promise<TickRecord[]> {
    const where = new Where();
    where.add('schedule_name = ?', scheduleName);
    let sql = `SELECT * FROM schedule_ticks WHERE ${where.sql()} ORDER BY tick_at DESC, id DESC`;
    if (options.limit !== undefined) sql += ` LIMIT ${where.param(options.limit)}`;
    return (await this.#db.query<TickRow>(sql, where.params)).map(toTickRecord);
  }

  async #state(name: string): Promise<ScheduleState | undefined> {
    const [row] = await this.#db.query<ScheduleStateRow>('SELECT * FROM schedule_states WHERE name = $1', [name]);
    return row ? toScheduleState(row) : undefined;
  }
}
