import { describe, expect, it } from 'vitest';
import { dockerRunLauncherConfigSchema, parseMemory } from './docker-run-launcher-config.js';
import { DOCKER_RUN_TAG, mergeRunOverrides, parseRunOverrides } from './docker-run-overrides.js';

const base = dockerRunLauncherConfigSchema.parse({
  image: 'jobs:1',
  env: { A: '1', B: '2' },
  labels: { team: 'yard' },
  volumes: ['/data:/data:ro', '/cache:/cache'],
  memory: '1g',
  allowRunOverrides: ['image', 'env', 'volumes', 'memory'],
});

describe('the runyard/docker run tag', () => {
  it('is optional: no tag, no overrides', () => {
    expect(parseRunOverrides({}, [])).toEqual({ ok: true, overrides: {} });
  });

  it('names the tag, the key and the reason for each refusal', () => {
    const outcome = parseRunOverrides({ [DOCKER_RUN_TAG]: '{"image":"x","cpus":2,"pull":true}' }, ['image']);
    expect(outcome).toEqual({
      ok: false,
      issues: [
        {
          path: 'runyard/docker.cpus',
          message: "the instance does not allow runs to override 'cpus' (the run launcher's allowRunOverrides: image)",
        },
        {
          path: 'runyard/docker.pull',
          message: expect.stringMatching(/^unknown key; a run may override only image, /),
        },
      ],
    });
  });

  it('refuses bad JSON, a non-object, and values the schema rejects, with their key path', () => {
    expect(parseRunOverrides({ [DOCKER_RUN_TAG]: '{' }, [])).toMatchObject({
      ok: false,
      issues: [{ path: 'runyard/docker', message: expect.stringContaining('is not valid JSON') }],
    });
    expect(parseRunOverrides({ [DOCKER_RUN_TAG]: '"2g"' }, [])).toMatchObject({
      ok: false,
      issues: [{ path: 'runyard/docker', message: 'expected a JSON object of container settings, got string' }],
    });
    expect(parseRunOverrides({ [DOCKER_RUN_TAG]: '{"env":{"A":3},"memory":"1m"}' }, ['env', 'memory'])).toMatchObject({
      ok: false,
      issues: [
        { path: 'runyard/docker.env.A', message: expect.any(String) },
        { path: 'runyard/docker.memory', message: 'must be at least 6m (Docker refuses less)' },
      ],
    });
  });

  it('merges instance < run: scalars replaced, env and labels by key, mounts by container path', () => {
    const outcome = parseRunOverrides(
      { [DOCKER_RUN_TAG]: JSON.stringify({ image: 'jobs:2', env: { B: 'run' }, volumes: ['/other:/cache'] }) },
      base.allowRunOverrides,
    );
    if (!outcome.ok) throw new Error('expected the overrides to be accepted');
    expect(mergeRunOverrides(base, outcome.overrides)).toMatchObject({
      image: 'jobs:2',
      env: { A: '1', B: 'run' },
      labels: { team: 'yard' },
      volumes: ['/data:/data:ro', '/other:/cache'],
      memory: '1g',
      command: ['runyard'],
    });
  });
});

describe('the launcher config', () => {
  it('fills in defaults and refuses unknown keys', () => {
    expect(dockerRunLauncherConfigSchema.parse({ image: 'x' })).toMatchObject({
      command: ['runyard'],
      pull: false,
      init: true,
      terminateGraceSeconds: 10,
      containerNamePrefix: 'runyard-run-',
      allowRunOverrides: [],
    });
    expect(dockerRunLauncherConfigSchema.safeParse({ image: 'x', memroy: '1g' }).success).toBe(false);
    expect(dockerRunLauncherConfigSchema.safeParse({ image: 'x', allowRunOverrides: ['dockerHost'] }).success).toBe(
      false,
    );
    expect(dockerRunLauncherConfigSchema.safeParse({ image: 'x', containerNamePrefix: '-bad' }).success).toBe(false);
  });

  it('reads memory as docker run --memory does', () => {
    expect(parseMemory('512m')).toBe(512 * 1024 ** 2);
    expect(parseMemory('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseMemory('2g')).toBe(2 * 1024 ** 3);
    expect(parseMemory(1024)).toBe(1024);
    expect(parseMemory('lots')).toBeUndefined();
    expect(parseMemory(-1)).toBeUndefined();
  });
});
