#!/usr/bin/env node
// Thin launcher so the compiled CLI can be found from `npx runyard` and from the workspace.
// It loads as little as it can before it knows which command runs: a run worker's startup is the
// time between RUN_STARTING and RUN_START, so `worker execute-run` skips commander altogether.
const start = await import('../dist/cli/fast-start.js');
// First, so that every module loaded after it is compiled from (and into) the cache.
start.enableCompileCache();

const worker = start.parseWorkerCommandLine(process.argv.slice(2));
if (worker) {
  const { runWorkerCommandLine } = await import('../dist/cli/commands/worker-execute-run.js');
  await runWorkerCommandLine(worker);
} else {
  const { main } = await import('../dist/cli/main.js');
  await main(process.argv);
}
