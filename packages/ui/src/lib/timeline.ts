/**
 * Steps → bars over time for the run page. Pure, so the geometry (running steps growing to "now",
 * instant steps staying visible, tick spacing) is unit-tested without a browser.
 */
import type { StepStatus, StepSummary } from '../api/types';

export interface TimelineBar {
  stepKey: string;
  status: StepStatus;
  attempts: number;
  /** Percentages of the timeline's width; undefined for steps that never started. */
  leftPct?: number;
  widthPct?: number;
  durationMs?: number;
  running: boolean;
  endReason?: string;
}

export interface TimelineTick {
  pct: number;
  label: string;
}

export interface TimelineLayout {
  start: number;
  end: number;
  bars: TimelineBar[];
  ticks: TimelineTick[];
}

export interface TimelineOptions {
  now: number;
  runStart?: number | null;
  runEnd?: number | null;
  /** Bars narrower than this (percent) are widened so a 2 ms step is still something to hover. */
  minWidthPct?: number;
}

const NICE_STEPS_MS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000,
];

/** The smallest "nice" interval that gives at most `maxTicks` ticks across `spanMs`. */
export function tickInterval(spanMs: number, maxTicks = 6): number {
  for (const step of NICE_STEPS_MS) if (spanMs / step <= maxTicks) return step;
  return Math.ceil(spanMs / maxTicks / 86_400_000) * 86_400_000;
}

export function formatOffset(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1000) return `+${ms} ms`;
  if (ms < 60_000) return `+${Number((ms / 1000).toFixed(2))} s`;
  if (ms < 3_600_000) return `+${Number((ms / 60_000).toFixed(1))} m`;
  return `+${Number((ms / 3_600_000).toFixed(1))} h`;
}

export function layoutTimeline(steps: readonly StepSummary[], opts: TimelineOptions): TimelineLayout {
  const minWidth = opts.minWidthPct ?? 0.6;
  const started = steps.filter((s) => s.startTime != null);
  const starts = started.map((s) => s.startTime!);
  const start = Math.min(opts.runStart ?? Number.POSITIVE_INFINITY, ...starts);
  if (!Number.isFinite(start)) {
    return { start: opts.now, end: opts.now, bars: steps.map(unplaced), ticks: [] };
  }
  // A finished run has no running step: one the server left open ends with the run, not at "now".
  const finished = opts.runEnd != null;
  const stillRunning = (s: StepSummary) => s.endTime == null && isOpen(s) && !finished;
  const stepEnd = (s: StepSummary) => s.endTime ?? (isOpen(s) ? (opts.runEnd ?? opts.now) : s.startTime!);
  const anyOpen = started.some(stillRunning);
  let end = opts.runEnd ?? (anyOpen ? opts.now : Math.max(start, ...started.map(stepEnd)));
  // A finished run ends when its last step ends at the latest; an open one is still growing.
  end = Math.max(end, ...started.map(stepEnd));
  const span = Math.max(end - start, 1);
  const pct = (t: number) => ((t - start) / span) * 100;

  const ordered = [...steps].sort((a, b) => (a.startTime ?? Infinity) - (b.startTime ?? Infinity));
  const bars = ordered.map((s): TimelineBar => {
    if (s.startTime == null) return unplaced(s);
    const e = stepEnd(s);
    const left = Math.min(pct(s.startTime), 100 - minWidth);
    const width = Math.min(Math.max(pct(e) - pct(s.startTime), minWidth), 100 - left);
    return {
      stepKey: s.stepKey,
      status: s.status,
      attempts: s.attempts,
      leftPct: left,
      widthPct: width,
      durationMs: e - s.startTime,
      running: stillRunning(s),
      ...(s.endReason ? { endReason: s.endReason } : {}),
    };
  });

  const interval = tickInterval(span);
  const ticks: TimelineTick[] = [];
  for (let t = 0; t <= span; t += interval) ticks.push({ pct: (t / span) * 100, label: formatOffset(t) });
  return { start, end, bars, ticks };
}

function isOpen(s: StepSummary): boolean {
  return s.status === 'RUNNING' || s.status === 'UP_FOR_RETRY';
}

function unplaced(s: StepSummary): TimelineBar {
  return { stepKey: s.stepKey, status: s.status, attempts: s.attempts, running: false };
}
