import type { ConfigIssue } from '../errors.js';
import { isPlainObject } from '../instance/config-values.js';
import {
  type LauncherVariable,
  type LauncherVariableValue,
  VARIABLE_REF,
  variableValueProblem,
} from '../instance/run-launchers-config.js';

/**
 * A named launcher's variables (runyard.yaml `runLaunchers.launchers.<name>.variables`): the
 * instance owner declares them, with a type, a default and the values allowed; jobs and runs set
 * them with one tag, `runyard/launcher_vars` (a JSON object), and `${vars.name}` in the launcher's
 * config takes the value.
 */

/** The tag that sets a launcher's variables: `{"memory": "2g"}`. */
export const LAUNCHER_VARS_TAG = 'runyard/launcher_vars';

/** A launcher's variables as a run gets them: every declared variable, chosen or defaulted. */
export type LauncherVars = Readonly<Record<string, LauncherVariableValue>>;

export type LauncherVarsOutcome =
  | { readonly ok: true; readonly vars: LauncherVars }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/**
 * Reads the tag's JSON against the declared variables, every problem with its path
 * (`runyard/launcher_vars.memory: "64g" is not allowed; choose one of …`), and fills in the
 * defaults. No tag: every default.
 */
export function resolveLauncherVars(
  declared: Readonly<Record<string, LauncherVariable>>,
  text: string | undefined,
  launcherName: string,
): LauncherVarsOutcome {
  const tag = LAUNCHER_VARS_TAG;
  let given: Record<string, unknown> = {};
  if (text !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return fail(tag, `is not valid JSON (${(error as Error).message}); expected an object such as {"memory": "2g"}`);
    }
    if (!isPlainObject(value)) return fail(tag, 'expected a JSON object of variable values');
    given = value;
  }
  const issues: ConfigIssue[] = [];
  const names = Object.keys(declared);
  for (const [name, value] of Object.entries(given)) {
    const variable = declared[name];
    if (!Object.hasOwn(declared, name) || !variable) {
      issues.push({
        path: `${tag}.${name}`,
        message: `launcher '${launcherName}' has no variable '${name}' (${names.length ? `its variables: ${names.join(', ')}` : 'it declares none'})`,
      });
      continue;
    }
    const problem = variableValueProblem(variable, value);
    if (problem) issues.push({ path: `${tag}.${name}`, message: problem });
  }
  if (issues.length) return { ok: false, issues };
  const vars: Record<string, LauncherVariableValue> = {};
  for (const [name, variable] of Object.entries(declared)) {
    vars[name] = Object.hasOwn(given, name) ? (given[name] as LauncherVariableValue) : variable.default;
  }
  return { ok: true, vars };
}

/**
 * The config with each `${vars.name}` replaced: a value that is exactly one reference takes the
 * variable's value and type (`cpus: '${vars.cpus}'` gives the number 2); a reference inside other
 * text is replaced by the value as text.
 */
export function applyLauncherVars(config: unknown, vars: LauncherVars): unknown {
  if (typeof config === 'string') {
    const whole = /^\$\{vars\.([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(config);
    if (whole && Object.hasOwn(vars, whole[1] as string)) return vars[whole[1] as string];
    return config.replace(VARIABLE_REF, (ref, name: string) => (Object.hasOwn(vars, name) ? String(vars[name]) : ref));
  }
  if (Array.isArray(config)) return config.map((item) => applyLauncherVars(item, vars));
  if (isPlainObject(config)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) out[key] = applyLauncherVars(value, vars);
    return out;
  }
  return config;
}

/** One text per set of values, whatever order they were given in: a cache key. */
export function varsKey(vars: LauncherVars): string {
  return JSON.stringify(
    Object.keys(vars)
      .sort()
      .map((name) => [name, vars[name]]),
  );
}

function fail(path: string, message: string): LauncherVarsOutcome {
  return { ok: false, issues: [{ path, message }] };
}
