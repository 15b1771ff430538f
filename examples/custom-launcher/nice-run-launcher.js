// A custom run launcher in a few dozen lines: each run worker is a local process started under
// `nice`, so scheduled batch runs yield the CPU to interactive work on a shared machine.
// runyard.yaml names it by module and class; its config is validated by `configSchema`.
import { spawn } from 'node:child_process';
import { BaseRunLauncher } from 'runyard';
import { z } from 'zod';

export class NiceRunLauncher extends BaseRunLauncher {
  static configSchema = z.object({ niceness: z.number().int().min(1).max(19).default(10) }).strict();

  constructor(config) {
    super();
    this.niceness = config.niceness;
  }

  async launchRun(ctx) {
    const [node, ...script] = ctx.worker.localCommand;
    const child = spawn('nice', ['-n', String(this.niceness), node, ...script, ...ctx.worker.args], {
      detached: true, // its own process group, so terminate reaches everything it starts
      stdio: 'ignore',
      env: { ...process.env, ...ctx.worker.env },
    });
    await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
    child.unref();
    const ref = { launcher: 'NiceRunLauncher', pid: child.pid, pgid: child.pid, niceness: this.niceness };
    await ctx.recordWorker(ref); // before anything else can fail: any process can now stop it
    return ref;
  }

  async terminate(ctx) {
    const pgid = ctx.run.worker?.pgid;
    if (!pgid || !alive(pgid)) return { stopped: false, escalated: false, detail: 'the worker had already exited' };
    process.kill(-pgid, 'SIGTERM');
    for (const deadline = Date.now() + ctx.graceMs; Date.now() < deadline; ) {
      if (!alive(pgid)) return { stopped: true, escalated: false, detail: `process group ${pgid} stopped on SIGTERM` };
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(-pgid, 'SIGKILL');
    return { stopped: true, escalated: true, detail: `process group ${pgid} killed with SIGKILL` };
  }
}

function alive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
