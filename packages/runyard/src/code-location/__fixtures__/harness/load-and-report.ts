// Run by the tests in a child process (bundled by child-process-loader.ts), so that modules are
// imported by Node itself, as in the CLI and the run worker, and not by the test runner.
// Usage: node load-and-report.mjs <target> <options JSON> [job name for getJob]; prints one JSON
// report on stdout.
import { pathToFileURL } from 'node:url';
import { loadCodeLocationDetailed } from '../../load-code-location.js';

const [target = '', options = '{}', jobName] = process.argv.slice(2);

try {
  const { location, compiled, moduleFile } = await loadCodeLocationDetailed(target, JSON.parse(options));
  const namespace = (await import(pathToFileURL(moduleFile).href)) as Record<string, unknown>;
  const runyard = (await import('runyard')) as { job: unknown };
  report({
    ok: true,
    compiled,
    moduleFile,
    path: location.path,
    jobs: Object.fromEntries([...location.definitions.jobs].map(([name, job]) => [name, job.graph.order])),
    // Named exports with plain values, for fixtures that report something about themselves.
    values: Object.fromEntries(Object.entries(namespace).filter(([, value]) => isPlain(value))),
    sharesRunyard: 'runyardJob' in namespace ? namespace.runyardJob === runyard.job : undefined,
    ...(jobName === undefined ? {} : tryGetJob(() => location.getJob(jobName).name)),
  });
} catch (error) {
  const e = error as Error & { userError?: boolean; data?: unknown; cause?: Error };
  report({
    ok: false,
    name: e.name,
    message: e.message,
    userError: e.userError,
    data: e.data,
    causeName: e.cause?.name,
    causeMessage: e.cause?.message,
  });
}

function tryGetJob(get: () => string): { job: string } | { jobError: { name: string; message: string } } {
  try {
    return { job: get() };
  } catch (error) {
    return { jobError: { name: (error as Error).name, message: (error as Error).message } };
  }
}

function isPlain(value: unknown): boolean {
  return ['string', 'number', 'boolean'].includes(typeof value) || (Array.isArray(value) && value.every(isPlain));
}

function report(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
