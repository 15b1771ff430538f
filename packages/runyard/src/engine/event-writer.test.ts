import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewRunEvent, RunEvent } from '../events/run-event.js';
import type { EventLogStorage } from '../storage/event-log-storage.js';
import { SqliteStorage } from '../storage/sqlite/sqlite-storage.js';
import { BufferedEventWriter, type EventWriterOptions } from './event-writer.js';

let storage: SqliteStorage;
let spillDir: string;
const RUN = 'run-1';
const FAST = { initialDelayMs: 1, maxDelayMs: 5 };

beforeEach(async () => {
  storage = await SqliteStorage.open({ path: ':memory:' });
  await storage.runs.createRun({ runId: RUN, jobName: 'j', origin: { codeLocation: '/defs.ts', source: 'test' } });
  spillDir = await mkdtemp(path.join(tmpdir(), 'runyard-spill-'));
});
afterEach(async () => {
  await storage.dispose();
  await rm(spillDir, { recursive: true, force: true });
});

/**
 * The real SQLite event log behind a switch: while `refuse(batch)` says so, appends fail with the
 * error a storage gives when it is unreachable (or, with `permanent`, one that stays).
 */
class FlakyEvents implements EventLogStorage {
  attempts = 0;
  refuse: (batch: readonly NewRunEvent[]) => boolean = () => false;
  error: () => Error = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
  readonly #inner: EventLogStorage;
  constructor(inner: EventLogStorage) {
    this.#inner = inner;
  }
  async appendEvents(events: readonly NewRunEvent[]): Promise<RunEvent[]> {
    this.attempts++;
    if (this.refuse(events)) throw this.error();
    return this.#inner.appendEvents(events);
  }
  getEvents: EventLogStorage['getEvents'] = (runId, query) => this.#inner.getEvents(runId, query);
  getLatestEventId = () => this.#inner.getLatestEventId();
  getEventsAfter: EventLogStorage['getEventsAfter'] = (afterId, query) => this.#inner.getEventsAfter(afterId, query);
}

function writerOn(events: EventLogStorage, options: EventWriterOptions = {}) {
  const notes: string[] = [];
  const writer = new BufferedEventWriter(events, RUN, {
    retry: FAST,
    spillDir,
    note: (line) => notes.push(line),
    ...options,
  });
  return { writer, notes };
}

const logs = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ type: 'LOG' as const, message: `line ${from + i}` }));

async function storedMessages(): Promise<string[]> {
  return (await storage.events.getEvents(RUN)).map((e) => e.message);
}

/** Resolves once `events` has been asked at least `n` more times than now. */
async function attemptsPass(events: FlakyEvents, n: number): Promise<void> {
  const target = events.attempts + n;
  while (events.attempts < target) await new Promise((r) => setTimeout(r, 1));
}

describe('BufferedEventWriter through a storage outage', () => {
  it('keeps what storage refused, tries again with backoff, and stores everything in order when it answers', async () => {
    const events = new FlakyEvents(storage.events);
    const { writer, notes } = writerOn(events);
    events.refuse = () => true;
    for (const e of logs(300)) writer.emit(e);
    const flushed = writer.flush();
    await attemptsPass(events, 4);
    for (const e of logs(200, 300)) writer.emit(e);
    expect(writer.pending).toBe(500);
    events.refuse = () => false;
    await flushed;
    await writer.flush();
    expect(await storedMessages()).toEqual(logs(500).map((e) => e.message));
    expect(writer.pending).toBe(0);
    expect(notes[0]).toMatch(/^runyard: storage is not answering \(read ECONNRESET\); keeping 300 event\(s\)/);
    expect(notes.at(-1)).toMatch(/^runyard: storage is back after/);
  });

  it('does not fail flush for a transient error (SQLITE_FULL), only delays it', async () => {
    const events = new FlakyEvents(storage.events);
    const { writer } = writerOn(events);
    events.error = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    let failures = 3;
    events.refuse = () => failures-- > 0;
    writer.emit({ type: 'LOG', message: 'one' });
    await expect(writer.flush()).resolves.toBeUndefined();
    expect(events.attempts).toBe(4);
    expect(await storedMessages()).toEqual(['one']);
  });

  it('spills past the memory bound to a file, reads it back in order, and removes it', async () => {
    const events = new FlakyEvents(storage.events);
    const { writer } = writerOn(events, { maxBufferedEvents: 10 });
    events.refuse = () => true;
    for (const e of logs(100)) writer.emit(e);
    await attemptsPass(events, 2);
    const [spill] = await readdir(spillDir);
    expect(spill).toBe(`runyard-events-${RUN}-${process.pid}.jsonl`);
    const lines = (await readFile(path.join(spillDir, spill!), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(90);
    expect(JSON.parse(lines[0]!)).toMatchObject({ runId: RUN, type: 'LOG', message: 'line 10' });
    events.refuse = () => false;
    await writer.flush();
    expect(await storedMessages()).toEqual(logs(100).map((e) => e.message));
    expect(await readdir(spillDir)).toEqual([]);
  });

  it('keeps order when events arrive while the spill file is read back', async () => {
    const events = new FlakyEvents(storage.events);
    const { writer } = writerOn(events, { maxBufferedEvents: 5 });
    events.refuse = () => true;
    for (const e of logs(40)) writer.emit(e);
    await attemptsPass(events, 2);
    let next = 40;
    events.refuse = () => {
      // Every write lets more events in: to memory or to the file, wherever the order needs them.
      for (const e of logs(3, next)) writer.emit(e);
      next += 3;
      return next < 70;
    };
    await writer.flush();
    events.refuse = () => false;
    await writer.flush();
    expect(await storedMessages()).toEqual(logs(next).map((e) => e.message));
  });

  it('stores an event that says how many were lost and why when the spill file is full', async () => {
    const events = new FlakyEvents(storage.events);
    const { writer } = writerOn(events, { maxBufferedEvents: 5, maxSpillBytes: 1_000 });
    events.refuse = () => true;
    for (const e of logs(100)) writer.emit(e);
    await attemptsPass(events, 2);
    events.refuse = () => false;
    await writer.flush();
    const stored = await storage.events.getEvents(RUN);
    const kept = stored.filter((e) => e.type === 'LOG').map((e) => e.message);
    expect(kept.length).toBeGreaterThan(5);
    expect(kept).toEqual(logs(kept.length).map((e) => e.message));
    const report = stored.at(-1)!;
    expect(report).toMatchObject({ type: 'ENGINE_EVENT', level: 'error', data: { lostEvents: 100 - kept.length } });
    expect(report.message).toMatch(
      /^\d+ event\(s\) of this run, emitted from .* were lost: \d+ because the spill file .* is full/,
    );
  });

  it('gives up when the worker must exit: the pending events are counted in one stored event', async () => {
    const events = new FlakyEvents(storage.events);
    const { writer } = writerOn(events);
    // Storage refuses the log lines and still takes the one report, as if it came back just then.
    events.refuse = (batch) => batch.some((e) => e.type === 'LOG');
    for (const e of logs(50)) writer.emit(e);
    await attemptsPass(events, 3);
    await writer.giveUp('the run worker exited (SIGTERM) before storage took them');
    const stored = await storage.events.getEvents(RUN);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ type: 'ENGINE_EVENT', data: { lostEvents: 50 } });
    expect(stored[0]!.message).toContain('50 because the run worker exited (SIGTERM) before storage took them');
    expect(writer.pending).toBe(0);
  });

  it('gives up after maxOutageMs, says so, and makes flush throw', async () => {
    const events = new FlakyEvents(storage.events);
    const { writer, notes } = writerOn(events, { retry: { ...FAST, maxOutageMs: 20 } });
    events.refuse = () => true;
    for (const e of logs(10)) writer.emit(e);
    await expect(writer.flush()).rejects.toThrow('read ECONNRESET');
    expect(notes.at(-1)).toMatch(/^runyard: gave up 10 event\(s\) of run run-1: storage was unreachable for 0 s/);
  });

  it('loses only the events storage refuses for good, reports them, and fails flush', async () => {
    const events = new FlakyEvents(storage.events);
    const { writer } = writerOn(events);
    events.error = () => new Error('value too long for column');
    events.refuse = (batch) => batch.some((e) => e.message === 'line 3');
    for (const e of logs(6)) writer.emit(e);
    await expect(writer.flush()).rejects.toThrow('value too long for column');
    const stored = await storage.events.getEvents(RUN);
    expect(stored.map((e) => e.message).slice(0, 5)).toEqual(['line 0', 'line 1', 'line 2', 'line 4', 'line 5']);
    expect(stored[5]).toMatchObject({ type: 'ENGINE_EVENT', data: { lostEvents: 1 } });
    expect(stored[5]!.message).toContain('1 because storage refused it (value too long for column)');
  });
});
