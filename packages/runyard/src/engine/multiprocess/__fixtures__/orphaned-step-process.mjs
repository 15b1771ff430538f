// Starts one step process from the built package, prints its pid once it is ready, then waits to
// be killed: the test kills this process and checks that the step process does not outlive it.
import { stepProcessEntry } from '../../../../dist/engine/multiprocess/multiprocess-executor.js';
import { StepProcessHandle } from '../../../../dist/engine/multiprocess/step-process-handle.js';

const [codeLocation, jobName] = process.argv.slice(2);
const handle = new StepProcessHandle({
  entry: stepProcessEntry(),
  boot: { codeLocation, cwd: process.cwd(), jobName },
  execArgv: [],
  env: process.env,
  stdout: process.stderr,
  stderr: process.stderr,
});
const timer = setInterval(() => {
  if (!handle.isReady) return;
  clearInterval(timer);
  process.stdout.write(`${handle.pid}\n`);
}, 5);
setInterval(() => undefined, 1000);
