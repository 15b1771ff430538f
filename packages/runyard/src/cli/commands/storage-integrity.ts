import type { Instance } from '../../instance/instance.js';

/**
 * The storage's thorough damage check (SQLite: `PRAGMA quick_check`, about 50 ms per 10,000
 * runs), for the commands that look after an instance rather than use it: `instance info`,
 * `instance migrate` and `daemon`. Everyday commands and run workers skip it: opening checks the
 * file's header, and a damaged page found later gets the same message.
 * 'ok' when it passed, 'not-checked' when the storage has no such check; throws what it found.
 */
export async function checkIntegrity(instance: Instance): Promise<'ok' | 'not-checked'> {
  const storage = instance.storage;
  if (!storage.checkIntegrity) return 'not-checked';
  await storage.checkIntegrity();
  return 'ok';
}
