import { type GlobalOptions, withInstance } from '../command-context.js';

export default async function instanceMigrate(_args: string[], _opts: Record<string, unknown>, globals: GlobalOptions) {
  const result = await withInstance(globals, (instance) => instance.storage.migrate());
  process.stdout.write(
    result.applied.length
      ? `migrated storage from schema v${result.from} to v${result.to}: ${result.applied.join(', ')}\n`
      : `storage is up to date (schema v${result.to})\n`,
  );
  return 0;
}
