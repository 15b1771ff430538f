import type { DaemonHeartbeat, DaemonStorage, Lease } from 'runyard';
import type { PostgresDatabase } from './postgres-database.js';
import { type HeartbeatRow, type LeaseRow, toHeartbeat, toJson, toLease } from './postgres-rows.js';

// One row per daemon type: the latest heartbeat is all that monitoring reads, and whichever daemon
// wrote it is recorded so a second daemon of the same type shows up as a changing daemon_id.
const UPSERT_HEARTBEAT = `
  INSERT INTO daemon_heartbeats (daemon_type, daemon_id, "timestamp", errors) VALUES ($1, $2, $3, $4::json)
  ON CONFLICT (daemon_type) DO UPDATE SET
    daemon_id = excluded.daemon_id, "timestamp" = excluded."timestamp", errors = excluded.errors`;

// The lease compare-and-swap in one statement: take it when absent, expired, or already ours.
// Concurrent contenders queue on the row (or on the key of a row being inserted), and each re-checks
// the WHERE against what the one before it wrote: a row comes back only for the one that won.
const ACQUIRE_LEASE = `
  INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
  ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
  WHERE leases.expires_at < $4 OR leases.holder = excluded.holder
  RETURNING *`;

// Between a lost CAS and the read that says who holds the lease, the holder may release it; then
// we try again, and a handful of rounds is far more than such a race can take.
const ACQUIRE_ATTEMPTS = 5;

export class PostgresDaemonStorage implements DaemonStorage {
  readonly #db: PostgresDatabase;

  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async recordHeartbeat(heartbeat: DaemonHeartbeat): Promise<void> {
    await this.#db.query(UPSERT_HEARTBEAT, [
      heartbeat.daemonType,
      heartbeat.daemonId,
      heartbeat.timestamp,
      toJson(heartbeat.errors),
    ]);
  }

  async getHeartbeats(): Promise<DaemonHeartbeat[]> {
    return (await this.#db.query<HeartbeatRow>('SELECT * FROM daemon_heartbeats ORDER BY daemon_type')).map(
      toHeartbeat,
    );
  }

  async acquireLease(
    name: string,
    holder: string,
    ttlMs: number,
  ): Promise<{ readonly acquired: boolean; readonly lease: Lease }> {
    for (let attempt = 1; ; attempt++) {
      const now = Date.now();
      const [won] = await this.#db.query<LeaseRow>(ACQUIRE_LEASE, [name, holder, now + ttlMs, now]);
      if (won) return { acquired: true, lease: toLease(won) };
      const lease = await this.getLease(name);
      if (lease) return { acquired: false, lease };
      if (attempt >= ACQUIRE_ATTEMPTS) throw new Error(`lease '${name}' kept changing hands while being acquired`);
    }
  }

  async releaseLease(name: string, holder: string): Promise<boolean> {
    const rows = await this.#db.query('DELETE FROM leases WHERE name = $1 AND holder = $2 RETURNING name', [
      name,
      holder,
    ]);
    return rows.length > 0;
  }

  async getLease(name: string): Promise<Lease | undefined> {
    const [row] = await this.#db.query<LeaseRow>('SELECT * FROM leases WHERE name = $1', [name]);
    return row ? toLease(row) : undefined;
  }

  async listLeases(prefix: string): Promise<Lease[]> {
    const rows = await this.#db.query<LeaseRow>(
      'SELECT * FROM leases WHERE left(name, length($1)) = $1 ORDER BY name',
      [prefix],
    );
    return rows.map(toLease);
  }
}
