import type { ConfigIssue } from '../errors.js';
import type { LauncherAllow, NamedLauncherConfig, RunLaunchersConfig } from '../instance/run-launchers-config.js';
import { LAUNCHER_VARS_TAG, type LauncherVars, resolveLauncherVars } from './launcher-variables.js';

/**
 * Which named launcher a run goes to, decided once at submit and written on the run:
 *
 *   instance default  <  code location (defineDefinitions({ defaultLauncher }))  <  job tag  <  run tag
 *
 * The code location, the job and the run all speak through the `runyard/launcher` tag (a job's
 * tags are merged over its code location's default, and a run's over its job's), so this reads one
 * tag. The answer is then checked against the launcher's allow-list and its variables.
 */

/** The launcher a run asks for, and (once submitted) the one it was launched with. */
export const LAUNCHER_TAG = 'runyard/launcher';

export interface RouteRequest {
  readonly jobName: string;
  /** The run's tags, job tags merged in. */
  readonly tags: Readonly<Record<string, string>>;
}

export type RouteOutcome =
  | {
      readonly ok: true;
      readonly name: string;
      readonly vars: LauncherVars;
      /** What the run records: the launcher, and its variables with the defaults filled in. */
      readonly tags: Readonly<Record<string, string>>;
    }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

export function routeRun(config: RunLaunchersConfig, request: RouteRequest): RouteOutcome {
  const name = request.tags[LAUNCHER_TAG] ?? config.default;
  const entry = Object.hasOwn(config.launchers, name) ? config.launchers[name] : undefined;
  const names = Object.keys(config.launchers).join(', ');
  if (!entry) {
    return fail(LAUNCHER_TAG, `runyard.yaml names no launcher '${name}' (launchers: ${names})`);
  }
  const refused = refusal(entry.allow, request);
  if (refused) {
    return fail(
      LAUNCHER_TAG,
      `launcher '${name}' may not run job '${request.jobName}': runyard.yaml allows it only for ${refused} (runLaunchers.launchers.${name}.allow)`,
    );
  }
  const vars = resolveLauncherVars(entry.variables ?? {}, request.tags[LAUNCHER_VARS_TAG], name);
  if (!vars.ok) return vars;
  const declared = Object.keys(entry.variables ?? {}).length > 0;
  return {
    ok: true,
    name,
    vars: vars.vars,
    tags: { [LAUNCHER_TAG]: name, ...(declared ? { [LAUNCHER_VARS_TAG]: JSON.stringify(vars.vars) } : {}) },
  };
}

/** Whether the launcher's allow-list lets this run use it. */
export function isAllowed(entry: NamedLauncherConfig, request: RouteRequest): boolean {
  return refusal(entry.allow, request) === undefined;
}

/** Undefined when allowed; else what the allow-list would accept, for the message. */
function refusal(allow: LauncherAllow | undefined, request: RouteRequest): string | undefined {
  if (!allow || (allow.jobs === undefined && allow.tags === undefined)) return undefined;
  if (allow.jobs?.includes(request.jobName)) return undefined;
  for (const [key, values] of Object.entries(allow.tags ?? {})) {
    const value = request.tags[key];
    if (value !== undefined && (typeof values === 'string' ? values === value : values.includes(value)))
      return undefined;
  }
  const parts = [
    ...(allow.jobs?.length ? [`jobs ${allow.jobs.join(', ')}`] : []),
    ...Object.entries(allow.tags ?? {}).map(
      ([key, values]) => `tag ${key}=${typeof values === 'string' ? values : values.join('|')}`,
    ),
  ];
  return parts.length ? parts.join(' or ') : 'no run';
}

function fail(path: string, message: string): RouteOutcome {
  return { ok: false, issues: [{ path, message }] };
}
