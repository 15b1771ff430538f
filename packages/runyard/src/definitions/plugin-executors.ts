/**
 * Executor types that plug-in packages provide, and the package of each. A job may name one
 * (`executor: { type: 'queue' }`); the run worker imports the package only then, and registers
 * the executors it exports (`executors: { queue: (config) => executor }`). Types, not classes, are
 * the contract here, so a job definition type-checks without the plug-in installed.
 */
export const PLUGIN_EXECUTORS = Object.freeze({ queue: '@runyard/queue' } as const);

export type PluginExecutorType = keyof typeof PLUGIN_EXECUTORS;

export function isPluginExecutorType(type: string): type is PluginExecutorType {
  return Object.hasOwn(PLUGIN_EXECUTORS, type);
}
