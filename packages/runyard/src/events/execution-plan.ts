import type { JobDefinition } from '../definitions/job.js';
import { stepNodeName } from '../selection/step-node.js';
import type { Storage } from '../storage/storage.js';
import type { RunEvent } from './run-event.js';
import { EXECUTION_PLAN_DATA_KEY } from './step-stats.js';

/**
 * Records the run's execution plan (its steps, in order) once the job is loaded, so readers show
 * the steps that never started as "not started" long after the code location has changed. A
 * bookkeeping event: a failure to write it is reported and the run goes on.
 *
 * Steps inside a map() are not in it: they exist once per item, and the executor records them
 * (an execution plan event with `mappedFrom`) when the list they map is known.
 */
export async function recordExecutionPlan(
  storage: Storage,
  runId: string,
  job: JobDefinition,
  /** Static node names the run is limited to: the steps outside are not in its plan. */
  selected?: ReadonlySet<string>,
): Promise<RunEvent | undefined> {
  // The static steps (mapped ones join the plan as they are planned), limited to the selection if any.
  const steps = job.graph.order.filter(
    (key) => !job.graph.steps.get(key)?.scope && (!selected || selected.has(stepNodeName(key))),
  );
  try {
    const [event] = await storage.events.appendEvents([
      {
        runId,
        type: 'ENGINE_EVENT',
        level: 'debug',
        message: `execution plan: ${steps.length} step${steps.length === 1 ? '' : 's'}: ${steps.join(', ')}`,
        data: { [EXECUTION_PLAN_DATA_KEY]: steps },
      },
    ]);
    return event;
  } catch (error) {
    process.stderr.write(`runyard: could not record the execution plan: ${(error as Error).message}\n`);
    return undefined;
  }
}
