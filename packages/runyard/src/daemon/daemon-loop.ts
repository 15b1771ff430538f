import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type ErrorInfo, formatErrorChain, toErrorInfo } from '../events/error-info.js';
import type { Instance } from '../instance/instance.js';
import { abortableSleep } from '../util/abortable-sleep.js';
import type { Daemon, DaemonIterationContext } from './daemon.js';
import { announcePresence, withdrawPresence } from './daemon-presence.js';

export const DAEMON_LEASE = 'runyard-daemon';
const MAX_ERRORS_KEPT = 5;

/** Options of `DaemonLoop`: the lease time-to-live (how soon a standby takes over), how often the lease is renewed, and where to log. */
export interface DaemonLoopOptions {
  /** How long the lease lasts without renewal: a standby takes over this long after the leader dies. */
  readonly leaseTtlMs?: number;
  /** How often the leader renews the lease and a standby tries to take it. */
  readonly leaseIntervalMs?: number;
  readonly log?: (message: string) => void;
}

/**
 * Runs every sub-daemon in one process. A lease in storage makes one daemon per instance act:
 * a second `runyard daemon` stands by, retrying the lease, and takes over within `leaseTtlMs`
 * after the first dies. Each sub-daemon's iterations run on their own interval; an iteration that
 * throws is recorded in the heartbeat and the loop goes on.
 */
export class DaemonLoop {
  readonly daemonId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #instance: Instance;
  readonly #daemons: readonly Daemon[];
  readonly #leaseTtlMs: number;
  readonly #leaseIntervalMs: number;
  readonly #log: (message: string) => void;
  readonly #controller = new AbortController();
  readonly #errors = new Map<string, ErrorInfo[]>();
  #leader = false;
  /**
   * Until when our lease is surely valid, by this process's clock (measured from before the renewal
   * was asked for). A process paused past its TTL (SIGSTOP, a long GC, a suspended VM) must not act
   * on its return before it has renewed: a standby may have taken over meanwhile.
   */
  #leaseValidUntil = 0;
  /** Ever held the lease: then it is released on stop, even if the last renewal failed. */
  #everLeader = false;
  #standbyLogged = false;
  #running: Promise<void> | undefined;
  /** Settles after the first attempt at the lease, so a fresh leader acts at once rather than an interval later. */
  readonly #firstLeaseAttempt: Promise<void>;
  #firstLeaseAttemptDone: () => void = () => undefined;

  constructor(instance: Instance, daemons: readonly Daemon[], options: DaemonLoopOptions = {}) {
    this.#instance = instance;
    this.#daemons = daemons;
    this.#leaseTtlMs = options.leaseTtlMs ?? 10_000;
    this.#leaseIntervalMs = options.leaseIntervalMs ?? Math.max(250, Math.floor(this.#leaseTtlMs / 4));
    this.#log = options.log ?? ((m) => process.stdout.write(`${new Date().toISOString()} ${m}\n`));
    this.#firstLeaseAttempt = new Promise((resolve) => {
      this.#firstLeaseAttemptDone = resolve;
    });
  }

  /** True while this process holds the lease and its sub-daemons act. */
  get isLeader(): boolean {
    return this.#leader && Date.now() < this.#leaseValidUntil;
  }

  /** Starts the loops; resolves when `stop()` has been called and every loop has wound down. */
  run(): Promise<void> {
    this.#running ??= Promise.all([this.#leaseLoop(), ...this.#daemons.map((d) => this.#daemonLoop(d))]).then(() =>
      this.#release(),
    );
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#controller.abort();
    await this.#running;
  }

  async #leaseLoop(): Promise<void> {
    const storage = this.#instance.storage;
    while (!this.#controller.signal.aborted) {
      const askedAt = Date.now();
      try {
        const { acquired, lease } = await storage.daemon.acquireLease(DAEMON_LEASE, this.daemonId, this.#leaseTtlMs);
        if (acquired && !this.#leader) this.#log(`took the daemon lease (${this.daemonId})`);
        else if (!acquired && this.#leader) this.#log(`lost the daemon lease to ${lease.holder}; standing by`);
        else if (!acquired && !this.#standbyLogged)
          this.#log(`another daemon (${lease.holder}) holds the lease; standing by`);
        // Say "standing by" once per spell of standing by, not on every retry.
        this.#standbyLogged = !acquired;
        this.#leader = acquired;
        if (acquired) {
          this.#everLeader = true;
          this.#leaseValidUntil = askedAt + this.#leaseTtlMs;
        }
      } catch (error) {
        // Without a renewed lease we may no longer be the only daemon: stop acting until we are.
        this.#leader = false;
        this.#log(`could not renew the daemon lease: ${formatErrorChain(toErrorInfo(error))}`);
      }
      this.#firstLeaseAttemptDone();
      // Leader or standby, this daemon is listed by `instance info` while it lives. Apart from the
      // lease above: failing to say so must not stop a leader from acting.
      await announcePresence(storage.daemon, this.daemonId, this.#leaseTtlMs, this.#leader).catch(() => undefined);
      await this.#sleep(this.#leaseIntervalMs);
    }
    this.#firstLeaseAttemptDone();
  }

  async #daemonLoop(daemon: Daemon): Promise<void> {
    const ctx: DaemonIterationContext = {
      instance: this.#instance,
      daemonId: this.daemonId,
      signal: this.#controller.signal,
      log: (m) => this.#log(`[${daemon.type}] ${m}`),
    };
    await this.#firstLeaseAttempt;
    while (!this.#controller.signal.aborted) {
      if (this.isLeader) {
        try {
          await daemon.runIteration(ctx);
        } catch (error) {
          const info = toErrorInfo(error);
          const kept = [info, ...(this.#errors.get(daemon.type) ?? [])].slice(0, MAX_ERRORS_KEPT);
          this.#errors.set(daemon.type, kept);
          ctx.log(`iteration failed: ${formatErrorChain(info)}`);
        }
        await this.#heartbeat(daemon.type);
      }
      await this.#sleep(daemon.intervalMs);
    }
  }

  async #heartbeat(daemonType: string): Promise<void> {
    try {
      await this.#instance.storage.daemon.recordHeartbeat({
        daemonType,
        daemonId: this.daemonId,
        timestamp: Date.now(),
        errors: this.#errors.get(daemonType) ?? [],
      });
    } catch (error) {
      this.#log(`could not record a heartbeat for ${daemonType}: ${formatErrorChain(toErrorInfo(error))}`);
    }
  }

  async #release(): Promise<void> {
    this.#leader = false;
    await withdrawPresence(this.#instance.storage.daemon, this.daemonId).catch(() => undefined);
    if (!this.#everLeader) return;
    // Deletes the lease only if it is still ours, so a takeover that already happened stays.
    const released = await this.#instance.storage.daemon.releaseLease(DAEMON_LEASE, this.daemonId).catch(() => false);
    this.#log(released ? 'released the daemon lease' : 'stopped; the daemon lease was no longer ours');
  }

  #sleep(ms: number): Promise<void> {
    return abortableSleep(ms, this.#controller.signal);
  }
}
