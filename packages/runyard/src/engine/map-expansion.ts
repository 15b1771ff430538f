import { toErrorInfo } from '../events/error-info.js';
import { EXECUTION_PLAN_DATA_KEY, MAPPED_FROM_DATA_KEY } from '../events/step-stats.js';
import type { EmitFn } from './event-writer.js';
import { emitStepFailure, emitStepsSkipped } from './step-retry.js';
import type { StepScheduler } from './step-scheduler.js';

const LISTED_KEYS = 5;

/**
 * Grows the plan with the mapped steps of `sourceKey`'s maps, given its output, and records the
 * new steps as an execution plan event (so a run that ends before they start still shows them,
 * NOT_STARTED). A list that cannot be mapped fails `sourceKey`. Never throws.
 */
export async function expandMapSource(
  scheduler: StepScheduler,
  sourceKey: string,
  output: () => unknown,
  emit: EmitFn,
): Promise<void> {
  try {
    const { planned, skipped } = scheduler.expand(sourceKey, await output());
    const listed = planned.slice(0, LISTED_KEYS).join(', ');
    emit({
      type: 'ENGINE_EVENT',
      stepKey: sourceKey,
      level: 'debug',
      message: `mapped the output of '${sourceKey}' into ${planned.length} step${planned.length === 1 ? '' : 's'}${planned.length ? `: ${listed}${planned.length > LISTED_KEYS ? ', …' : ''}` : ''}`,
      data: { [EXECUTION_PLAN_DATA_KEY]: planned, [MAPPED_FROM_DATA_KEY]: sourceKey },
    });
    emitStepsSkipped(emit, skipped);
  } catch (error) {
    emitStepFailure(emit, sourceKey, toErrorInfo(error));
    emitStepsSkipped(emit, scheduler.expansionFailed(sourceKey));
  }
}
