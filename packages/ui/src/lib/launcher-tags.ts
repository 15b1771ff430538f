import type { JobLaunchers, LauncherVariable } from '../api/types';

/** The Launchpad's launcher choice: which launcher (null: where the job goes anyway) and the variables typed. */
export interface LauncherSelection {
  launcher: string | null;
  /** Variable name → what was typed or picked; absent or '' keeps the default. */
  vars: Record<string, string>;
}

export interface LauncherTagsResult {
  /** `runyard/launcher` and `runyard/launcher_vars`, only where the run differs from the defaults. */
  tags: Record<string, string>;
  /** Variable name → what is wrong with it. */
  errors: Record<string, string>;
}

export const LAUNCHER_TAG = 'runyard/launcher';
export const LAUNCHER_VARS_TAG = 'runyard/launcher_vars';

/** Turns the form's choice into the run's tags, checking each value as the server will. */
export function launcherTags(info: JobLaunchers | undefined, selection: LauncherSelection): LauncherTagsResult {
  const tags: Record<string, string> = {};
  const errors: Record<string, string> = {};
  if (!info) return { tags, errors };
  const name = selection.launcher ?? info.default;
  if (selection.launcher !== null && selection.launcher !== info.default) tags[LAUNCHER_TAG] = selection.launcher;
  const choice = info.launchers.find((l) => l.name === name);
  const values: Record<string, string | number | boolean> = {};
  for (const [varName, variable] of Object.entries(choice?.variables ?? {})) {
    const text = selection.vars[varName];
    if (text === undefined || text === '') continue;
    const parsed = parseVariable(variable, text);
    if (typeof parsed === 'object') errors[varName] = parsed.error;
    else if (parsed !== variable.default) values[varName] = parsed;
  }
  if (Object.keys(values).length > 0) tags[LAUNCHER_VARS_TAG] = JSON.stringify(values);
  return { tags, errors };
}

function parseVariable(variable: LauncherVariable, text: string): string | number | boolean | { error: string } {
  let value: string | number | boolean = text;
  if (variable.type === 'number') {
    value = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(value)) return { error: 'expected a number' };
    if (variable.min !== undefined && value < variable.min) return { error: `at least ${variable.min}` };
    if (variable.max !== undefined && value > variable.max) return { error: `at most ${variable.max}` };
  } else if (variable.type === 'boolean') {
    if (text !== 'true' && text !== 'false') return { error: 'expected true or false' };
    value = text === 'true';
  }
  if (variable.allowed && !variable.allowed.includes(value)) return { error: `one of ${variable.allowed.join(', ')}` };
  return value;
}
