import type { DaemonHeartbeat, DaemonStorage, Lease } from '../daemon-storage.js';
import type { SqliteConnection } from './sqlite-connection.js';
import { type HeartbeatRow, type LeaseRow, toHeartbeat, toJson, toLease } from './sqlite-rows.js';

// One row per daemon type: the latest heartbeat is all that monitoring reads, and whichever daemon
// wrote it is recorded so a second daemon of the same type shows up as a changing daemon_id.
const UPSERT_HEARTBEAT = `
  INSERT INTO daemon_heartbeats (daemon_type, daemon_id, timestamp, errors) VALUES (?, ?, ?, ?)
  ON CONFLICT (daemon_type) DO UPDATE SET
    daemon_id = excluded.daemon_id, timestamp = excluded.timestamp, errors = excluded.errors`;

// The lease compare-and-swap in one statement: take it when absent, expired, or already ours.
// When the WHERE fails the upsert changes nothing, and `changes` tells us we lost.
const ACQUIRE_LEASE = `
  INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
  ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
  WHERE leases.expires_at < ? OR leases.holder = excluded.holder`;

export class SqliteDaemonStorage implements DaemonStorage {
  readonly #conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.#conn = conn;
  }

  async recordHeartbeat(heartbeat: DaemonHeartbeat): Promise<void> {
    await this.#conn.write(() => {
      this.#conn
        .statement(UPSERT_HEARTBEAT)
        .run(heartbeat.daemonType, heartbeat.daemonId, heartbeat.timestamp, toJson(heartbeat.errors));
    });
  }

  async getHeartbeats(): Promise<DaemonHeartbeat[]> {
    return this.#conn.read(() =>
      (this.#conn.statement('SELECT * FROM daemon_heartbeats ORDER BY daemon_type').all() as HeartbeatRow[]).map(
        toHeartbeat,
      ),
    );
  }

  async acquireLease(
    name: string,
    holder: string,
    ttlMs: number,
  ): Promise<{ readonly acquired: boolean; readonly lease: Lease }> {
    return this.#conn.write(() => {
      const now = Date.now();
      const { changes } = this.#conn.statement(ACQUIRE_LEASE).run(name, holder, now + ttlMs, now);
      const lease = this.#lease(name);
      if (!lease) throw new Error(`lease '${name}' vanished inside its own transaction`);
      return { acquired: changes > 0, lease };
    });
  }

  async releaseLease(name: string, holder: string): Promise<boolean> {
    return this.#conn.write(
      () => this.#conn.statement('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder).changes > 0,
    );
  }

  async getLease(name: string): Promise<Lease | undefined> {
    return this.#conn.read(() => this.#lease(name));
  }

  async listLeases(prefix: string): Promise<Lease[]> {
    return this.#conn.read(() =>
      (
        this.#conn
          .statement('SELECT * FROM leases WHERE substr(name, 1, ?) = ? ORDER BY name')
          .all(prefix.length, prefix) as LeaseRow[]
      ).map(toLease),
    );
  }

  #lease(name: string): Lease | undefined {
    const row = this.#conn.statement('SELECT * FROM leases WHERE name = ?').get(name) as LeaseRow | undefined;
    return row ? toLease(row) : undefined;
  }
}
