import { readdirSync, readFileSync } from 'node:fs';

/** One live member of a process group, as /proc tells it. */
export interface GroupMember {
  readonly pid: number;
  readonly ppid: number;
  /** The state letter of /proc/<pid>/stat: R running, S sleeping, T stopped, t traced, Z zombie … */
  readonly state: string;
}

/**
 * The members of a process group that are not zombies, from /proc; undefined where /proc cannot
 * be read (then nobody can tell, and callers keep to what kill() says).
 */
export function groupMembers(pgid: number): GroupMember[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const members: GroupMember[] = [];
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // After the command name (which may hold spaces and ')'): state, ppid, pgrp, …
    const [state = '', ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) !== pgid || state === 'Z' || state === 'X') continue;
    members.push({ pid: Number(entry), ppid: Number(ppid), state });
  }
  return members;
}

/**
 * Says so when the worker is stopped (SIGSTOP, SIGTSTP, a debugger): it is alive, but runs
 * nothing and sends no heartbeat, which "RUNNING" alone would hide.
 */
export function describeStoppedMembers(members: readonly GroupMember[]): string | undefined {
  const stopped = members.filter((m) => m.state === 'T' || m.state === 't');
  if (stopped.length === 0) return undefined;
  const pids = stopped.map((m) => m.pid).join(', ');
  const how = stopped.every((m) => m.state === 't') ? 'stopped by a debugger (traced)' : 'stopped (SIGSTOP or SIGTSTP)';
  return stopped.length === members.length
    ? `every process of the group is ${how}: pid ${pids}`
    : `process${stopped.length > 1 ? 'es' : ''} ${pids} of the group ${stopped.length > 1 ? 'are' : 'is'} ${how}`;
}
