import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../cli-error.js';
import { projectFiles } from '../init-template.js';

/**
 * `runyard init <dir>`: writes a project of one's own (package.json, tsconfig, a job, its test, a
 * runyard.yaml and a README). Refuses a directory that already holds files, writing nothing.
 */
export default async function init(args: string[]) {
  const dir = path.resolve(String(args[0] ?? '.'));
  const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    if (error.code === 'ENOTDIR') throw new UsageError(`${dir} is a file; give a new or empty directory`);
    throw error;
  });
  if (existing.length)
    throw new UsageError(
      `${dir} is not empty (it holds ${existing.slice(0, 3).join(', ')}…); give a new or empty directory`,
    );
  const name = packageName(path.basename(dir));
  const files = projectFiles(name, await ownVersions());
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  const relative = path.relative(process.cwd(), dir) || '.';
  const shown = relative.startsWith('..') ? dir : relative;
  process.stdout.write(
    [
      `Created a Runyard project in ${dir}:`,
      ...Object.keys(files).map((file) => `  ${file}`),
      '',
      'Next:',
      ...(shown === '.' ? [] : [`  cd ${shown}`]),
      '  npm install',
      '  npm run dev      # web UI + daemon on http://127.0.0.1:3000',
      '',
    ].join('\n'),
  );
  return 0;
}

/** An npm package name from the folder's name: lower case, only the characters npm allows. */
function packageName(base: string): string {
  const name = base
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '');
  return name || 'runyard-project';
}

async function ownVersions() {
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
  };
  return { runyard: pkg.version, zod: pkg.dependencies.zod ?? '^4.1.0' };
}
