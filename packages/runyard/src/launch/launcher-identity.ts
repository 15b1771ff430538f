import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAlive, processStartTicks } from '../launcher/process/process-identity.js';

/**
 * Who is launching a run, written into its RUN_STARTING event (and into each relaunch's event) so
 * that another process can tell whether that launch can still finish: a process on this host is
 * tested by pid and start time (a pid alone may have been given to another process since), and a
 * daemon on another host by the daemon lease (once the lease has passed to another holder, the
 * launch it was making is orphaned).
 */
export interface LaunchedBy {
  readonly host: string;
  readonly pid: number;
  /** The process's start time in clock ticks since boot (Linux), to tell a reused pid apart. */
  readonly startTicks?: string;
  /** The daemon lease holder id, when a daemon launched the run. */
  readonly daemonId?: string;
}

let launchingDaemonId: string | undefined;

/**
 * The daemon sub-daemons that launch runs (queue, scheduler) call this with their daemon id, so
 * that every launch this process makes afterwards names the daemon as well as the process.
 */
export function setLaunchingDaemon(daemonId: string): void {
  launchingDaemonId = daemonId;
}

/** This process, as the launcher of a run. */
export function thisLauncher(daemonId: string | undefined = launchingDaemonId): LaunchedBy {
  const startTicks = processStartTicks(process.pid);
  return {
    host: hostname(),
    pid: process.pid,
    ...(startTicks === undefined ? {} : { startTicks }),
    ...(daemonId === undefined ? {} : { daemonId }),
  };
}

/** The `launchedBy` of an event's data, or undefined when it is missing or not one. */
export function launchedByOf(data: Readonly<Record<string, unknown>> | undefined): LaunchedBy | undefined {
  const value = data?.launchedBy as Partial<LaunchedBy> | undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (typeof value.host !== 'string' || typeof value.pid !== 'number') return undefined;
  return value as LaunchedBy;
}

/** `daemon host:123:ab12cd34` or `process 123 on host`, for messages. */
export function describeLauncher(by: LaunchedBy): string {
  return by.daemonId ? `daemon ${by.daemonId}` : `process ${by.pid} on ${by.host}`;
}

/**
 * Why the launcher `by` can no longer finish its launch, or undefined while it may. `leaseHolder`
 * is the daemon that holds the daemon lease now (the caller, when a daemon asks). A process on
 * another host that is not a daemon cannot be tested from here: it counts as alive, and the
 * start timeout is what ends its run if it never launches.
 */
export function launcherGone(by: LaunchedBy, leaseHolder: string | undefined): string | undefined {
  if (by.host === hostname()) {
    return processRunning(by.pid, by.startTicks) ? undefined : `${describeLauncher(by)} is gone`;
  }
  if (by.daemonId !== undefined && leaseHolder !== undefined && leaseHolder !== by.daemonId)
    return `${describeLauncher(by)} no longer holds the daemon lease (${leaseHolder} does)`;
  return undefined;
}

/**
 * Whether process `pid` is the one that started at `startTicks` and has not exited. A zombie (killed,
 * not yet reaped by its parent) has exited. Without /proc (macOS) only the pid can be asked.
 */
export function processRunning(pid: number, startTicks: string | undefined): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && procMounted()) return false;
    return isAlive(pid);
  }
  // After the command name (which may hold spaces and ')'): state, ppid, …, starttime is field 22.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  return startTicks === undefined || fields[19] === startTicks;
}

function procMounted(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}
