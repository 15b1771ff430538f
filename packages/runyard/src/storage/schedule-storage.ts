/** Whether the daemon ticks a schedule. */
export type ScheduleStatus = 'RUNNING' | 'STOPPED';

/** A schedule's on/off state in storage, the code location it was started from, and its last tick. */
export interface ScheduleState {
  readonly name: string;
  readonly status: ScheduleStatus;
  /** The last tick the scheduler evaluated (ms since epoch), so a restart knows what it missed. */
  readonly lastTickAt?: number;
  /**
   * Where the schedule is defined (an absolute file path or a package name), recorded when it is
   * started, so the scheduler knows which code location to load.
   */
  readonly codeLocation?: string;
  readonly updatedAt: number;
}

/** How a schedule's tick went. */
export type TickStatus = 'STARTED' | 'SUCCESS' | 'SKIPPED' | 'FAILURE';

/** A schedule tick as storage keeps it: schedule, time, status, run ids and error. */
export interface TickRecord {
  readonly id: number;
  readonly scheduleName: string;
  /** The scheduled time this tick stands for (ms since epoch). */
  readonly tickAt: number;
  readonly status: TickStatus;
  readonly runIds: readonly string[];
  readonly skipReason?: string;
  readonly error?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A schedule tick to record: the schedule, the tick's time and its status. */
export interface NewTick {
  readonly scheduleName: string;
  readonly tickAt: number;
}

/** Changes to a recorded tick: its status, the run it made, or its error. */
export interface TickPatch {
  readonly status?: TickStatus;
  readonly runIds?: readonly string[];
  readonly skipReason?: string;
  readonly error?: string;
}

/** Schedule on/off state and the ticks the scheduler recorded. */
export interface ScheduleStorage {
  getScheduleState(name: string): Promise<ScheduleState | undefined>;
  listScheduleStates(): Promise<ScheduleState[]>;
  setScheduleState(state: Omit<ScheduleState, 'updatedAt'>): Promise<ScheduleState>;
  /**
   * Moves a RUNNING schedule's `lastTickAt` forward, never back: a compare-and-swap, so a scheduler
   * that evaluated ticks while someone stopped (or restarted) the schedule cannot undo that, and
   * two schedulers cannot move it backwards. Returns the state afterwards and whether it changed.
   */
  advanceLastTickAt(
    name: string,
    lastTickAt: number,
  ): Promise<{ readonly advanced: boolean; readonly state: ScheduleState | undefined }>;
  /**
   * Creates the tick for (schedule, tickAt) or returns the one that exists: a tick is unique per
   * schedule and time, so a second daemon or a retry finds the first one's tick.
   */
  createTick(tick: NewTick): Promise<{ readonly tick: TickRecord; readonly created: boolean }>;
  updateTick(id: number, patch: TickPatch): Promise<TickRecord | undefined>;
  /** Newest first. */
  listTicks(scheduleName: string, options?: { readonly limit?: number }): Promise<TickRecord[]>;
}
