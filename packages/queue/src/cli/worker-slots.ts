/**
 * A worker's `--concurrency`, shared by every queue it takes from: how many steps or runs it runs
 * at once. A job fetched while every slot is busy waits here (holding its BullMQ lock) for one.
 */
export class WorkerSlots {
  #free: number;
  #waiters: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** Waits for a free slot and takes it; false, taking none, once `stop()` returns true (draining). */
  async take(stop: () => boolean = () => false): Promise<boolean> {
    while (this.#free === 0 && !stop()) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    if (stop()) return false;
    this.#free--;
    return true;
  }

  release(): void {
    this.#free++;
    this.#waiters.shift()?.();
  }

  /** Wakes every waiter, so each checks its `stop` again (the worker began draining). */
  wakeAll(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
