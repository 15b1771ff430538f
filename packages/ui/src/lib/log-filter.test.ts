import { describe, expect, it } from 'vitest';
import type { LogLevel, RunEvent } from '../api/types';
import { countByLevel, filterEvents, mergeEvents, parseLogQuery } from './log-filter';

let nextId = 1;
const ev = (type: string, message: string, extra: Partial<RunEvent> = {}): RunEvent => ({
  id: nextId++,
  runId: 'r',
  type,
  timestamp: 0,
  level: 'info',
  message,
  ...extra,
});

const events = [
  ev('RUN_START', 'started run'),
  ev('STEP_START', 'started step extract', { stepKey: 'extract' }),
  ev('LOG', 'read 10 rows from the warehouse', { stepKey: 'extract', level: 'debug' }),
  ev('STEP_FAILURE', 'step load failed', {
    stepKey: 'load',
    level: 'error',
    error: { name: 'Error', message: 'table locked', cause: { name: 'LockError', message: 'session 42' } },
  }),
  ev('LOG', 'disk almost full', { stepKey: 'load', level: 'warning' }),
];
const all = new Set<LogLevel>(['debug', 'info', 'warning', 'error']);

describe('filterEvents', () => {
  it('keeps only the chosen levels', () => {
    const out = filterEvents(events, { levels: new Set(['error', 'warning']), text: '' });
    expect(out.map((e) => e.type)).toEqual(['STEP_FAILURE', 'LOG']);
  });

  it('needs every word, case-insensitively, anywhere in the event', () => {
    expect(filterEvents(events, { levels: all, text: 'WAREHOUSE rows' })).toHaveLength(1);
    expect(filterEvents(events, { levels: all, text: 'warehouse nothing' })).toHaveLength(0);
  });

  it('searches error messages down the cause chain', () => {
    expect(filterEvents(events, { levels: all, text: 'session 42' }).map((e) => e.type)).toEqual(['STEP_FAILURE']);
  });

  it('narrows by step: and type: terms', () => {
    expect(filterEvents(events, { levels: all, text: 'step:load' })).toHaveLength(2);
    expect(filterEvents(events, { levels: all, text: 'step:load type:log' }).map((e) => e.message)).toEqual([
      'disk almost full',
    ]);
    expect(filterEvents(events, { levels: all, text: 'type:step_' })).toHaveLength(2);
  });

  it('treats a bare "step:" as a word', () => {
    expect(parseLogQuery('step: x')).toEqual({ words: ['step:', 'x'], steps: [], types: [] });
  });
});

describe('mergeEvents', () => {
  const a = { ...events[0]!, id: 1 };
  const b = { ...events[1]!, id: 2 };
  const c = { ...events[2]!, id: 3 };

  it('appends events that follow the last one', () => {
    expect(mergeEvents([a], [b, c]).map((e) => e.id)).toEqual([1, 2, 3]);
  });

  it('drops duplicates and restores id order when batches overlap', () => {
    expect(mergeEvents([a, b], [b, c, a]).map((e) => e.id)).toEqual([1, 2, 3]);
    expect(mergeEvents([c], [a]).map((e) => e.id)).toEqual([1, 3]);
  });

  it('returns the same array for an empty batch', () => {
    const current = [a];
    expect(mergeEvents(current, [])).toBe(current);
  });
});

it('counts events per level', () => {
  expect(countByLevel(events)).toEqual({ debug: 1, info: 2, warning: 1, error: 1 });
});
