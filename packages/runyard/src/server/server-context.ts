import type { Instance } from '../instance/instance.js';
import type { CodeLocationSource } from './code-location-source.js';
import type { RunEventHub } from './run-event-hub.js';
import type { StreamLimiter } from './stream-limit.js';

/** What every route works with: the instance, the one event watcher and the code location. */
export interface ServerContext {
  readonly instance: Instance;
  readonly hub: RunEventHub;
  readonly codeLocation: CodeLocationSource;
  /** Closed when the server stops, so open streams end instead of holding it up. */
  readonly closing: AbortSignal;
  /** Open event streams per client. */
  readonly streams: StreamLimiter;
}
