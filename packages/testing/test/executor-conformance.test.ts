// Every executor Runyard ships, through the same executor conformance suite. An executor (or a
// new setting of one) joins with one line here.
import { type ExecutorConfig, loadExecutor } from 'runyard';
import { executorConformance } from '../src/executor-conformance.js';

const EXECUTORS: readonly ExecutorConfig[] = [
  { type: 'in_process' },
  { type: 'threads', maxConcurrent: 2 },
  { type: 'multiprocess', maxConcurrent: 2 },
  { type: 'multiprocess', maxConcurrent: 2, maxStepsPerProcess: 5 },
];

for (const config of EXECUTORS) executorConformance(JSON.stringify(config), () => loadExecutor(config));
