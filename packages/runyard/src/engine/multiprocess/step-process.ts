/**
 * The entry of a step process: a child of the multiprocess executor that loads the job, runs the
 * step attempts it is sent, reports, and exits (step-process-runner.ts; the protocol is in
 * messages.ts).
 *
 *   fork('dist/engine/multiprocess/step-process.js', [JSON.stringify(boot)],
 *        { serialization: 'advanced', stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
 *
 * This file only turns Node's compile cache on (Node ≥ 22.1; nothing on Node 20) before anything
 * else loads, so that every step process after the first reuses V8's compiled code for Runyard,
 * zod and the code location instead of compiling it again. Static imports would load before the
 * call, hence the dynamic import of the rest.
 */
import { enableCompileCache } from '../../cli/fast-start.js';

enableCompileCache();
await import('./step-process-runner.js');
