// A code location for the multiprocess executor's tests: each job exercises one behaviour.
// Ops find their scratch directory in the run's `test/dir` tag.
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { defineDefinitions, job, op } from 'runyard';
import { z } from 'zod';

const multiprocess = { type: 'multiprocess', maxConcurrent: 2 } as const;
const numbered = z.object({ n: z.number(), pid: z.number() });
const dirOf = (tags: Readonly<Record<string, string>>) => tags['test/dir'] as string;

// ── chain: start → inc_1 → … → inc_9 (10 ops) ──────────────────────────────────────────────
const start = op({
  name: 'start',
  run: (ctx) => {
    ctx.log.info('starting the chain', { attempt: ctx.attempt });
    return { n: 0, pid: process.pid };
  },
});
const inc = op({
  name: 'inc',
  ins: { prev: numbered },
  run: (ctx, { prev }) => {
    ctx.log.debug(`adding one to ${prev.n}`);
    return { n: prev.n + 1, pid: process.pid };
  },
});
export const chain = job({
  name: 'chain',
  executor: multiprocess,
  graph: () => {
    let last = start();
    for (let i = 1; i < 10; i++) last = inc.as(`inc_${i}`)({ prev: last });
  },
});

// ── fan_out: root → branch_1 … branch_18 → total (20 ops) ──────────────────────────────────
const root = op({ name: 'root', run: () => ({ n: 1, pid: process.pid }) });
const branch = op({
  name: 'branch',
  ins: { from: numbered },
  run: (ctx, { from }) => ({ n: from.n * Number(ctx.stepKey.slice('branch_'.length)), pid: process.pid }),
});
const total = op({
  name: 'total',
  ins: { parts: z.array(numbered) },
  run: (_ctx, { parts }) => ({ n: parts.reduce((sum, p) => sum + p.n, 0), pid: process.pid }),
});
export const fanOut = job({
  name: 'fan_out',
  executor: multiprocess,
  graph: () => {
    const r = root();
    const parts = [];
    for (let i = 1; i <= 18; i++) parts.push(branch.as(`branch_${i}`)({ from: r }));
    total({ parts });
  },
});

// ── wide: 6 independent ops that record how many of them run at once ───────────────────────
const counts = op({
  name: 'counts',
  run: async (ctx) => {
    const dir = dirOf(ctx.tags);
    const running = path.join(dir, 'running');
    const started = path.join(dir, 'started');
    // By step, not by process: a reused process runs several of them, one after another.
    writeFileSync(path.join(running, ctx.stepKey), '');
    const peak = readdirSync(running).length;
    writeFileSync(path.join(started, ctx.stepKey), '');
    // Hold the slot until a second op has started, so that two overlap for certain.
    for (let i = 0; i < 200 && readdirSync(started).length < 2; i++) await delay(25);
    await delay(50);
    rmSync(path.join(running, ctx.stepKey));
    return { peak, pid: process.pid };
  },
});
export const wide = job({
  name: 'wide',
  executor: multiprocess,
  graph: () => {
    for (let i = 0; i < 6; i++) counts.as(`w_${i}`)();
  },
});

// ── crashes: each op crashes on its first attempt, then succeeds ───────────────────────────
function firstTime(ctx: { tags: Readonly<Record<string, string>>; stepKey: string }): boolean {
  const marker = path.join(dirOf(ctx.tags), `${ctx.stepKey}.marker`);
  if (existsSync(marker)) return false;
  writeFileSync(marker, String(process.pid));
  return true;
}
const retryOnce = { maxRetries: 1 };
const exits = op({
  name: 'exits',
  retryPolicy: retryOnce,
  run: (ctx) => {
    if (firstTime(ctx)) {
      process.stderr.write('exits: giving up with code 1\n');
      process.exit(1);
    }
    return `recovered in attempt ${ctx.attempt}`;
  },
});
const killed = op({
  name: 'killed',
  retryPolicy: retryOnce,
  run: (ctx) => {
    if (firstTime(ctx)) process.kill(process.pid, 'SIGKILL');
    return `recovered in attempt ${ctx.attempt}`;
  },
});
const hog = op({
  name: 'hog',
  retryPolicy: retryOnce,
  run: (ctx) => {
    if (firstTime(ctx)) {
      const hoard: unknown[] = [];
      for (;;) hoard.push(new Array(100_000).fill({ x: hoard.length }));
    }
    return `recovered in attempt ${ctx.attempt}`;
  },
});
export const crashes = job({
  name: 'crashes',
  executor: multiprocess,
  graph: () => {
    exits();
    killed();
    hog();
  },
});

// ── crash_fails: a crash with no retry left fails the step; downstream is skipped ──────────
const dies = op({ name: 'dies', run: () => process.exit(3) });
const after = op({ name: 'after', ins: { x: z.unknown() }, run: () => 'never' });
const fine = op({ name: 'fine', run: () => 'fine' });
export const crashFails = job({
  name: 'crash_fails',
  executor: multiprocess,
  graph: () => {
    after({ x: dies() });
    fine();
  },
});

// ── failing: an op that throws, as in the in-process executor's tests ──────────────────────
const fails = op({
  name: 'fails',
  retryPolicy: { maxRetries: 1 },
  run: () => {
    throw new Error('outer', { cause: new TypeError('inner') });
  },
});
export const failing = job({
  name: 'failing',
  executor: multiprocess,
  graph: () => {
    const a = after({ x: fails() });
    after.as('after_after')({ x: a });
    fine.as('independent')();
  },
});

// ── cancellable: one op stops when asked, one ignores it; neither finishes by itself ──────
const polite = op({
  name: 'polite',
  run: (ctx) =>
    new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => reject(new Error('stopped when asked')));
      writeFileSync(path.join(dirOf(ctx.tags), `${ctx.stepKey}.pid`), String(process.pid));
    }),
});
const stubborn = op({
  name: 'stubborn',
  run: (ctx) =>
    new Promise(() => {
      process.on('SIGTERM', () => process.stderr.write('stubborn: ignoring SIGTERM\n'));
      setInterval(() => undefined, 1000);
      writeFileSync(path.join(dirOf(ctx.tags), `${ctx.stepKey}.pid`), String(process.pid));
    }),
});
export const cancellable = job({
  name: 'cancellable',
  executor: multiprocess,
  graph: () => {
    after({ x: polite() });
    stubborn();
  },
});

// ── reused: which process each step ran in, and how many steps that process had run ───────
// With maxStepsPerProcess, the steps that one process runs share this module's state: `seen`
// counts them (the isolation trade-off, in docs/performance.md).
let stepsSeenHere = 0;
const seen = () => ({ pid: process.pid, seen: ++stepsSeenHere });
const firstOfRun = op({ name: 'first', run: seen });
const diesOnce = op({
  name: 'dies_once',
  retryPolicy: retryOnce,
  ins: { x: z.unknown() },
  run: (ctx) => {
    if (firstTime(ctx)) process.exit(7);
    return seen();
  },
});
const afterIt = op({ name: 'after_it', ins: { x: z.unknown() }, run: seen });
export const reused = job({
  name: 'reused',
  executor: multiprocess,
  graph: () => {
    const a = firstOfRun();
    const b = diesOnce({ x: a });
    afterIt.as('last')({ x: afterIt({ x: b }) });
  },
});

// ── outputs: what the FileSystemIOManager stores, and what it refuses ──────────────────────
const makesDate = op({ name: 'makes_date', run: () => ({ when: new Date(0) }) });
const makesNothing = op({ name: 'makes_nothing', run: () => undefined });
const takesNothing = op({
  name: 'takes_nothing',
  ins: { nothing: z.undefined() },
  run: (_ctx, { nothing }) => `got ${String(nothing)}`,
});
const prints = op({
  name: 'prints',
  run: () => {
    process.stdout.write('hello from a step process\n');
    process.stderr.write('a warning from a step process\n');
    return 'printed';
  },
});
export const outputs = job({
  name: 'outputs',
  executor: multiprocess,
  graph: () => {
    after({ x: makesDate() });
    takesNothing({ nothing: makesNothing() });
    prints();
  },
});

// ── start_stored: the op looks for the file the test writes when STEP_START is stored ──────
const seesStart = op({
  name: 'sees_start',
  run: (ctx) => existsSync(path.join(dirOf(ctx.tags), `${ctx.stepKey}.start-stored`)),
});
export const startStored = job({ name: 'start_stored', executor: multiprocess, graph: () => void seesStart() });

export default defineDefinitions({
  jobs: [chain, fanOut, wide, crashes, crashFails, failing, cancellable, reused, outputs, startStored],
});
