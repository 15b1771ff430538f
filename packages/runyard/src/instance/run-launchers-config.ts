import type { z as Zod } from 'zod';
import type { ConfigIssue } from '../errors.js';
import type { ComponentConfig } from './component-config.js';
import { isPlainObject, typeName } from './config-values.js';
import { checkEnvRefs, isEnvRef } from './env-ref.js';

/**
 * `runLaunchers` in runyard.yaml: several named launchers, one of them the default.
 *
 *   runLaunchers:
 *     default: local
 *     launchers:
 *       local: { class: ProcessRunLauncher }
 *       big:
 *         class: DockerRunLauncher
 *         config: { image: jobs:1, memory: '${vars.memory}' }
 *         variables: { memory: { type: string, default: 512m, allowed: [256m, 512m, 2g] } }
 *         allow: { jobs: [train], tags: { team: ml } }
 *
 * The single `runLauncher` key is the same thing with one launcher named `default`. This file
 * holds the types, the zod form and the checks zod cannot make (a default that names a launcher,
 * `${vars.x}` references to declared variables); launcher/launcher-variables.ts applies variables.
 */

export type LauncherVariableValue = string | number | boolean;

/** A typed variable a launcher entry declares: its default, and the values or range a run may choose. */
export interface LauncherVariable {
  readonly type: 'string' | 'number' | 'boolean';
  readonly default: LauncherVariableValue;
  /** The only values a job or run may choose. */
  readonly allowed?: readonly LauncherVariableValue[];
  /** Bounds of a number, inclusive. */
  readonly min?: number;
  readonly max?: number;
  readonly description?: string;
}

/** Which runs may use a launcher: a run of one of `jobs`, or a run with one of `tags` (any of the values). */
export interface LauncherAllow {
  readonly jobs?: readonly string[];
  readonly tags?: Readonly<Record<string, string | readonly string[]>>;
}

/** One entry of `runLaunchers.launchers`: a launcher component plus its variables and allow-list. */
export interface NamedLauncherConfig extends ComponentConfig {
  readonly variables?: Readonly<Record<string, LauncherVariable>>;
  readonly allow?: LauncherAllow;
}

/** The `runLaunchers` key of runyard.yaml: the named launchers and the one runs go to by default. */
export interface RunLaunchersConfig {
  readonly default: string;
  readonly launchers: Readonly<Record<string, NamedLauncherConfig>>;
}

/** What the single `runLauncher` key is called among named launchers. */
export const SINGLE_LAUNCHER_NAME = 'default';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `${vars.memory}` inside a launcher's config values. */
export const VARIABLE_REF = /\$\{vars\.([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function buildRunLaunchersSchema(z: typeof Zod) {
  const scalar = z.union([z.string(), z.number(), z.boolean()]);
  const variable = z.strictObject({
    type: z.enum(['string', 'number', 'boolean']),
    default: scalar,
    allowed: z.array(scalar).min(1).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    description: z.string().optional(),
  });
  const launcher = z.strictObject({
    module: z.string().min(1).optional(),
    class: z.string().min(1),
    config: z.record(z.string(), z.unknown()).optional(),
    variables: z
      .record(z.string().regex(VARIABLE_NAME, { error: 'a variable name is letters, digits and _' }), variable)
      .optional(),
    allow: z
      .strictObject({
        jobs: z.array(z.string().min(1)).optional(),
        tags: z.record(z.string().min(1), z.union([z.string(), z.array(z.string()).min(1)])).optional(),
      })
      .optional(),
  });
  return z.strictObject({
    default: z.string().min(1),
    launchers: z.record(
      z.string().regex(NAME, { error: 'a launcher name is letters, digits, and . _ - after the first' }),
      launcher,
    ),
  });
}

/** Problems with the input before the schema: both keys at once, env references in each launcher's config. */
export function runLaunchersInputIssues(input: Record<string, unknown>): ConfigIssue[] {
  if (input.runLaunchers === undefined) return [];
  const issues: ConfigIssue[] = [];
  if (input.runLauncher !== undefined) {
    issues.push({
      path: 'runLaunchers',
      message:
        'give either runLauncher (one launcher) or runLaunchers (several, by name), not both; runLauncher is runLaunchers with one launcher named default',
    });
  }
  const launchers = isPlainObject(input.runLaunchers) ? input.runLaunchers.launchers : undefined;
  if (!isPlainObject(launchers)) return issues;
  for (const [name, entry] of Object.entries(launchers)) {
    const config = isPlainObject(entry) ? entry.config : undefined;
    if (!isPlainObject(config)) continue;
    const at = `runLaunchers.launchers.${name}.config`;
    if (isEnvRef(config)) issues.push({ path: at, message: 'expected an object; { env: NAME } gives single values' });
    else issues.push(...checkEnvRefs(config, at));
  }
  return issues;
}

/** The checks zod cannot make, on parsed `runLaunchers`. */
export function runLaunchersIssues(config: RunLaunchersConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = Object.keys(config.launchers);
  if (names.length === 0) issues.push({ path: 'runLaunchers.launchers', message: 'name at least one launcher' });
  else if (!Object.hasOwn(config.launchers, config.default)) {
    issues.push({
      path: 'runLaunchers.default',
      message: `'${config.default}' is not one of the launchers (${names.join(', ')})`,
    });
  }
  for (const [name, launcher] of Object.entries(config.launchers)) {
    const at = `runLaunchers.launchers.${name}`;
    for (const [varName, variable] of Object.entries(launcher.variables ?? {})) {
      issues.push(...variableDeclarationIssues(variable, `${at}.variables.${varName}`));
    }
    for (const ref of variableRefs(launcher.config ?? {}, `${at}.config`)) {
      if (!Object.hasOwn(launcher.variables ?? {}, ref.name)) {
        const declared = Object.keys(launcher.variables ?? {});
        issues.push({
          path: ref.path,
          message: `\${vars.${ref.name}} names no variable of this launcher (${declared.length ? `variables: ${declared.join(', ')}` : 'it declares none'})`,
        });
      }
    }
  }
  return issues;
}

function variableDeclarationIssues(variable: LauncherVariable, at: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (variable.type !== 'number' && (variable.min !== undefined || variable.max !== undefined)) {
    issues.push({ path: `${at}.min`, message: `min and max are for number variables, not ${variable.type}` });
  }
  if (variable.min !== undefined && variable.max !== undefined && variable.min > variable.max) {
    issues.push({ path: `${at}.max`, message: `must be at least min (${variable.min})` });
  }
  (variable.allowed ?? []).forEach((value, i) => {
    if (typeof value !== variable.type)
      issues.push({ path: `${at}.allowed[${i}]`, message: `expected ${variable.type}, got ${typeName(value)}` });
  });
  const problem = variableValueProblem(variable, variable.default);
  if (problem) issues.push({ path: `${at}.default`, message: problem });
  return issues;
}

/** Why `value` is not a value of `variable`, or undefined when it is. */
export function variableValueProblem(variable: LauncherVariable, value: unknown): string | undefined {
  if (typeof value !== variable.type) return `expected ${variable.type}, got ${typeName(value)}`;
  if (variable.allowed && !variable.allowed.includes(value as LauncherVariableValue)) {
    return `${JSON.stringify(value)} is not allowed; choose one of ${variable.allowed.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'expected a finite number';
    if (variable.min !== undefined && value < variable.min) return `must be at least ${variable.min}, got ${value}`;
    if (variable.max !== undefined && value > variable.max) return `must be at most ${variable.max}, got ${value}`;
  }
  return undefined;
}

/** Every `${vars.x}` in the string values of `config`, with its key path. */
export function variableRefs(config: unknown, base: string): Array<{ name: string; path: string }> {
  const out: Array<{ name: string; path: string }> = [];
  const walk = (value: unknown, at: string) => {
    if (typeof value === 'string') {
      for (const match of value.matchAll(VARIABLE_REF)) out.push({ name: match[1] as string, path: at });
    } else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, `${at}[${i}]`);
    } else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) walk(item, `${at}.${key}`);
    }
  };
  walk(config, base);
  return out;
}

/** The launcher's own component (`module`, `class`, `config`) without the entry's routing parts. */
export function launcherComponent(entry: NamedLauncherConfig): ComponentConfig {
  return {
    ...(entry.module === undefined ? {} : { module: entry.module }),
    class: entry.class,
    ...(entry.config === undefined ? {} : { config: entry.config }),
  };
}

/** Both forms as one: the single `runLauncher` is one launcher named `default`. */
export function namedLaunchers(config: {
  readonly runLauncher: ComponentConfig;
  readonly runLaunchers?: RunLaunchersConfig;
}): RunLaunchersConfig {
  return (
    config.runLaunchers ?? { default: SINGLE_LAUNCHER_NAME, launchers: { [SINGLE_LAUNCHER_NAME]: config.runLauncher } }
  );
}

/** The queued coordinator's `launcherConcurrencyLimits` must name launchers that exist (a typo would limit nothing). */
export function launcherLimitIssues(config: {
  readonly runLauncher: ComponentConfig;
  readonly runLaunchers?: RunLaunchersConfig;
  readonly runCoordinator: ComponentConfig;
}): ConfigIssue[] {
  const { runCoordinator } = config;
  if (runCoordinator.module !== undefined || runCoordinator.class !== 'QueuedRunCoordinator') return [];
  const limits = runCoordinator.config?.launcherConcurrencyLimits;
  if (!isPlainObject(limits)) return [];
  const names = Object.keys(namedLaunchers(config).launchers);
  return Object.keys(limits)
    .filter((name) => !names.includes(name))
    .map((name) => ({
      path: `runCoordinator.config.launcherConcurrencyLimits.${name}`,
      message: `no launcher is named '${name}' (launchers: ${names.join(', ')})`,
    }));
}

/** Loose shape check for config another Runyard process validated (instance-config-data.ts). */
export function looksLikeRunLaunchers(value: unknown): boolean {
  if (!isPlainObject(value) || typeof value.default !== 'string' || !isPlainObject(value.launchers)) return false;
  return Object.values(value.launchers).every(
    (entry) => isPlainObject(entry) && typeof entry.class === 'string' && entry.class !== '',
  );
}
