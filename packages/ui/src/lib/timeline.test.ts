import { describe, expect, it } from 'vitest';
import type { StepSummary } from '../api/types';
import { formatOffset, layoutTimeline, tickInterval } from './timeline';

const step = (stepKey: string, status: StepSummary['status'], startTime?: number, endTime?: number): StepSummary => ({
  stepKey,
  status,
  attempts: startTime === undefined ? 0 : 1,
  ...(startTime !== undefined ? { startTime } : {}),
  ...(endTime !== undefined ? { endTime } : {}),
});

describe('layoutTimeline', () => {
  it('places finished steps proportionally between the run start and end', () => {
    const layout = layoutTimeline([step('a', 'SUCCESS', 1000, 1500), step('b', 'SUCCESS', 1500, 2000)], {
      now: 9999,
      runStart: 1000,
      runEnd: 2000,
    });
    expect(layout.start).toBe(1000);
    expect(layout.end).toBe(2000);
    const [a, b] = layout.bars;
    expect(a).toMatchObject({ stepKey: 'a', leftPct: 0, widthPct: 50, durationMs: 500, running: false });
    expect(b).toMatchObject({ stepKey: 'b', leftPct: 50, widthPct: 50 });
  });

  it('grows running steps and the axis up to now while the run is live', () => {
    const layout = layoutTimeline([step('a', 'SUCCESS', 0, 100), step('b', 'RUNNING', 100)], { now: 400, runStart: 0 });
    expect(layout.end).toBe(400);
    const b = layout.bars.find((x) => x.stepKey === 'b')!;
    expect(b.running).toBe(true);
    expect(b.durationMs).toBe(300);
    expect(b.leftPct! + b.widthPct!).toBeCloseTo(100);
  });

  it('keeps instant steps visible and inside the track', () => {
    const layout = layoutTimeline([step('a', 'SUCCESS', 0, 10_000), step('z', 'SUCCESS', 10_000, 10_000)], {
      now: 0,
      runStart: 0,
      runEnd: 10_000,
      minWidthPct: 1,
    });
    const z = layout.bars.find((x) => x.stepKey === 'z')!;
    expect(z.widthPct).toBe(1);
    expect(z.leftPct! + z.widthPct!).toBeLessThanOrEqual(100);
  });

  it('orders bars by start time and lists never-started steps last, unplaced', () => {
    const layout = layoutTimeline(
      [step('skipped', 'SKIPPED'), step('late', 'SUCCESS', 50, 60), step('early', 'SUCCESS', 0, 10)],
      { now: 100, runStart: 0, runEnd: 60 },
    );
    expect(layout.bars.map((b) => b.stepKey)).toEqual(['early', 'late', 'skipped']);
    expect(layout.bars[2]!.leftPct).toBeUndefined();
  });

  it('draws no running bar on a finished run: a step left open ends with the run, not at now', () => {
    const layout = layoutTimeline([step('a', 'RUNNING', 1000), step('b', 'NOT_STARTED')], {
      now: 60_000,
      runStart: 1000,
      runEnd: 18_000,
    });
    expect(layout.end).toBe(18_000);
    const [a, b] = layout.bars;
    expect(a).toMatchObject({ stepKey: 'a', running: false, durationMs: 17_000, leftPct: 0, widthPct: 100 });
    expect(b).toMatchObject({ stepKey: 'b', status: 'NOT_STARTED', running: false });
    expect(b!.leftPct).toBeUndefined();
  });

  it('returns an empty axis when nothing has started', () => {
    const layout = layoutTimeline([step('a', 'PENDING')], { now: 5 });
    expect(layout.ticks).toEqual([]);
    expect(layout.bars[0]!.leftPct).toBeUndefined();
  });

  it('treats a step that ended after the reported run end as part of the run', () => {
    const layout = layoutTimeline([step('a', 'SUCCESS', 0, 200)], { now: 0, runStart: 0, runEnd: 100 });
    expect(layout.end).toBe(200);
  });
});

describe('ticks', () => {
  it('chooses a nice interval giving at most six ticks', () => {
    expect(tickInterval(350)).toBe(100);
    expect(tickInterval(1000)).toBe(200);
    expect(tickInterval(45_000)).toBe(10_000);
    expect(tickInterval(3 * 3_600_000)).toBe(1_800_000);
  });

  it('labels offsets from the start', () => {
    expect(formatOffset(0)).toBe('0');
    expect(formatOffset(250)).toBe('+250 ms');
    expect(formatOffset(1500)).toBe('+1.5 s');
    expect(formatOffset(90_000)).toBe('+1.5 m');
  });

  it('puts the first tick at the start and none beyond the end', () => {
    const layout = layoutTimeline([step('a', 'SUCCESS', 0, 1000)], { now: 0, runStart: 0, runEnd: 1000 });
    expect(layout.ticks[0]).toEqual({ pct: 0, label: '0' });
    expect(layout.ticks.every((t) => t.pct <= 100)).toBe(true);
  });
});
