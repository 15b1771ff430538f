/** The flags of `runyard queue worker`, as every mode gets them (its own file so modes import no dispatcher). */
export interface QueueWorkerOptions {
  readonly queues?: readonly string[];
  readonly concurrency: number;
  readonly name?: string;
  readonly spares?: number;
  readonly steps?: boolean;
  /** Other modes' flags (e.g. `runs`) arrive here too. */
  readonly [flag: string]: unknown;
}
