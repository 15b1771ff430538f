import { FileSystemIOManager } from '../engine/fs-io-manager.js';
import type { IOManager } from '../engine/io-manager.js';
import type { Instance } from '../instance/instance.js';

/**
 * Launched runs keep step outputs on disk under the instance home, so a resumed worker and a
 * retry from failure can reuse what earlier steps produced, and step processes can share them.
 */
export function createRunIOManager(instance: Instance): IOManager | undefined {
  return instance.ephemeral ? undefined : FileSystemIOManager.forHome(instance.home);
}
