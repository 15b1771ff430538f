import type { IOManager, OutputKey } from 'runyard';
import { RunyardError } from 'runyard';
import { z } from 'zod';

/**
 * Step outputs in S3, one object per output under `s3://<bucket>/<prefix>/<runId>/<stepKey>.json`,
 * so that a resumed run's new task, a retried run, or a step process on another machine reads
 * what earlier steps produced. The object holds the same JSON envelope as FileSystemIOManager's
 * files. `@aws-sdk/client-s3` is a peer dependency, loaded at the first call.
 *
 *   const io = new S3IOManager({ bucket: 'runyard-outputs', prefix: 'prod' });
 */

const FORMAT = 1;

export const s3IOManagerConfigSchema = z.strictObject({
  bucket: z.string().min(3).max(63),
  /** Key prefix, without leading or trailing '/'. */
  prefix: z
    .string()
    .regex(/^[^/](.*[^/])?$/, { message: "must not start or end with '/'" })
    .default('runyard/outputs'),
  region: z.string().min(1).optional(),
  endpoint: z.url().optional(),
  /** Path-style URLs (`<endpoint>/<bucket>/<key>`), for S3-compatible stores and emulators. */
  forcePathStyle: z.boolean().default(false),
});
export type S3IOManagerConfig = z.input<typeof s3IOManagerConfigSchema>;

/** The S3 calls the IO manager makes; any object of this shape will do (tests, an application's client). */
export interface S3Api {
  putObject(input: { Bucket: string; Key: string; Body: string; ContentType: string }): Promise<unknown>;
  getObject(input: { Bucket: string; Key: string }): Promise<{ Body?: { transformToString(): Promise<string> } }>;
  headObject(input: { Bucket: string; Key: string }): Promise<unknown>;
}

export class S3IOManager implements IOManager {
  /** Any machine with the credentials reaches the bucket: steps on other queue workers may use it. */
  readonly locality = 'shared' as const;
  /** Checked by the instance when runyard.yaml names this class (`ioManager: { class: S3IOManager }`). */
  static readonly configSchema = s3IOManagerConfigSchema;

  readonly config: z.output<typeof s3IOManagerConfigSchema>;
  readonly #raw: S3IOManagerConfig;
  readonly #source: S3Api | undefined;
  #s3: Promise<S3Api> | undefined;

  constructor(config: S3IOManagerConfig, options: { readonly s3?: S3Api } = {}) {
    const parsed = s3IOManagerConfigSchema.safeParse(config);
    if (!parsed.success)
      throw new RunyardError(
        `invalid S3IOManager config: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
        { userError: true },
      );
    this.config = Object.freeze(parsed.data);
    this.#raw = config;
    this.#source = options.s3;
  }

  /** How a step process or a worker elsewhere builds the same IO manager. */
  toChildConfig() {
    return { module: '@runyard/aws', class: 'S3IOManager', config: { ...this.#raw } };
  }

  /** The object key of an output. */
  keyFor(key: OutputKey): string {
    return `${this.config.prefix}/${segment(key.runId, 'run id')}/${segment(key.stepKey, 'step key')}.json`;
  }

  async storeOutput(key: OutputKey, value: unknown): Promise<void> {
    const body = encode(key, value);
    const s3 = await this.#client();
    await s3.putObject({
      Bucket: this.config.bucket,
      Key: this.keyFor(key),
      Body: body,
      ContentType: 'application/json',
    });
  }

  async loadOutput(key: OutputKey): Promise<unknown> {
    const s3 = await this.#client();
    const objectKey = this.keyFor(key);
    let text: string;
    try {
      const answer = await s3.getObject({ Bucket: this.config.bucket, Key: objectKey });
      text = (await answer.Body?.transformToString()) ?? '';
    } catch (error) {
      if (isMissing(error))
        throw new RunyardError(
          `no stored output for step '${key.stepKey}' of run ${key.runId} (looked for s3://${this.config.bucket}/${objectKey})`,
          { data: { runId: key.runId, stepKey: key.stepKey } },
        );
      throw error;
    }
    const envelope = JSON.parse(text) as { format?: unknown; value?: unknown; undefined?: unknown };
    if (envelope.format !== FORMAT)
      throw new RunyardError(`s3://${this.config.bucket}/${objectKey} has an unknown format (expected ${FORMAT})`);
    return envelope.undefined === true ? undefined : envelope.value;
  }

  async hasOutput(key: OutputKey): Promise<boolean> {
    const s3 = await this.#client();
    try {
      await s3.headObject({ Bucket: this.config.bucket, Key: this.keyFor(key) });
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  #client(): Promise<S3Api> {
    this.#s3 ??= this.#source ? Promise.resolve(this.#source) : loadS3(this.config);
    return this.#s3;
  }
}

async function loadS3(config: z.output<typeof s3IOManagerConfigSchema>): Promise<S3Api> {
  let mod: { S3: new (options: Record<string, unknown>) => unknown };
  try {
    mod = (await import('@aws-sdk/client-s3')) as unknown as typeof mod;
  } catch (error) {
    throw new Error("S3IOManager needs the '@aws-sdk/client-s3' package (npm install @aws-sdk/client-s3)", {
      cause: error,
    });
  }
  return new mod.S3({
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.forcePathStyle ? { forcePathStyle: true } : {}),
  }) as S3Api;
}

function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

function segment(value: string, what: string): string {
  if (value === '' || value === '.' || value === '..' || /[/\\\0]/.test(value))
    throw new RunyardError(`cannot use ${JSON.stringify(value)} as a ${what} in an S3 key`);
  return value;
}

/** The envelope FileSystemIOManager writes; a value JSON would change is refused, saying where. */
function encode(key: OutputKey, value: unknown): string {
  if (value === undefined) return JSON.stringify({ format: FORMAT, undefined: true });
  let text: string;
  try {
    text = JSON.stringify(value, function (this: Record<string, unknown>, name, item) {
      const original = this[name];
      const problem = nonJson(original);
      if (problem) throw new RunyardError(`${problem} at ${name === '' ? '$' : `…${name}`}`);
      return item;
    });
  } catch (error) {
    const why = error instanceof RunyardError ? error.message : 'a circular reference';
    throw new RunyardError(
      `the output of step '${key.stepKey}' cannot be stored as JSON: ${why}; outputs must be plain objects, arrays, strings, finite numbers, booleans, null or undefined`,
    );
  }
  return `{"format":${FORMAT},"value":${text}}`;
}

function nonJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'bigint':
      return 'a BigInt';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'number':
      return Number.isFinite(value) ? undefined : `${value}`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return undefined;
  if (value instanceof Date) return 'a Date (store date.toISOString() instead)';
  return `an instance of ${(value as { constructor?: { name?: string } }).constructor?.name ?? 'a class'}`;
}
