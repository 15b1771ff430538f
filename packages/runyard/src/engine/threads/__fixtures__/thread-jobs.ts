// A code location for the threads executor's own tests: what only threads do (shared module
// state, heap limits, process.exit and fatal errors ending a thread, a cancel that must
// terminate). Ops find their scratch directory in the run's `test/dir` tag.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { defineDefinitions, job, op } from 'runyard';
import { z } from 'zod';

const dirOf = (tags: Readonly<Record<string, string>>) => tags['test/dir'] as string;
const mark = (tags: Readonly<Record<string, string>>, name: string) =>
  writeFileSync(path.join(dirOf(tags), name), String(threadId));

// Module-level state: loaded once per thread, so it persists between the steps a thread runs.
let stepsSeenByThisThread = 0;
const counts = op({
  name: 'counts',
  ins: { prev: z.unknown() },
  run: () => ({ threadId, seen: ++stepsSeenByThisThread }),
});
const first = op({ name: 'first', run: () => ({ threadId, seen: ++stepsSeenByThisThread }) });
export const sharedState = job({
  name: 'shared_state',
  executor: { type: 'threads', maxConcurrent: 1 },
  graph: () => {
    let last = first();
    for (let i = 1; i < 4; i++) last = counts.as(`counts_${i}`)({ prev: last });
  },
});

const fine = op({ name: 'fine', run: () => ({ threadId }) });
const after = op({ name: 'after', ins: { x: z.unknown() }, run: () => 'never' });

// ── heap: one step outgrows its thread's heap; the others go on ────────────────────────────
const hog = op({
  name: 'hog',
  run: () => {
    const hoard: unknown[] = [];
    for (;;) hoard.push(new Array(100_000).fill({ x: hoard.length }));
  },
});
export const heap = job({
  name: 'heap',
  executor: { type: 'threads', maxConcurrent: 2, resourceLimits: { maxOldGenerationSizeMb: 48 } },
  graph: () => {
    after({ x: hog() });
    for (let i = 1; i <= 3; i++) fine.as(`fine_${i}`)();
  },
});

// ── exits: process.exit() and an uncaught exception end the thread, not the run ───────────
const exits = op({
  name: 'exits',
  run: () => {
    process.stderr.write('exits: calling process.exit(7)\n');
    process.exit(7);
  },
});
const throwsLater = op({
  name: 'throws_later',
  run: () =>
    new Promise(() => {
      setTimeout(() => {
        throw new RangeError('thrown from a timer');
      }, 1);
    }),
});
const retriedExit = op({
  name: 'retried_exit',
  retryPolicy: { maxRetries: 1 },
  run: (ctx) => {
    if (ctx.attempt === 1) process.exit(1);
    return { threadId, attempt: ctx.attempt };
  },
});
export const exitsJob = job({
  name: 'exits',
  executor: { type: 'threads', maxConcurrent: 2 },
  graph: () => {
    after({ x: exits() });
    after.as('after_throw')({ x: throwsLater() });
    retriedExit();
    for (let i = 1; i <= 3; i++) fine.as(`fine_${i}`)();
  },
});

// ── stubborn: a step that never looks at its signal, and a polite one ─────────────────────
const spins = op({
  name: 'spins',
  run: (ctx) => {
    mark(ctx.tags, 'spins.started');
    // A synchronous loop: the thread cannot even read the cancel message.
    for (;;) {}
  },
});
const polite = op({
  name: 'polite',
  run: (ctx) =>
    new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => reject(new Error('stopped when asked')));
      mark(ctx.tags, 'polite.started');
    }),
});
export const stubborn = job({
  name: 'stubborn',
  executor: { type: 'threads', maxConcurrent: 2 },
  graph: () => {
    after({ x: spins() });
    polite();
  },
});

export default defineDefinitions({ jobs: [sharedState, heap, exitsJob, stubborn] });
