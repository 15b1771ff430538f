import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Instance, startUiServer, type UiServer } from '../src/index.js';
import { runCli, tempHome } from './cli-helpers.js';
import { type DaemonProcess, spawnDaemon, waitFor } from './fixtures/daemon-process.js';

// `instance info` used to list only the daemon that holds the lease: a standby daemon, ready to
// take over, was invisible. Every daemon process now says it is alive, with its role.

interface Listed {
  readonly daemonId: string;
  readonly role: string;
}

describe('instance info lists standby daemons too', () => {
  let home: string;
  const daemons: DaemonProcess[] = [];

  const listed = async (): Promise<Listed[]> => {
    const result = await runCli(['instance', 'info', '--json'], { home });
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as { daemonProcesses: Listed[] }).daemonProcesses;
  };

  beforeAll(async () => {
    home = tempHome();
    daemons.push(spawnDaemon(home, ['--lease-ttl', '2']));
    await daemons[0]?.waitForOutput(/took the daemon lease/);
    daemons.push(spawnDaemon(home, ['--lease-ttl', '2']));
    await daemons[1]?.waitForOutput(/holds the lease; standing by/);
  });

  afterAll(async () => {
    for (const d of daemons) d.kill('SIGTERM');
    await Promise.all(daemons.map((d) => d.exited));
  });

  it('the leader and the standby, each with its role, in JSON and text', async () => {
    const leaderId = await (daemons[0] as DaemonProcess).daemonId();
    const standbyId = await (daemons[1] as DaemonProcess).daemonId();
    const both = await waitFor('both daemons listed', async () => {
      const found = await listed();
      return found.length === 2 ? found : undefined;
    });
    expect(both).toEqual([
      { daemonId: leaderId, role: 'leader', aliveUntil: expect.any(Number) },
      { daemonId: standbyId, role: 'standby', aliveUntil: expect.any(Number) },
    ]);
    const text = await runCli(['instance', 'info'], { home });
    expect(text.stdout).toContain(`daemon           lease held by ${leaderId}`);
    expect(text.stdout).toMatch(new RegExp(`\\n  leader +${leaderId}\\n`));
    expect(text.stdout).toMatch(new RegExp(`\\n  standby +${standbyId}\\n`));
  });

  it('the API lists them too', async () => {
    const instance = await Instance.open({ home });
    let server: UiServer | undefined;
    try {
      server = await startUiServer({ instance, port: 0, uiDir: undefined });
      const body = (await (await fetch(`${server.url}/api/daemon`)).json()) as { processes: Listed[] };
      expect(body.processes.map((p) => p.role)).toEqual(['leader', 'standby']);
    } finally {
      await server?.close();
      await instance.dispose();
    }
  });

  it('a stopped leader leaves the list, and the standby is listed as leader once it takes over', async () => {
    const standbyId = await (daemons[1] as DaemonProcess).daemonId();
    (daemons[0] as DaemonProcess).kill('SIGTERM');
    await (daemons[0] as DaemonProcess).exited;
    await (daemons[1] as DaemonProcess).waitForOutput(/took the daemon lease/);
    const after = await waitFor('the standby listed as the only daemon, leading', async () => {
      const found = await listed();
      return found.length === 1 && found[0]?.role === 'leader' ? found : undefined;
    });
    expect(after[0]?.daemonId).toBe(standbyId);
  });
});
