import { describe, expect, it } from 'vitest';
import type { JobLaunchers } from '../api/types';
import { LAUNCHER_TAG, LAUNCHER_VARS_TAG, launcherTags } from './launcher-tags';

const info: JobLaunchers = {
  default: 'local',
  defaultFrom: 'instance',
  launchers: [
    { name: 'local', class: 'ProcessRunLauncher', isDefault: true, variables: {} },
    {
      name: 'big',
      class: 'DockerRunLauncher',
      isDefault: false,
      variables: {
        memory: { type: 'string', default: '1g', allowed: ['1g', '4g'] },
        cpus: { type: 'number', default: 1, min: 1, max: 8 },
      },
    },
  ],
};

describe('launcherTags', () => {
  it('adds nothing for the default launcher with default values', () => {
    expect(launcherTags(info, { launcher: null, vars: {} })).toEqual({ tags: {}, errors: {} });
    expect(launcherTags(info, { launcher: 'local', vars: {} }).tags).toEqual({});
  });

  it('names another launcher and only the variables that differ from their defaults', () => {
    const result = launcherTags(info, { launcher: 'big', vars: { memory: '4g', cpus: '1' } });
    expect(result.tags).toEqual({ [LAUNCHER_TAG]: 'big', [LAUNCHER_VARS_TAG]: '{"memory":"4g"}' });
  });

  it('checks values as the server does', () => {
    expect(launcherTags(info, { launcher: 'big', vars: { cpus: '9', memory: '2g' } }).errors).toEqual({
      cpus: 'at most 8',
      memory: 'one of 1g, 4g',
    });
  });
});
