import { parseRunOverrideTag, type RunOverrideOutcome } from 'runyard';
import { z } from 'zod';
import { ECS_OVERRIDABLE_KEYS, type EcsOverridableKey, ecsOverridesShape } from './ecs-run-launcher-config.js';

/** The run tag whose JSON object overrides the instance's task settings for one run. */
export const ECS_RUN_TAG = 'runyard/ecs';

const overridesSchema = z.strictObject(ecsOverridesShape).partial();
export type EcsRunOverrides = z.output<typeof overridesSchema>;

export type EcsOverridesOutcome = RunOverrideOutcome<EcsRunOverrides>;

/** Reads a run's `runyard/ecs` tag against the instance's allow-list (see parseRunOverrideTag). */
export function parseEcsRunOverrides(
  tags: Readonly<Record<string, string>>,
  allowed: readonly EcsOverridableKey[],
): EcsOverridesOutcome {
  return parseRunOverrideTag(tags, {
    tag: ECS_RUN_TAG,
    keys: ECS_OVERRIDABLE_KEYS,
    allowed,
    schema: overridesSchema,
    what: 'task settings',
    example: '{"memory":"4096"}',
  });
}
