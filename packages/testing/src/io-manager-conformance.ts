import type { IOManager, OutputKey } from 'runyard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** What `ioManagerConformance()` needs: a factory of the IO manager under test, and how to clean up. */
export interface IOManagerConformanceSetup {
  /** The IO manager under test, empty or holding only other runs' outputs. */
  readonly io: IOManager;
  /**
   * A second IO manager over the same outputs, as another process (a step process, a resumed
   * run's new worker, a retry on another machine) would build it from `toChildConfig()`.
   */
  reopen(): IOManager | Promise<IOManager>;
  cleanup?(): Promise<void>;
}

let runCounter = 0;
/** Run ids unique within a suite, so cases do not see each other's outputs. */
const newRunId = () => `conformance-${process.pid}-${Date.now().toString(36)}-${++runCounter}`;

/**
 * What every IO manager must get right: values come back as they were stored, large outputs,
 * `undefined`, missing outputs (a clear error naming the step and run, and `hasOutput` false),
 * values JSON cannot carry refused when stored, one run's outputs apart from another's, and a
 * re-execution in another process reading the parent run's outputs.
 *
 *   ioManagerConformance('S3IOManager', async () => ({ io, reopen: () => S3IOManager.fromChildConfig(...) }));
 */
export function ioManagerConformance(name: string, setup: () => Promise<IOManagerConformanceSetup>): void {
  describe(`IO manager conformance: ${name}`, () => {
    let s: IOManagerConformanceSetup | undefined;
    const io = () => {
      if (!s) throw new Error('the conformance setup failed; see the beforeAll error');
      return s.io;
    };
    beforeAll(async () => {
      s = await setup();
    });
    afterAll(async () => {
      await s?.cleanup?.();
    });

    it('gives back what was stored: objects, arrays, strings, numbers, booleans, null, undefined', async () => {
      const runId = newRunId();
      const values: Record<string, unknown> = {
        object: { rows: 3, nested: { list: [1, 'two', null, { deep: true }] }, text: 'é ✓ \u0000' },
        array: [1, 2, 3],
        string: 'hello',
        number: -1.5e-7,
        boolean: false,
        null: null,
        undefined: undefined,
      };
      for (const [stepKey, value] of Object.entries(values)) await io().storeOutput({ runId, stepKey }, value);
      for (const [stepKey, value] of Object.entries(values)) {
        expect(await io().hasOutput({ runId, stepKey })).toBe(true);
        expect(await io().loadOutput({ runId, stepKey })).toEqual(value);
      }
    });

    it('stores and loads a large output (10 MB) whole', async () => {
      const key = { runId: newRunId(), stepKey: 'large' };
      const value = { blob: 'x'.repeat(10 * 1024 * 1024), rows: Array.from({ length: 1000 }, (_, i) => ({ i })) };
      await io().storeOutput(key, value);
      const loaded = (await io().loadOutput(key)) as typeof value;
      expect(loaded.blob.length).toBe(value.blob.length);
      expect(loaded.rows).toEqual(value.rows);
    });

    it('a missing output: hasOutput is false, and loading it names the step and the run', async () => {
      const key = { runId: newRunId(), stepKey: 'never_ran' };
      expect(await io().hasOutput(key)).toBe(false);
      await expect(Promise.resolve().then(() => io().loadOutput(key))).rejects.toThrow(
        `no stored output for step 'never_ran' of run ${key.runId}`,
      );
    });

    it('refuses a value JSON cannot carry when it is stored, and stores nothing', async () => {
      const key = { runId: newRunId(), stepKey: 'bad' };
      await expect(Promise.resolve().then(() => io().storeOutput(key, { when: new Date(0) }))).rejects.toThrow(/Date/);
      await expect(Promise.resolve().then(() => io().storeOutput(key, { n: 10n }))).rejects.toThrow(/BigInt/);
      expect(await io().hasOutput(key)).toBe(false);
    });

    it('a second store of the same step replaces the first; other runs are untouched', async () => {
      const a: OutputKey = { runId: newRunId(), stepKey: 'step' };
      const b: OutputKey = { runId: newRunId(), stepKey: 'step' };
      await io().storeOutput(a, 1);
      await io().storeOutput(b, 2);
      await io().storeOutput(a, 3);
      expect(await io().loadOutput(a)).toBe(3);
      expect(await io().loadOutput(b)).toBe(2);
    });

    it("a re-execution in another process reads the parent run's outputs and writes its own apart", async () => {
      const parent = newRunId();
      const child = newRunId();
      await io().storeOutput({ runId: parent, stepKey: 'extract' }, { rows: [1, 2, 3] });
      const other = await s!.reopen();
      expect(await other.hasOutput({ runId: parent, stepKey: 'extract' })).toBe(true);
      const rows = ((await other.loadOutput({ runId: parent, stepKey: 'extract' })) as { rows: number[] }).rows;
      await other.storeOutput({ runId: child, stepKey: 'load' }, rows.length);
      expect(await io().loadOutput({ runId: child, stepKey: 'load' })).toBe(3);
      expect(await io().hasOutput({ runId: child, stepKey: 'extract' })).toBe(false);
    });
  });
}
