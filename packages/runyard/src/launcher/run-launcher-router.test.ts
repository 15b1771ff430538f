// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${vars.x}` is runyard.yaml's own syntax, written literally here
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defineDefinitions } from '../definitions/definitions.js';
import { job } from '../definitions/job.js';
import { op } from '../definitions/op.js';
import { InvalidConfigError } from '../errors.js';
import { Instance } from '../instance/instance.js';
import { instanceConfigData, trustedInstanceConfig } from '../instance/instance-config-data.js';
import { parseInstanceConfig } from '../instance/instance-config-validate.js';
import { newRunForJob } from '../launch/submit-run.js';
import { LAUNCHER_TAG } from './launcher-routing.js';
import { applyLauncherVars, LAUNCHER_VARS_TAG } from './launcher-variables.js';
import { LauncherNotConfiguredError } from './run-launcher-router.js';

// Routing and variables are decided at submit, before anything launches: a queued coordinator
// keeps the runs QUEUED so these tests read what was recorded without starting a worker.

const homes: string[] = [];
const instances: Instance[] = [];
afterEach(async () => {
  for (const instance of instances.splice(0)) await instance.dispose();
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

const LAUNCHERS = {
  default: 'local',
  launchers: {
    local: { class: 'ProcessRunLauncher' },
    slow: {
      class: 'ProcessRunLauncher',
      config: { terminateGraceSeconds: '${vars.grace}', env: { MODE: 'mode-${vars.mode}' } },
      variables: {
        grace: { type: 'number', default: 5, min: 1, max: 30 },
        mode: { type: 'string', default: 'a', allowed: ['a', 'b'] },
      },
    },
    gpu: { class: 'ProcessRunLauncher', allow: { jobs: ['train'], tags: { team: ['ml', 'vision'] } } },
  },
};

async function open(runLaunchers: unknown = LAUNCHERS, extra: Record<string, unknown> = {}): Promise<Instance> {
  const home = mkdtempSync(path.join(tmpdir(), 'ry-route-'));
  homes.push(home);
  const instance = await Instance.open({
    home,
    config: parseInstanceConfig({
      runLaunchers,
      runCoordinator: { class: 'QueuedRunCoordinator' },
      ...extra,
    }),
  });
  instances.push(instance);
  return instance;
}

const noop = op({ name: 'noop', run: () => 1 });
const plain = job({ name: 'plain', graph: () => void noop() });
const pinned = job({ name: 'pinned', tags: { [LAUNCHER_TAG]: 'slow' }, graph: () => void noop() });
const train = job({ name: 'train', graph: () => void noop() });
const located = job({ name: 'located', graph: () => void noop() });
const locatedPinned = job({ name: 'located_pinned', tags: { [LAUNCHER_TAG]: 'local' }, graph: () => void noop() });
defineDefinitions({ jobs: [located, locatedPinned], defaultLauncher: 'slow' });

const submit = (instance: Instance, j: typeof plain, tags: Record<string, string> = {}) =>
  instance.submitJobRun({ job: j, codeLocation: '/nowhere.ts', source: 'api', tags });

describe('runLaunchers in runyard.yaml', () => {
  it('takes the single runLauncher as one launcher named default, and refuses both keys', () => {
    const single = parseInstanceConfig({ runLauncher: { class: 'ProcessRunLauncher' } });
    expect(single.runLaunchers).toBeUndefined();
    expect(() =>
      parseInstanceConfig({ runLauncher: { class: 'ProcessRunLauncher' }, runLaunchers: LAUNCHERS }),
    ).toThrow(/runLaunchers: give either runLauncher \(one launcher\) or runLaunchers/);
  });

  it('reports every problem with its key path', () => {
    const error = catchError(() =>
      parseInstanceConfig({
        runLaunchers: {
          default: 'nope',
          launchers: {
            a: { class: 'ProcessRunLauncher', config: { env: { X: '${vars.missing}' } } },
            b: {
              class: 'ProcessRunLauncher',
              variables: { n: { type: 'number', default: 50, max: 10 }, s: { type: 'string', default: 1 } },
            },
          },
        },
      }),
    );
    expect(error.message).toContain("runLaunchers.default: 'nope' is not one of the launchers (a, b)");
    expect(error.message).toContain('runLaunchers.launchers.a.config.env.X: ${vars.missing} names no variable');
    expect(error.message).toContain('runLaunchers.launchers.b.variables.n.default: must be at most 10, got 50');
    expect(error.message).toContain('runLaunchers.launchers.b.variables.s.default: expected string, got number');
  });

  it("checks each launcher's config at load, under its own key", async () => {
    const error = await open({
      default: 'a',
      launchers: { a: { class: 'ProcessRunLauncher' }, b: { class: 'ProcessRunLauncher', config: { bogus: 1 } } },
    }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as Error).message).toContain('runLaunchers.launchers.b.config.bogus');
  });

  it('writes named launchers back out so a worker rebuilds them without the validator', () => {
    const config = parseInstanceConfig({ runLaunchers: LAUNCHERS });
    expect(config.runLauncher).toEqual({ class: 'ProcessRunLauncher' });
    const data = instanceConfigData(config);
    expect(data.runLauncher).toBeUndefined();
    const trusted = trustedInstanceConfig(JSON.parse(JSON.stringify(data)), undefined);
    expect(trusted?.runLaunchers).toEqual(config.runLaunchers);
    expect(parseInstanceConfig(data).runLaunchers).toEqual(config.runLaunchers);
  });

  it('checks that launcherConcurrencyLimits name launchers', () => {
    expect(() =>
      parseInstanceConfig({
        runLaunchers: LAUNCHERS,
        runCoordinator: { class: 'QueuedRunCoordinator', config: { launcherConcurrencyLimits: { gpus: 2 } } },
      }),
    ).toThrow("runCoordinator.config.launcherConcurrencyLimits.gpus: no launcher is named 'gpus'");
  });
});

describe('routing a run at submit', () => {
  it('goes by precedence: instance default < code location < job tag < run tag', async () => {
    const instance = await open();
    expect((await submit(instance, plain)).tags[LAUNCHER_TAG]).toBe('local');
    expect((await submit(instance, located)).tags[LAUNCHER_TAG]).toBe('slow');
    expect((await submit(instance, locatedPinned)).tags[LAUNCHER_TAG]).toBe('local');
    expect((await submit(instance, pinned)).tags[LAUNCHER_TAG]).toBe('slow');
    expect((await submit(instance, pinned, { [LAUNCHER_TAG]: 'local' })).tags[LAUNCHER_TAG]).toBe('local');
    expect(newRunForJob({ job: located, codeLocation: '/x.ts', source: 'api' }).tags?.[LAUNCHER_TAG]).toBe('slow');
    const info = await instance.info();
    expect(info.runLauncher).toBe(
      'local (ProcessRunLauncher, default), slow (ProcessRunLauncher), gpu (ProcessRunLauncher)',
    );
    expect(info.runLaunchers).toEqual({
      local: 'ProcessRunLauncher',
      slow: 'ProcessRunLauncher',
      gpu: 'ProcessRunLauncher',
    });
  });

  it('refuses a launcher the allow-list does not let in, or one that does not exist, and writes nothing', async () => {
    const instance = await open();
    const refused = await submit(instance, plain, { [LAUNCHER_TAG]: 'gpu' }).catch((e: unknown) => e as Error);
    expect(refused).toBeInstanceOf(InvalidConfigError);
    expect(refused.message).toContain(
      "runyard/launcher: launcher 'gpu' may not run job 'plain': runyard.yaml allows it only for jobs train or tag team=ml|vision",
    );
    const unknown = await submit(instance, plain, { [LAUNCHER_TAG]: 'tpu' }).catch((e: unknown) => e as Error);
    expect(unknown.message).toContain("runyard.yaml names no launcher 'tpu' (launchers: local, slow, gpu)");
    expect(await instance.storage.runs.countRuns({})).toBe(0);
    // Allowed by job name, and by tag.
    expect((await submit(instance, train, { [LAUNCHER_TAG]: 'gpu' })).tags[LAUNCHER_TAG]).toBe('gpu');
    expect((await submit(instance, plain, { [LAUNCHER_TAG]: 'gpu', team: 'vision' })).tags[LAUNCHER_TAG]).toBe('gpu');
  });

  it('validates variables like run config, every problem by path, and records them with defaults filled in', async () => {
    const instance = await open();
    const bad = await submit(instance, pinned, {
      [LAUNCHER_VARS_TAG]: JSON.stringify({ grace: 99, mode: 'c', colour: 'red' }),
    }).catch((e: unknown) => e as Error);
    expect(bad.message).toContain('runyard/launcher_vars.grace: must be at most 30, got 99');
    expect(bad.message).toContain('runyard/launcher_vars.mode: "c" is not allowed; choose one of "a", "b"');
    expect(bad.message).toContain("runyard/launcher_vars.colour: launcher 'slow' has no variable 'colour'");
    const notJson = await submit(instance, pinned, { [LAUNCHER_VARS_TAG]: '{grace' }).catch((e: unknown) => e as Error);
    expect(notJson.message).toContain('runyard/launcher_vars: is not valid JSON');
    expect(await instance.storage.runs.countRuns({})).toBe(0);

    const run = await submit(instance, pinned, { [LAUNCHER_VARS_TAG]: JSON.stringify({ mode: 'b' }) });
    expect(JSON.parse(run.tags[LAUNCHER_VARS_TAG] as string)).toEqual({ grace: 5, mode: 'b' });
    const launcher = await instance.launcherForRun(run);
    expect(launcher.launcherName).toBe('slow');
    expect(launcher.graceMs).toBe(5_000);
    expect((launcher.inner as unknown as { config?: unknown }).constructor.name).toBe('ProcessRunLauncher');
    // Another set of values is another launcher object; the same set is the same one.
    const other = await submit(instance, pinned, { [LAUNCHER_VARS_TAG]: JSON.stringify({ grace: 7 }) });
    expect((await instance.launcherForRun(other)).graceMs).toBe(7_000);
    expect(await instance.launcherForRun(run)).toBe(launcher);
  });

  it('fills ${vars.x} with the typed value, or as text inside other text', () => {
    expect(
      applyLauncherVars({ a: '${vars.n}', b: 'x-${vars.n}-${vars.s}', c: ['${vars.b}'] }, { n: 2, s: 'y', b: true }),
    ).toEqual({
      a: 2,
      b: 'x-2-y',
      c: [true],
    });
  });

  it('says so when a run recorded a launcher runyard.yaml no longer names', async () => {
    const instance = await open();
    const run = await submit(instance, pinned);
    const home = instance.home;
    await instance.dispose();
    instances.splice(instances.indexOf(instance), 1);
    const changed = await Instance.open({
      home,
      config: parseInstanceConfig({
        runLaunchers: { default: 'local', launchers: { local: { class: 'ProcessRunLauncher' } } },
        runCoordinator: { class: 'QueuedRunCoordinator' },
      }),
    });
    instances.push(changed);
    const error = await changed.launcherForRun(run).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(LauncherNotConfiguredError);
    expect(error.message).toBe(
      `run ${run.runId} was launched with launcher 'slow', which runyard.yaml no longer names (launchers: local); put the launcher back to stop, check or resume its worker`,
    );
    // A queued run whose launcher is gone fails when it is dequeued, saying why; it never goes to another.
    const launched = await changed.launchRun(run.runId);
    expect(launched.status).toBe('FAILURE');
    expect(launched.statusReason).toContain("launched with launcher 'slow', which runyard.yaml no longer names");
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
