import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteStorage } from 'runyard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';
import {
  expectEveryEventInOrder,
  expectFollowedExactlyOnce,
  expectNoStackTrace,
  runThroughOutage,
} from './fixtures/storage-outage.js';

// Enough that the 5 s outage ends inside the first step: its output goes to the same (full) disk.
const LINES_PER_STEP = 2_000;
const SIZE = '48m';

/**
 * SQLite on a disk that fills up for 5 s in the middle of a launched run: the test mounts a small
 * tmpfs of its own (it runs as root), puts RUNYARD_HOME there, fills the rest with a file and
 * removes it again. The worker keeps the events SQLite refused (SQLITE_FULL) and stores them
 * afterwards; the run ends SUCCESS with every event, in order.
 */
const canMount = process.getuid?.() === 0;
if (!canMount && process.env.CI !== 'true')
  console.warn('[skipped] SQLite on a full disk: mounting a tmpfs needs root');
(canMount || process.env.CI === 'true' ? describe : describe.skip)(
  'SQLite on a disk full for 5 s in the middle of a run',
  () => {
    let mountPoint: string;
    let filler: string;

    beforeAll(() => {
      mountPoint = mkdtempSync(path.join(tmpdir(), 'runyard-full-disk-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE}`, 'tmpfs', mountPoint]);
      filler = path.join(mountPoint, 'filler');
    });

    afterAll(() => {
      if (!mountPoint) return;
      try {
        // Lazy: a process of the run still closing its files must not leave the mount behind.
        execFileSync('umount', ['-l', mountPoint]);
      } finally {
        rmSync(mountPoint, { recursive: true, force: true });
      }
    });

    it('loses no event, keeps their order, and the run succeeds', async () => {
      const home = path.join(mountPoint, 'home');
      const env = { RUNYARD_HOME: home };
      const result = await runThroughOutage({
        env,
        scratchDir: mountPoint,
        linesPerStep: LINES_PER_STEP,
        delayMs: 4,
        outageAfterLine: 100,
        outageMs: 5_000,
        beginOutage: async () => fillDisk(filler),
        endOutage: async () => rmSync(filler, { force: true }),
      });
      const storage = await SqliteStorage.open({ path: path.join(home, 'runyard.db') });
      try {
        const run = await storage.runs.getRun(result.runId);
        const events = await storage.events.getEvents(result.runId);
        expect(run?.status, `${result.launch.stdout}\n${result.launch.stderr}\n${result.daemonOutput}`).toBe('SUCCESS');
        expectEveryEventInOrder(events, 2 * LINES_PER_STEP);
        expect(result.launch.code, result.launch.stderr).toBe(0);
        expectNoStackTrace(result.launch);
        expectFollowedExactlyOnce(result.follow, events);
        // The worker met the full disk: its note from when it was over (the first one, written to
        // the full disk itself, may be lost) is in its captured stderr.
        const workerStderr = await runCli(['run', 'logs', result.runId, '--stderr'], { env });
        expect(workerStderr.stdout).toMatch(/runyard: storage is back after [\d.]+ s; storing the delayed events/);
      } finally {
        await storage.dispose();
      }
    }, 120_000);
  },
);

/** Writes zeros until the filesystem has no byte left. */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  try {
    for (const size of [1 << 20, 1 << 12, 1]) {
      const chunk = Buffer.alloc(size);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
}
