import { afterEach, describe, expect, it } from 'vitest';
import { parseCron } from '../src/index.js';
import { expectUserError } from './cli-helpers.js';
import { fixture, YardHarness } from './fixtures/yard-harness.js';

const SCHEDULES = fixture('schedules.ts');
let harness: YardHarness | undefined;

afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

describe('runyard schedule list, start and stop', { timeout: 120_000 }, () => {
  it('lists the schedules of a file, starts and stops one, and keeps its state in the instance', async () => {
    harness = new YardHarness();
    const h = harness;
    const listed = await h.cli(['schedule', 'list', '-f', SCHEDULES]);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^SCHEDULE +CRON +TIMEZONE +JOB +STATUS +NEXT TICK +LAST TICK$/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^nightly +0 3 \* \* \* +Europe\/Berlin +noted +STOPPED +- +-$/),
    );
    expect(lines).toHaveLength(6);
    expect((await h.cli(['schedule', 'list'])).stdout).toBe('no schedule has been started on this instance\n');

    const started = await h.cli(['schedule', 'start', 'nightly', '-f', SCHEDULES]);
    expect(started.code).toBe(0);
    expect(started.stdout).toBe(
      `schedule 'nightly' is RUNNING (from ${SCHEDULES}); \`runyard daemon\` creates its runs\n`,
    );
    expect((await h.cli(['schedule', 'start', 'nightly', '-f', SCHEDULES])).stdout).toBe(
      "schedule 'nightly' was already RUNNING\n",
    );

    const before = Date.now();
    const json = await h.cli(['schedule', 'list', '--json']);
    expect(json.code).toBe(0);
    const [row] = JSON.parse(json.stdout);
    expect(row).toEqual({
      name: 'nightly',
      status: 'RUNNING',
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
      job: 'noted',
      catchUp: 'latest',
      description: 'every night at three, Berlin time',
      codeLocation: SCHEDULES,
      nextTickAt: expect.any(String),
      lastTick: null,
      problem: null,
    });
    // 03:00 in Berlin: the next one after now, as the cron library computes it.
    const cron = parseCron('0 3 * * *', 'Europe/Berlin');
    expect(
      [cron.nextAfter(before), cron.nextAfter(Date.now())].map((t) => new Date(t as number).toISOString()),
    ).toContain(row.nextTickAt);
    const text = await h.cli(['schedule', 'list']);
    expect(text.stdout).toMatch(
      /^nightly +0 3 \* \* \* +Europe\/Berlin +noted +RUNNING +\d{4}-\d\d-\d\d 0[12]:00:00Z +-$/m,
    );

    const state = await (await h.instance()).storage.schedules.getScheduleState('nightly');
    expect(state).toMatchObject({ status: 'RUNNING', codeLocation: SCHEDULES });

    expect((await h.cli(['schedule', 'stop', 'nightly'])).stdout).toBe("schedule 'nightly' is STOPPED\n");
    expect((await h.cli(['schedule', 'stop', 'nightly', '-f', SCHEDULES])).stdout).toBe(
      "schedule 'nightly' was already STOPPED\n",
    );
    const after = JSON.parse((await h.cli(['schedule', 'list', '-f', SCHEDULES, '--json'])).stdout);
    expect(after.find((s: { name: string }) => s.name === 'nightly')).toMatchObject({
      status: 'STOPPED',
      nextTickAt: null,
    });
  });

  it('names what is wrong: an unknown schedule, one never started, a missing -f', async () => {
    harness = new YardHarness();
    const h = harness;
    expectUserError(
      await h.cli(['schedule', 'start', 'hourly', '-f', SCHEDULES]),
      "schedule 'hourly' was not found in ",
    );
    expectUserError(
      await h.cli(['schedule', 'start', 'hourly', '-f', SCHEDULES]),
      'schedules there: every_second, every_minute',
    );
    expectUserError(
      await h.cli(['schedule', 'stop', 'nightly']),
      "schedule 'nightly' has never been started on this instance",
    );
    expectUserError(await h.cli(['schedule', 'start', 'nightly']), "required option '-f, --file <file>' not specified");
    expect(await h.runs()).toEqual([]);
  });
});
