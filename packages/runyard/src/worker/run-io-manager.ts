import type { IOManager } from '../engine/io-manager.js';
import type { Instance } from '../instance/instance.js';

/**
 * Launched runs keep step outputs through the instance's IO manager (runyard.yaml's `ioManager`,
 * files under the instance home by default), so a resumed worker and a retry from failure can
 * reuse what earlier steps produced, and step processes can share them.
 */
export async function createRunIOManager(instance: Instance): Promise<IOManager | undefined> {
  return instance.ephemeral ? undefined : instance.ioManager();
}
