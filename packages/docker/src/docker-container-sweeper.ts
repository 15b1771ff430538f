import type { DockerApi } from './docker-client.js';
import { dockerStatusCode } from './docker-client.js';
import { LABELS, MARKER_VALUE } from './docker-container-spec.js';
import { finishedAtMs } from './docker-worker-state.js';

/**
 * Removes this instance's exited run-worker containers once they have been kept for the retention
 * period. Exited containers are kept at all because their exit code, OOM flag and logs are what
 * health checks and debug info report; after the retention nobody asks any more.
 *
 * Sweeps piggyback on launches, health checks and dispose rather than on a timer of their own, so
 * a launcher that is idle costs nothing and a CLI process that launches one run exits at once.
 */
export class DockerContainerSweeper {
  readonly #retentionMs: number;
  /** Sweeps at most this often; every health check of every run would otherwise list containers. */
  readonly #minIntervalMs: number;
  #lastSweepAt = 0;
  #running: Promise<string[]> | undefined;

  constructor(retentionSeconds: number) {
    this.#retentionMs = retentionSeconds * 1000;
    this.#minIntervalMs = Math.min(10_000, this.#retentionMs);
  }

  /** Starts a sweep unless one ran recently; never throws (a failed sweep is retried next time). */
  maybeSweep(docker: DockerApi, home: string): Promise<string[]> | undefined {
    if (this.#running || Date.now() - this.#lastSweepAt < this.#minIntervalMs) return undefined;
    return this.sweep(docker, home).catch(() => []);
  }

  /** Removes every exited container of `home` past its retention; returns their ids. */
  sweep(docker: DockerApi, home: string): Promise<string[]> {
    this.#running ??= this.#sweep(docker, home).finally(() => {
      this.#lastSweepAt = Date.now();
      this.#running = undefined;
    });
    return this.#running;
  }

  /** The sweep in progress, if any, so dispose can wait for it. */
  get running(): Promise<string[]> | undefined {
    return this.#running;
  }

  async #sweep(docker: DockerApi, home: string): Promise<string[]> {
    const containers = await docker.listContainers({
      all: true,
      filters: JSON.stringify({
        label: [`${LABELS.marker}=${MARKER_VALUE}`, `${LABELS.home}=${home}`],
        status: ['exited', 'dead'],
      }),
    });
    const removed: string[] = [];
    const now = Date.now();
    for (const summary of containers) {
      const container = docker.getContainer(summary.Id);
      try {
        const finished = finishedAtMs(await container.inspect());
        if (finished !== undefined && now - finished < this.#retentionMs) continue;
        await container.remove({ force: true, v: true });
        removed.push(summary.Id);
      } catch (error) {
        // Removed by someone else meanwhile (404) or already being removed (409): nothing to do.
        const status = dockerStatusCode(error);
        if (status !== 404 && status !== 409) throw error;
      }
    }
    return removed;
  }
}
