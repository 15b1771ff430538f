import { expect, it } from 'vitest';
import { instanceSections } from './instance-sections';

it('splits /api/instance into plain values and titled sections in a useful order', () => {
  const { summary, sections } = instanceSections({
    home: '/h',
    configFile: null,
    storage: { kind: 'SqliteStorage', location: '/h/runyard.db' },
    config: {
      storage: { class: 'SqliteStorage' },
      runCoordinator: { class: 'ImmediateRunCoordinator' },
      runLauncher: { class: 'ProcessRunLauncher' },
      extra: { a: 1 },
    },
  });
  expect(summary).toEqual({ home: '/h', configFile: null });
  expect(sections.map(([key]) => key)).toEqual(['runLauncher', 'runCoordinator', 'storage', 'extra']);
  expect(sections.find(([key]) => key === 'storage')![2]).toEqual({
    kind: 'SqliteStorage',
    location: '/h/runyard.db',
    config: { class: 'SqliteStorage' },
  });
});

it('copes with an instance description without a config block', () => {
  const { sections } = instanceSections({ runLauncher: { class: 'X' }, other: { b: 2 } });
  expect(sections.map(([key, label]) => `${key}:${label}`)).toEqual(['runLauncher:Run launcher', 'other:other']);
});
