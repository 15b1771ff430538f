import type { ConfigIssue } from '../errors.js';
import type { ComponentKind, ComponentRegistry } from './component-registry.js';

/*
 * A custom class named in runyard.yaml is checked for its kind's methods when the instance loads,
 * before the home or the database is created: otherwise a launcher without `launchRun` passes
 * `run list` and `instance info` and fails only at the first launch. Only methods can be seen
 * on a class without constructing it (fields such as `capabilities` exist only on instances; the
 * registry's member check covers them when the component is created). So of the members the
 * registry requires, those known to be methods are looked for on the class's prototype.
 */
const METHODS: Readonly<Partial<Record<ComponentKind, readonly string[]>>> = {
  storage: ['migrate', 'info', 'toConfig', 'dispose'],
  runLauncher: ['launchRun', 'terminate', 'dispose'],
  runCoordinator: ['submitRun'],
  computeLogs: ['localPaths', 'read', 'delete'],
};

/** The issue naming the methods `Class` lacks for `kind`, or undefined when it has them all. */
export function missingMethodsIssue(
  registry: ComponentRegistry,
  kind: ComponentKind,
  Class: Function,
  key: string,
  label: string,
): ConfigIssue | undefined {
  const proto: unknown = Class.prototype;
  if (typeof proto !== 'object' || proto === null) return undefined;
  const methods = METHODS[kind] ?? [];
  const missing = registry
    .requiredMembers(kind)
    .filter((name) => methods.includes(name) && typeof (proto as Record<string, unknown>)[name] !== 'function');
  if (missing.length === 0) return undefined;
  return {
    path: `${key}.class`,
    message: `${label} is not a ${kind}: it has no method${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
  };
}
