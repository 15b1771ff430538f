/**
 * Advisory locks, keyed by (class, schema) so that instances in different schemas of one database
 * never wait for each other. The class numbers spell "RY" in their high bytes, to stay clear of
 * other applications' advisory locks in a shared database.
 */
export const LOCK_CLASS = {
  /** Held while migrating, so that one process migrates and the others wait. */
  migrate: 0x5259_0001,
  /**
   * Held from an event's insert to its commit. Event ids come from a sequence, and without this
   * a transaction could take id 11 and commit before the one holding id 10; a watcher that read on
   * from 11 would then never see 10. Under the lock, ids become visible in order.
   */
  appendEvents: 0x5259_0002,
} as const;

/** A 32-bit FNV-1a hash of the schema name, as the lock's second key. */
export function advisoryLockKey(schema: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(schema, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  // pg_advisory_xact_lock(int, int) takes signed 32-bit integers.
  return hash | 0;
}
