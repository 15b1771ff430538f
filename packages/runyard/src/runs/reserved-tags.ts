import { parseMaxRuntime } from '../daemon/monitoring/check-max-runtime.js';
import {
  INFRA_RESUME_ATTEMPT_TAG,
  MAX_RUNTIME_TAG,
  RESUME_ATTEMPT_TAG,
} from '../daemon/monitoring/monitoring-action.js';
import { PRIORITY_TAG, runPriority } from '../daemon/queue/queue-selection.js';
import { type ConfigIssue, InvalidConfigError } from '../errors.js';
import { LAUNCH_ATTEMPT_TAG } from '../launch/launch-attempt.js';
import {
  MAX_RETRIES_TAG,
  REEXECUTION_TAG,
  RETRY_NUMBER_TAG,
  RETRY_ON_OP_FAILURE_TAG,
  RETRY_STRATEGIES,
  RETRY_STRATEGY_TAG,
  SELECTION_REEXECUTION,
} from '../retries/retry-tags.js';

/*
 * The `runyard/*` tags whose value has a format. Each is read long after submit (by the queue, the
 * retry daemon, run monitoring), where a bad value could only be skipped: `runyard/priority=high`
 * would silently count as 0. So the format is checked when the run is submitted (and by the
 * validate endpoint), and a bad value refuses the run before anything is written.
 */

type TagCheck = (value: string) => string | undefined;

const wholeNumber =
  (min: number): TagCheck =>
  (value) =>
    /^\d+$/.test(value.trim()) && Number.isSafeInteger(Number(value)) && Number(value) >= min
      ? undefined
      : `must be a whole number${min > 0 ? ` ≥ ${min}` : ''}, got ${JSON.stringify(value)}`;

const oneOf =
  (choices: readonly string[]): TagCheck =>
  (value) =>
    choices.includes(value)
      ? undefined
      : `must be ${choices.map((c) => `'${c}'`).join(' or ')}, got ${JSON.stringify(value)}`;

const RESERVED_TAG_CHECKS: Readonly<Record<string, TagCheck>> = {
  [MAX_RETRIES_TAG]: wholeNumber(0),
  [RETRY_STRATEGY_TAG]: oneOf(RETRY_STRATEGIES),
  [RETRY_ON_OP_FAILURE_TAG]: oneOf(['true', 'false']),
  [REEXECUTION_TAG]: oneOf([...RETRY_STRATEGIES, SELECTION_REEXECUTION]),
  [RETRY_NUMBER_TAG]: wholeNumber(1),
  [RESUME_ATTEMPT_TAG]: wholeNumber(0),
  [INFRA_RESUME_ATTEMPT_TAG]: wholeNumber(0),
  [LAUNCH_ATTEMPT_TAG]: wholeNumber(1),
  [PRIORITY_TAG]: (value) =>
    runPriority({ [PRIORITY_TAG]: value }).problem
      ? `must be a whole number (negative allowed), got ${JSON.stringify(value)}`
      : undefined,
  [MAX_RUNTIME_TAG]: (value) => {
    const parsed = parseMaxRuntime({ [MAX_RUNTIME_TAG]: value });
    return parsed.ok ? undefined : `must be a positive number of seconds, got ${JSON.stringify(value)}`;
  },
  // The literal, not schedule-tags.ts's constant: that module imports the submit path, which imports this one.
  'runyard/tick_at': (value) =>
    Number.isNaN(Date.parse(value)) ? `must be an ISO 8601 time, got ${JSON.stringify(value)}` : undefined,
};

/** The problems with the reserved tags among `tags`, each naming the tag (empty when all are fine). */
export function reservedTagIssues(tags: Readonly<Record<string, string>>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [key, value] of Object.entries(tags)) {
    const message = RESERVED_TAG_CHECKS[key]?.(value);
    if (message) issues.push({ path: `tags.${key}`, message: `tag ${key} ${message}` });
  }
  return issues;
}

/** Throws (a user error: exit 2, HTTP 400) when a reserved tag's value has the wrong format. */
export function checkReservedTags(tags: Readonly<Record<string, string>>, what: string): void {
  const issues = reservedTagIssues(tags);
  if (issues.length) throw new InvalidConfigError(`tags for ${what}`, issues);
}
