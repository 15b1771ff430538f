import type { IOManager } from '../engine/io-manager.js';
import type { Instance } from './instance.js';

/**
 * The IO manager for a run executed in this process (`executeJob` with an instance, and so
 * `runyard job execute`), or undefined to keep outputs in memory. In memory is the default: any
 * value may pass between steps, and nothing is left on disk. When runyard.yaml names an IO manager of its own (S3IOManager, a custom class, or
 * FileSystemIOManager with a `baseDir`), the run keeps its outputs there as a launched run does,
 * so a retry from failure of it can reuse them.
 */
export async function configuredIOManager(instance: Instance): Promise<IOManager | undefined> {
  if (instance.ephemeral) return undefined;
  const { module, class: className, config } = instance.config.ioManager;
  const isDefault = module === undefined && className === 'FileSystemIOManager' && config?.baseDir === undefined;
  return isDefault ? undefined : instance.ioManager();
}
