import type { ConfigIssue } from 'runyard';
import { z } from 'zod';
import { ECS_OVERRIDABLE_KEYS, type EcsOverridableKey, ecsOverridesShape } from './ecs-run-launcher-config.js';

/** The run tag whose JSON object overrides the instance's task settings for one run. */
export const ECS_RUN_TAG = 'runyard/ecs';

const overridesSchema = z.strictObject(ecsOverridesShape).partial();
export type EcsRunOverrides = z.output<typeof overridesSchema>;

export type EcsOverridesOutcome =
  | { readonly ok: true; readonly overrides: EcsRunOverrides }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/**
 * Reads a run's `runyard/ecs` tag against the instance's allow-list, as `runyard/docker` is read:
 * every problem is one issue whose path names the tag and the key.
 */
export function parseEcsRunOverrides(
  tags: Readonly<Record<string, string>>,
  allowed: readonly EcsOverridableKey[],
): EcsOverridesOutcome {
  const text = tags[ECS_RUN_TAG];
  if (text === undefined) return { ok: true, overrides: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`is not valid JSON (${(error as Error).message}); expected an object such as {"memory":"4096"}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail(
      `expected a JSON object of task settings, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    );

  const issues: ConfigIssue[] = [];
  const allowedList = allowed.length ? allowed.join(', ') : 'none';
  for (const key of Object.keys(value)) {
    const at = `${ECS_RUN_TAG}.${key}`;
    if (!(ECS_OVERRIDABLE_KEYS as readonly string[]).includes(key)) {
      issues.push({ path: at, message: `unknown key; a run may override only ${ECS_OVERRIDABLE_KEYS.join(', ')}` });
    } else if (!allowed.includes(key as EcsOverridableKey)) {
      issues.push({
        path: at,
        message: `the instance does not allow runs to override '${key}' (the run launcher's allowRunOverrides: ${allowedList})`,
      });
    }
  }
  if (issues.length) return { ok: false, issues };
  const parsed = overridesSchema.safeParse(value);
  if (!parsed.success)
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => ({
        path: [ECS_RUN_TAG, ...issue.path.map(String)].join('.'),
        message: issue.message,
      })),
    };
  return { ok: true, overrides: parsed.data };
}

function fail(message: string): EcsOverridesOutcome {
  return { ok: false, issues: [{ path: ECS_RUN_TAG, message }] };
}
