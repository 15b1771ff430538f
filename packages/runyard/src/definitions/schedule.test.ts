import { describe, expect, it } from 'vitest';
import { DefinitionError } from '../errors.js';
import { job } from './job.js';
import { op } from './op.js';
import { schedule } from './schedule.js';

const j = job({ name: 'j', graph: () => void op({ name: 'a', run: () => 1 })() });

describe('schedule()', () => {
  it('fills in the defaults and normalises the cron', () => {
    const s = schedule({ name: 'nightly', cron: '  0   3 * * * ', job: j });
    expect(s).toMatchObject({ name: 'nightly', cron: '0 3 * * *', timezone: 'UTC', catchUp: 'latest', runConfig: {} });
    expect(schedule({ name: 'fast', cron: '*/5 * * * * *', job: j, catchUp: 'all' }).catchUp).toBe('all');
    expect(schedule({ name: 'nick', cron: '@daily', job: j }).cron).toBe('@daily');
  });

  it("refuses a cron expression croner cannot read, saying why: schedule 'x': cron …", () => {
    for (const [cron, reason] of [
      ['61 * * * *', /and '61 \* \* \* \*' is not: Invalid value for minute: 61/],
      ['0 25 * * *', /'0 25 \* \* \*' is not: .*hour/],
      ['* * * *', /five or six/],
      ['* * * * * * *', /five or six/],
    ] as const) {
      const error = (() => {
        try {
          schedule({ name: 'x', cron, job: j });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(DefinitionError);
      expect((error as Error).message).toMatch(/^schedule 'x': cron must be a cron expression/);
      expect((error as Error).message).toMatch(reason);
    }
    expect(() => schedule({ name: 'x', cron: '0 0 31 2 *', job: j })).toThrow(
      "schedule 'x': cron '0 0 31 2 *' never comes due",
    );
  });

  it('refuses an unknown catchUp, and a runConfig that is neither an object nor a function', () => {
    expect(() => schedule({ name: 'x', cron: '* * * * *', job: j, catchUp: 'some' as never })).toThrow(
      "schedule 'x': catchUp must be one of 'latest', 'all', 'none', got \"some\"",
    );
    expect(() => schedule({ name: 'x', cron: '* * * * *', job: j, runConfig: [] as never })).toThrow(
      "schedule 'x': runConfig must be an object or a function",
    );
  });
});
