import { type RunListOptions, type RunRecord, TERMINAL_STATUSES, UNFINISHED_STATUSES } from 'runyard';
import { describe, expect, it } from 'vitest';
import { clockPast, type GetStorage, newRun, runIn } from './fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function describeRunCrud(storage: GetStorage): void {
  describe('runs: create, read, update, delete', () => {
    it('creates a run in NOT_STARTED with every field it was given', async () => {
      const run = await storage().runs.createRun(
        newRun({
          runId: 'run-1',
          runConfig: { ops: { greet: { config: { name: 'yard' } } } },
          tags: { team: 'data', 'runyard/priority': '5' },
          parentRunId: 'run-0',
          rootRunId: 'run-root',
        }),
      );
      expect(run).toMatchObject({
        runId: 'run-1',
        jobName: 'conformance_job',
        status: 'NOT_STARTED',
        runConfig: { ops: { greet: { config: { name: 'yard' } } } },
        tags: { team: 'data', 'runyard/priority': '5' },
        origin: { codeLocation: '/defs/conformance.ts', source: 'test' },
        parentRunId: 'run-0',
        rootRunId: 'run-root',
      });
      expect(run.createdAt).toBeTypeOf('number');
      expect(run.updatedAt).toBeGreaterThanOrEqual(run.createdAt);
      expect(run.startTime).toBeUndefined();
      expect(run.endTime).toBeUndefined();
      expect(run.worker).toBeUndefined();
      expect(await storage().runs.getRun('run-1')).toEqual(run);
    });

    it('generates a UUID when no run id is given, and defaults config and tags to empty', async () => {
      const run = await storage().runs.createRun(newRun());
      expect(run.runId).toMatch(UUID);
      expect(run.runConfig).toEqual({});
      expect(run.tags).toEqual({});
      const other = await storage().runs.createRun(newRun());
      expect(other.runId).not.toBe(run.runId);
    });

    it('refuses a second run with the same id and keeps the first', async () => {
      await storage().runs.createRun(newRun({ runId: 'dup', jobName: 'first' }));
      await expect(storage().runs.createRun(newRun({ runId: 'dup', jobName: 'second' }))).rejects.toMatchObject({
        name: 'RunAlreadyExistsError',
      });
      expect((await storage().runs.getRun('dup'))?.jobName).toBe('first');
      expect(await storage().runs.countRuns()).toBe(1);
    });

    it('returns undefined for a run that does not exist', async () => {
      expect(await storage().runs.getRun('missing')).toBeUndefined();
      expect(await storage().runs.updateRun('missing', { statusReason: 'x' })).toBeUndefined();
      expect(await storage().runs.deleteRun('missing')).toBe(false);
    });

    it('updates worker, heartbeat and status reason, and clears them with null', async () => {
      const run = await storage().runs.createRun(newRun());
      const worker = { launcher: 'ProcessRunLauncher', host: 'box', pid: 4242, pgid: 4242, extra: { a: 1 } };
      const updated = await storage().runs.updateRun(run.runId, {
        worker,
        workerHeartbeatAt: 1234,
        statusReason: 'why',
      });
      expect(updated).toMatchObject({ worker, workerHeartbeatAt: 1234, statusReason: 'why', status: 'NOT_STARTED' });
      expect(updated?.updatedAt).toBeGreaterThanOrEqual(run.updatedAt);
      const untouched = await storage().runs.updateRun(run.runId, {});
      expect(untouched).toMatchObject({ worker, workerHeartbeatAt: 1234, statusReason: 'why' });
      const cleared = await storage().runs.updateRun(run.runId, { worker: null, statusReason: null });
      expect(cleared?.worker).toBeUndefined();
      expect(cleared?.statusReason).toBeUndefined();
      expect(cleared?.workerHeartbeatAt).toBe(1234);
      expect(await storage().runs.getRun(run.runId)).toEqual(cleared);
    });

    it('leaves a finished run alone unless the caller names its status', async () => {
      for (const status of TERMINAL_STATUSES) {
        const run = await runIn(storage(), status);
        const patch = { statusReason: 'late', workerHeartbeatAt: 99, tags: { late: 'yes' } } as const;
        expect(await storage().runs.updateRun(run.runId, patch)).toEqual(run);
        expect(await storage().runs.getRun(run.runId)).toEqual(run);
        expect(await storage().runs.countRuns({ tags: { late: 'yes' } })).toBe(0);
        const meant = await storage().runs.updateRun(run.runId, patch, { from: [status] });
        expect(meant).toMatchObject({ status, statusReason: 'late', workerHeartbeatAt: 99, tags: { late: 'yes' } });
        expect(await storage().runs.countRuns({ tags: { late: 'yes' } })).toBe(1);
        await storage().runs.deleteRun(run.runId);
      }
    });

    it('applies a patch only in the statuses `from` names', async () => {
      const run = await runIn(storage(), 'STARTED');
      expect(await storage().runs.updateRun(run.runId, { statusReason: 'x' }, { from: ['QUEUED'] })).toEqual(run);
      const beat = await storage().runs.updateRun(run.runId, { workerHeartbeatAt: 5 }, { from: ['STARTED'] });
      expect(beat).toMatchObject({ status: 'STARTED', workerHeartbeatAt: 5 });
      // Every unfinished status may be changed by default.
      for (const status of UNFINISHED_STATUSES) {
        const other = await runIn(storage(), status);
        expect(await storage().runs.updateRun(other.runId, { statusReason: 'fine' })).toMatchObject({
          status,
          statusReason: 'fine',
        });
      }
    });

    it('merges tags on update, and filters see the new values', async () => {
      const run = await storage().runs.createRun(newRun({ tags: { keep: '1', change: 'old' } }));
      const updated = await storage().runs.updateRun(run.runId, { tags: { change: 'new', added: 'yes' } });
      expect(updated?.tags).toEqual({ keep: '1', change: 'new', added: 'yes' });
      expect(await storage().runs.countRuns({ tags: { change: 'old' } })).toBe(0);
      expect(await storage().runs.countRuns({ tags: { change: 'new', added: 'yes', keep: '1' } })).toBe(1);
    });

    it('deletes a run with its tags and events', async () => {
      const run = await runIn(storage(), 'STARTED', { tags: { doomed: 'yes' } });
      const kept = await runIn(storage(), 'STARTED', { tags: { doomed: 'no' } });
      await storage().events.appendEvents([{ runId: run.runId, type: 'LOG', message: 'bye' }]);
      expect(await storage().runs.deleteRun(run.runId)).toBe(true);
      expect(await storage().runs.getRun(run.runId)).toBeUndefined();
      expect(await storage().events.getEvents(run.runId)).toEqual([]);
      expect(await storage().runs.countRuns({ tags: { doomed: 'yes' } })).toBe(0);
      expect(await storage().runs.deleteRun(run.runId)).toBe(false);
      expect(await storage().runs.getRun(kept.runId)).toEqual(kept);
      expect((await storage().events.getEvents(kept.runId)).length).toBeGreaterThan(0);
      // The id can be used again once the run is gone.
      await storage().runs.createRun(newRun({ runId: run.runId }));
    });
  });

  describe('runs: list, filter, count, paginate', () => {
    /** Five runs in creation order, each created in a later millisecond than the one before. */
    async function seed(): Promise<RunRecord[]> {
      const runs: RunRecord[] = [];
      const specs = [
        { jobName: 'etl', tags: { team: 'data', env: 'prod' }, status: 'SUCCESS' },
        { jobName: 'etl', tags: { team: 'data', env: 'dev' }, status: 'FAILURE' },
        { jobName: 'report', tags: { team: 'bi', env: 'prod' }, status: 'STARTED' },
        { jobName: 'etl', tags: { team: 'data', env: 'prod' }, status: 'QUEUED' },
        { jobName: 'report', tags: {}, status: 'NOT_STARTED' },
      ] as const;
      for (const spec of specs) {
        const previous = runs.at(-1);
        if (previous) await clockPast(previous.createdAt);
        const run = await runIn(storage(), spec.status, { jobName: spec.jobName, tags: spec.tags });
        runs.push(run);
      }
      return runs;
    }

    const ids = (runs: readonly RunRecord[]): string[] => runs.map((r) => r.runId);

    it('lists newest first', async () => {
      const runs = await seed();
      expect(ids(await storage().runs.listRuns())).toEqual(ids(runs).reverse());
      expect(await storage().runs.countRuns()).toBe(5);
    });

    it('keeps creation order for runs created in the same millisecond', async () => {
      const created: RunRecord[] = [];
      for (let i = 0; i < 20; i++) created.push(await storage().runs.createRun(newRun()));
      expect(ids(await storage().runs.listRuns())).toEqual(ids(created).reverse());
    });

    it('filters by run ids, statuses, job name, tags and creation time', async () => {
      const runs = await seed();
      const expectFilter = async (filter: RunListOptions, want: number[]) => {
        const expected = want.map((i) => runs[i]?.runId);
        expect(ids(await storage().runs.listRuns(filter))).toEqual(expected);
        expect(await storage().runs.countRuns(filter)).toBe(expected.length);
      };
      const at = (i: number): RunRecord => runs[i] as RunRecord;
      await expectFilter({ runIds: [at(0).runId, at(3).runId, 'missing'] }, [3, 0]);
      await expectFilter({ runIdPrefix: at(2).runId.slice(0, 30) }, [2]);
      await expectFilter({ runIdPrefix: 'no-such-prefix' }, []);
      await expectFilter({ statuses: ['SUCCESS', 'QUEUED'] }, [3, 0]);
      await expectFilter({ jobName: 'report' }, [4, 2]);
      await expectFilter({ tags: { team: 'data' } }, [3, 1, 0]);
      await expectFilter({ tags: { team: 'data', env: 'prod' } }, [3, 0]);
      await expectFilter({ tags: { team: 'data', env: 'staging' } }, []);
      await expectFilter({ jobName: 'etl', statuses: ['FAILURE', 'QUEUED'], tags: { env: 'prod' } }, [3]);
      await expectFilter({ createdBefore: at(2).createdAt }, [1, 0]);
      await expectFilter({ createdAfter: at(2).createdAt }, [4, 3]);
      await expectFilter({ createdAfter: at(0).createdAt, createdBefore: at(4).createdAt }, [3, 2, 1]);
    });

    it('treats an empty list in a filter as matching nothing', async () => {
      await seed();
      expect(await storage().runs.listRuns({ statuses: [] })).toEqual([]);
      expect(await storage().runs.countRuns({ runIds: [] })).toBe(0);
    });

    it('refuses a cursor that names no run', async () => {
      await expect(storage().runs.listRuns({ cursor: 'no-such-run' })).rejects.toMatchObject({
        name: 'RunNotFoundError',
      });
    });

    it('limits, and pages with a cursor without gaps or repeats', async () => {
      const created: RunRecord[] = [];
      for (let i = 0; i < 7; i++) created.push(await storage().runs.createRun(newRun({ tags: { page: 'yes' } })));
      await storage().runs.createRun(newRun({ tags: { page: 'no' } }));
      const expected = ids(created).reverse();

      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const batch = await storage().runs.listRuns({ tags: { page: 'yes' }, limit: 3, ...(cursor ? { cursor } : {}) });
        expect(batch.length).toBeLessThanOrEqual(3);
        if (batch.length === 0) break;
        seen.push(...ids(batch));
        cursor = batch.at(-1)?.runId;
      }
      expect(seen).toEqual(expected);
      expect(ids(await storage().runs.listRuns({ limit: 2 }))).toHaveLength(2);
      expect(await storage().runs.listRuns({ limit: 0 })).toEqual([]);
      expect(ids(await storage().runs.listRuns({ cursor: expected.at(-1) as string }))).toEqual([]);
    });

    it('refuses a cursor that names no run', async () => {
      await storage().runs.createRun(newRun());
      await expect(storage().runs.listRuns({ cursor: 'no-such-run' })).rejects.toMatchObject({
        name: 'RunNotFoundError',
      });
    });
  });
}
