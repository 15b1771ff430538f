import { describe, expect, it } from 'vitest';
import { type GetStorage, runIn } from './fixtures.js';

/**
 * Text that some databases balk at (U+0000, which PostgreSQL's text type refuses) comes back
 * exactly as it was written, from every backend: a log line may hold anything a program printed.
 */
export function describeAwkwardText(storage: GetStorage): void {
  describe('text with U+0000 and private-use characters', () => {
    const awkward = 'nul:\u0000|two:\u0000\u0000|pua:\uE000|pua-zero:\uE0000|end\u0000';

    it('an event stores and returns it unchanged: message, step key, data and error', async () => {
      const run = await runIn(storage(), 'STARTED');
      const stepKey = `step\u0000${'\uE000'}`;
      const [stored] = await storage().events.appendEvents([
        {
          runId: run.runId,
          type: 'LOG',
          stepKey,
          message: awkward,
          data: { line: awkward },
          error: { name: 'Error', message: awkward },
        },
      ]);
      expect(stored).toMatchObject({ message: awkward, stepKey, data: { line: awkward }, error: { message: awkward } });
      const [read] = await storage().events.getEvents(run.runId, { stepKey });
      expect(read).toEqual(stored);
      expect(await storage().events.getEvents(run.runId, { stepKey: 'step' })).toEqual([]);
    });

    it('a run status event and the statusReason taken from it too', async () => {
      const run = await runIn(storage(), 'STARTED');
      const failed = await storage().runs.transition({ runId: run.runId, type: 'RUN_FAILURE', message: awkward });
      expect(failed.applied && failed.event.message).toBe(awkward);
      expect(failed.run?.statusReason).toBe(awkward);
      expect((await storage().runs.getRun(run.runId))?.statusReason).toBe(awkward);
      const updated = await storage().runs.updateRun(
        run.runId,
        { statusReason: `again ${awkward}` },
        { from: ['FAILURE'] },
      );
      expect(updated?.statusReason).toBe(`again ${awkward}`);
      expect((await storage().events.getEvents(run.runId)).at(-1)?.message).toBe(awkward);
    });
  });
}
