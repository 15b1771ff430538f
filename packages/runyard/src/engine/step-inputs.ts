import type { OutputKey } from './io-manager.js';
import type { StepInput } from './step-scheduler.js';

/** A step input as a step process receives it: outputs named by the run that holds them, or a value. */
export type StepInputSource =
  | { readonly kind: 'output'; readonly from: OutputKey }
  | { readonly kind: 'outputs'; readonly from: readonly OutputKey[] }
  | { readonly kind: 'value'; readonly value: unknown };

/** Names each output by the run that holds it: this run, or the earlier one in `completed`. */
export function inputSources(
  runId: string,
  inputs: Readonly<Record<string, StepInput>>,
  completed: ReadonlyMap<string, string>,
): Record<string, StepInputSource> {
  const key = (stepKey: string): OutputKey => ({ runId: completed.get(stepKey) ?? runId, stepKey });
  const sources: Record<string, StepInputSource> = {};
  for (const [name, input] of Object.entries(inputs)) {
    sources[name] =
      input.kind === 'output'
        ? { kind: 'output', from: key(input.stepKey) }
        : input.kind === 'outputs'
          ? { kind: 'outputs', from: input.stepKeys.map(key) }
          : input;
  }
  return sources;
}

/** The values of a step's inputs; `outputOf` loads one output (from memory or the IO manager). */
export async function loadInputs(
  sources: Readonly<Record<string, StepInputSource>>,
  outputOf: (key: OutputKey) => unknown,
): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = {};
  for (const [name, source] of Object.entries(sources)) {
    values[name] =
      source.kind === 'output'
        ? await outputOf(source.from)
        : source.kind === 'outputs'
          ? await Promise.all(source.from.map(outputOf))
          : source.value;
  }
  return values;
}
