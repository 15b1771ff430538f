import { type GlobalOptions, withInstance } from '../command-context.js';
import { checkIntegrity } from './storage-integrity.js';

export default async function instanceMigrate(_args: string[], _opts: Record<string, unknown>, globals: GlobalOptions) {
  const result = await withInstance(globals, async (instance) => {
    // Migrating a damaged file would write into it: say what is wrong first, and change nothing.
    await checkIntegrity(instance);
    return instance.storage.migrate();
  });
  process.stdout.write(
    result.applied.length
      ? `migrated storage from schema v${result.from} to v${result.to}: ${result.applied.join(', ')}\n`
      : `storage is up to date (schema v${result.to})\n`,
  );
  return 0;
}
