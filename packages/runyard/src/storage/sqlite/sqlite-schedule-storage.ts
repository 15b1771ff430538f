import type { NewTick, ScheduleState, ScheduleStorage, TickPatch, TickRecord } from '../schedule-storage.js';
import type { SqliteConnection } from './sqlite-connection.js';
import { type ScheduleStateRow, type TickRow, toJson, toScheduleState, toTickRecord } from './sqlite-rows.js';

const UPSERT_STATE = `
  INSERT INTO schedule_states (name, status, last_tick_at, code_location, updated_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (name) DO UPDATE SET
    status = excluded.status, last_tick_at = excluded.last_tick_at, code_location = excluded.code_location,
    updated_at = excluded.updated_at`;

// The WHERE clause is the compare-and-swap: only a running schedule, only forward.
const ADVANCE_LAST_TICK = `
  UPDATE schedule_states SET last_tick_at = ?, updated_at = ?
  WHERE name = ? AND status = 'RUNNING' AND (last_tick_at IS NULL OR last_tick_at < ?)`;

// DO NOTHING rather than a prior SELECT: under the write lock either is safe, but this states the
// uniqueness rule in one place, the UNIQUE (schedule_name, tick_at) constraint.
const INSERT_TICK = `
  INSERT INTO schedule_ticks (schedule_name, tick_at, status, run_ids, created_at, updated_at)
  VALUES (?, ?, 'STARTED', '[]', ?, ?)
  ON CONFLICT (schedule_name, tick_at) DO NOTHING`;

export class SqliteScheduleStorage implements ScheduleStorage {
  readonly #conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.#conn = conn;
  }

  async getScheduleState(name: string): Promise<ScheduleState | undefined> {
    return this.#conn.read(() => this.#state(name));
  }

  async listScheduleStates(): Promise<ScheduleState[]> {
    return this.#conn.read(() =>
      (this.#conn.statement('SELECT * FROM schedule_states ORDER BY name').all() as ScheduleStateRow[]).map(
        toScheduleState,
      ),
    );
  }

  /** Replaces the whole state: a `lastTickAt` or `codeLocation` left out is cleared, as "set" implies. */
  async setScheduleState(state: Omit<ScheduleState, 'updatedAt'>): Promise<ScheduleState> {
    return this.#conn.write(() => {
      this.#conn
        .statement(UPSERT_STATE)
        .run(state.name, state.status, state.lastTickAt ?? null, state.codeLocation ?? null, Date.now());
      const stored = this.#state(state.name);
      if (!stored) throw new Error(`schedule state '${state.name}' vanished inside its own transaction`);
      return stored;
    });
  }

  async advanceLastTickAt(
    name: string,
    lastTickAt: number,
  ): Promise<{ readonly advanced: boolean; readonly state: ScheduleState | undefined }> {
    return this.#conn.write(() => {
      const { changes } = this.#conn.statement(ADVANCE_LAST_TICK).run(lastTickAt, Date.now(), name, lastTickAt);
      return { advanced: changes > 0, state: this.#state(name) };
    });
  }

  async createTick(tick: NewTick): Promise<{ readonly tick: TickRecord; readonly created: boolean }> {
    return this.#conn.write(() => {
      const now = Date.now();
      const { changes } = this.#conn.statement(INSERT_TICK).run(tick.scheduleName, tick.tickAt, now, now);
      const row = this.#conn
        .statement('SELECT * FROM schedule_ticks WHERE schedule_name = ? AND tick_at = ?')
        .get(tick.scheduleName, tick.tickAt) as TickRow;
      return { tick: toTickRecord(row), created: changes > 0 };
    });
  }

  async updateTick(id: number, patch: TickPatch): Promise<TickRecord | undefined> {
    return this.#conn.write(() => {
      const sets = ['updated_at = ?'];
      const params: unknown[] = [Date.now()];
      if (patch.status !== undefined) {
        sets.push('status = ?');
        params.push(patch.status);
      }
      if (patch.runIds !== undefined) {
        sets.push('run_ids = ?');
        params.push(toJson(patch.runIds));
      }
      if (patch.skipReason !== undefined) {
        sets.push('skip_reason = ?');
        params.push(patch.skipReason);
      }
      if (patch.error !== undefined) {
        sets.push('error = ?');
        params.push(patch.error);
      }
      const { changes } = this.#conn
        .statement(`UPDATE schedule_ticks SET ${sets.join(', ')} WHERE id = ?`)
        .run(...params, id);
      if (changes === 0) return undefined;
      return toTickRecord(this.#conn.statement('SELECT * FROM schedule_ticks WHERE id = ?').get(id) as TickRow);
    });
  }

  async listTicks(scheduleName: string, options: { readonly limit?: number } = {}): Promise<TickRecord[]> {
    let sql = 'SELECT * FROM schedule_ticks WHERE schedule_name = ? ORDER BY tick_at DESC, id DESC';
    const params: unknown[] = [scheduleName];
    if (options.limit !== undefined) {
      sql += ' LIMIT ?';
      params.push(options.limit);
    }
    return this.#conn.read(() => (this.#conn.statement(sql).all(...params) as TickRow[]).map(toTickRecord));
  }

  #state(name: string): ScheduleState | undefined {
    const row = this.#conn.statement('SELECT * FROM schedule_states WHERE name = ?').get(name) as
      | ScheduleStateRow
      | undefined;
    return row ? toScheduleState(row) : undefined;
  }
}
