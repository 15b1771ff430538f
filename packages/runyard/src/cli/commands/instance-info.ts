import { type GlobalOptions, printJson, withInstance } from '../command-context.js';

export default async function instanceInfo(_args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const info = await withInstance(globals, (instance) => instance.info());
  if (opts.json) {
    printJson(info);
    return 0;
  }
  const rows: Array<[string, string]> = [
    ['home', info.home],
    ['config', info.configFile ?? '(none: defaults)'],
    [
      'storage',
      `${info.storage.kind} at ${info.storage.location} (schema v${info.storage.schemaVersion} of ${info.storage.latestSchemaVersion})`,
    ],
    ['run launcher', info.runLauncher],
    ['run coordinator', info.runCoordinator],
    ['compute logs', info.computeLogs],
  ];
  process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(16)} ${v}`).join('\n')}\n`);
  return 0;
}
