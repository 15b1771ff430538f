import { readFileSync } from 'node:fs';
import { groupMembers } from './process-group-state.js';

/**
 * A pid alone is not an identity: after a process exits its pid may be given to another. On Linux
 * the start time in /proc/<pid>/stat tells the two apart; elsewhere we fall back to the pid.
 */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) comes after the command name, which may itself contain spaces and ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process group we started still has members. A group id cannot be reused while any
 * member lives, and a new group with the same id needs a new leader with that pid, which the
 * leader's start time exposes.
 */
export function isOurGroupAlive(pgid: number, leaderStartTicks: string | undefined): boolean {
  if (!isAlive(-pgid)) return false;
  if (!groupHasLiveMembers(pgid)) return false;
  if (leaderStartTicks === undefined) return true;
  const now = processStartTicks(pgid);
  return now === undefined || now === leaderStartTicks;
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * `kill(-pgid, 0)` also succeeds for zombies: killed processes whose parent (often init, once the
 * launching CLI has exited) has not reaped them yet. They hold no resources and run nothing, so a
 * group of zombies counts as gone. Where /proc is missing we cannot tell, and trust kill().
 */
function groupHasLiveMembers(pgid: number): boolean {
  const members = groupMembers(pgid);
  return members === undefined || members.length > 0;
}
