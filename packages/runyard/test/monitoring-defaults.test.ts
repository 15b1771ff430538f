import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MonitoringHarness } from './fixtures/monitoring-harness.js';

// No runyard.yaml: monitoring is on by default, with the default timeouts (a 2 s poll).
describe('run monitoring with the default settings, in the real `runyard daemon`', () => {
  let h: MonitoringHarness;
  beforeAll(async () => {
    h = await MonitoringHarness.start();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('fails a run whose worker was SIGKILLed, saying so, and leaves nothing of the worker running', async () => {
    const launched = await h.launch('runs_on');
    const pid = await h.workerPid(launched.runId);
    const other = await h.launch('runs_on');
    await h.workerPid(other.runId);
    process.kill(pid, 'SIGKILL');

    const run = await h.waitForStatus(launched.runId, ['FAILURE', 'SUCCESS', 'CANCELED']);
    expect(run.status).toBe('FAILURE');
    expect(run.statusReason).toBe('run worker died: worker process was killed by SIGKILL');
    const failure = (await h.events(run.runId)).find((e) => e.type === 'RUN_FAILURE');
    expect(failure?.message).toContain('run worker died: worker process was killed by SIGKILL');
    expect(failure?.data).toMatchObject({ monitoring: 'worker_died' });
    await h.waitForEvent(run.runId, 'the clean-up', (e) => e.message.startsWith('run monitoring stopped the worker'));
    await h.waitForGroupGone(run);

    // The other run, whose worker is healthy, is left alone.
    expect((await h.run(other.runId)).status).toBe('STARTED');
    await h.instance.terminateRun(other.runId);
    expect((await h.run(other.runId)).status).toBe('CANCELED');
  });

  it('terminates a run past the max runtime in its tag, with an engine event saying why', async () => {
    const launched = await h.launch('runs_on', { tags: { 'runyard/max_runtime': '1' } });
    const run = await h.waitForStatus(launched.runId, ['CANCELED', 'FAILURE', 'SUCCESS']);
    expect(run.status).toBe('CANCELED');
    expect(run.statusReason).toMatch(/^run exceeded its max runtime of 1 s \(tag runyard\/max_runtime\); it ran for /);
    const events = await h.events(run.runId);
    const why = events.find((e) => e.type === 'ENGINE_EVENT' && e.data?.monitoring === 'max_runtime');
    expect(why?.message).toMatch(/^run exceeded its max runtime of 1 s .*; terminating it$/);
    expect(events.find((e) => e.type === 'RUN_CANCELING')?.message).toMatch(/^termination requested by run monitoring/);
    await h.waitForGroupGone(run);
  });

  it("takes the max runtime from the job's tags too", async () => {
    const launched = await h.launch('capped');
    const run = await h.waitForStatus(launched.runId, ['CANCELED', 'FAILURE', 'SUCCESS']);
    expect(run.status).toBe('CANCELED');
    expect(run.tags['runyard/max_runtime']).toBe('1');
    expect(run.statusReason).toContain('run exceeded its max runtime of 1 s');
    await h.waitForGroupGone(run);
  });

  it('reports a max runtime it cannot read once, and otherwise lets the run go on', async () => {
    // Submit refuses such a tag now (runs/reserved-tags.ts); a run stored before that check, or
    // tagged afterwards, can still carry one, so the tag is written onto the running run here.
    await expect(h.launch('runs_on', { tags: { 'runyard/max_runtime': 'soon' } })).rejects.toThrow(
      'tag runyard/max_runtime must be a positive number of seconds, got "soon"',
    );
    const launched = await h.launch('runs_on');
    await h.instance.storage.runs.updateRun(launched.runId, { tags: { 'runyard/max_runtime': 'soon' } });
    await h.waitForEvent(launched.runId, 'the report', (e) => e.data?.monitoring === 'max_runtime_invalid');
    await h.waitForPolls(3);
    const reports = (await h.events(launched.runId)).filter((e) => e.data?.monitoring === 'max_runtime_invalid');
    expect(reports.map((e) => [e.level, e.message])).toEqual([
      ['warning', 'tag runyard/max_runtime="soon" is not a positive number of seconds; the run has no max runtime'],
    ]);
    expect((await h.run(launched.runId)).status).toBe('STARTED');
    await h.instance.terminateRun(launched.runId);
  });
});
