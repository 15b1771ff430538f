/*
 * The files `runyard init <dir>` writes: a project of one's own that type-checks, tests and runs
 * outside this repository. zod comes as a dependency of the project (the same major as Runyard's),
 * so the job file's `import { z } from 'zod'` works after `npm install` with nothing else to add.
 */

export interface TemplateVersions {
  /** Runyard's own version: the project depends on `^version`. */
  readonly runyard: string;
  /** The zod range Runyard itself depends on. */
  readonly zod: string;
}

/** Dev tools of the project; the same majors this repository builds and tests with. */
const DEV_DEPENDENCIES = { '@types/node': '^20.19.0', typescript: '^6.0.3', vitest: '^4.1.0' };

export function projectFiles(name: string, versions: TemplateVersions): Record<string, string> {
  const packageJson = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: '>=20.10' },
    scripts: {
      dev: 'runyard dev -f src/definitions.ts',
      test: 'vitest run',
      typecheck: 'tsc',
      'job:execute': 'runyard job execute -f src/definitions.ts -j etl',
    },
    dependencies: { runyard: `^${versions.runyard}`, zod: versions.zod },
    devDependencies: DEV_DEPENDENCIES,
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      // Runyard is an ES module with `exports`: NodeNext is the resolution that reads them as Node does.
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['src'],
  };
  return {
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    '.gitignore': 'node_modules/\n.runyard/\n',
    'runyard.yaml': RUNYARD_YAML,
    'src/definitions.ts': DEFINITIONS_TS,
    'src/definitions.test.ts': DEFINITIONS_TEST_TS,
    'README.md': readme(name),
  };
}

const RUNYARD_YAML = `# This project's Runyard instance (see the instance config reference of Runyard's docs).
# The runyard CLI finds this file from this folder and from every folder below it, so runs
# launched from anywhere in the project land here; RUNYARD_HOME or --home pick another instance.
# What the instance records (the SQLite database, the runs' captured output) stays under .runyard/.
storage:
  class: SqliteStorage
  config:
    path: .runyard/runyard.db
computeLogs:
  class: LocalComputeLogManager
  config:
    baseDir: .runyard/compute_logs
`;

const DEFINITIONS_TS = `/**
 * This project's code location: its default export is what \`runyard dev -f src/definitions.ts\`
 * shows and launches.
 *
 *   npm run dev                        # web UI + daemon on http://127.0.0.1:3000
 *   npx runyard job execute -f src/definitions.ts -j etl -c config.yaml
 */
import { defineDefinitions, job, op } from 'runyard';
import { z } from 'zod';

const extract = op({
  name: 'extract',
  description: 'Makes the rows to load (replace with a read from your source).',
  config: z.object({ count: z.number().int().min(1).default(3) }),
  run: (ctx) => {
    const rows = Array.from({ length: ctx.config.count }, (_, i) => ({ id: i + 1, value: (i + 1) * 10 }));
    ctx.log.info(\`extracted \${rows.length} rows\`, { first: rows[0] });
    return rows;
  },
});

const Row = z.object({ id: z.number(), value: z.number() });

const transform = op({
  name: 'transform',
  ins: { rows: z.array(Row) },
  out: z.number(),
  run: (_ctx, { rows }) => rows.reduce((sum, row) => sum + row.value, 0),
});

const load = op({
  name: 'load',
  ins: { total: z.number() },
  run: (ctx, { total }) => {
    ctx.log.info(\`total is \${total}\`, { total });
    return total;
  },
});

export const etl = job({
  name: 'etl',
  description: 'Extract, transform, load: a starting point.',
  graph: () => {
    load({ total: transform({ rows: extract() }) });
  },
});

export default defineDefinitions({ jobs: [etl] });
`;

const DEFINITIONS_TEST_TS = `import { executeJob } from 'runyard';
import { expect, it } from 'vitest';
import { etl } from './definitions.js';

// executeJob runs the job in this process on a throwaway in-memory instance: nothing is written.
it('sums what it extracts', async () => {
  const result = await executeJob(etl, { runConfig: { ops: { extract: { config: { count: 4 } } } } });
  expect(result.success).toBe(true);
  expect(result.outputFor('load')).toBe(100);
});
`;

function readme(name: string): string {
  return `# ${name}

Jobs for [Runyard](https://www.npmjs.com/package/runyard), written in TypeScript.

\`\`\`sh
npm install
npm run dev          # the web UI and the daemon: open http://127.0.0.1:3000, launch 'etl'
npm test             # runs src/definitions.test.ts (executeJob, in process)
npm run typecheck    # tsc, module/moduleResolution NodeNext
\`\`\`

- \`src/definitions.ts\` holds the ops and the job; its default export is the code location.
- \`runyard.yaml\` is this project's instance: the CLI finds it from any folder of the project, and
  keeps what it records in \`.runyard/\` (\`npx runyard instance info\` says which instance it uses and why).
- Run once without the UI: \`npx runyard job execute -f src/definitions.ts -j etl\`;
  launch onto the instance and follow it: \`npx runyard job launch -f src/definitions.ts -j etl --wait\`.
- zod is a dependency of this project, so \`import { z } from 'zod'\` works as in Runyard's README.
`;
}
