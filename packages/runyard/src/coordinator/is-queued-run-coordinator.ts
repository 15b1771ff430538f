import type { QueuedRunCoordinator } from './queued-run-coordinator.js';

/**
 * The mark every QueuedRunCoordinator carries (a getter on the class, so subclasses have it too).
 * A registered symbol, so a coordinator from another copy of Runyard is recognised as well.
 * Kept apart from the class: the queue daemon asks this question and is loaded by `import 'runyard'`,
 * which must not load the class's config schema (zod) with it (see cli/startup-imports.test.ts).
 */
export const QUEUED_RUN_COORDINATOR = Symbol.for('runyard.QueuedRunCoordinator');

/** True for a QueuedRunCoordinator (or a subclass), even one from another copy of Runyard. */
export function isQueuedRunCoordinator(value: unknown): value is QueuedRunCoordinator {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[QUEUED_RUN_COORDINATOR] === true
  );
}
