import type { z } from 'zod';
import { DefinitionError } from '../errors.js';
import type { LogLevel } from '../events/run-event.js';
import { OP_BRAND } from './brands.js';
import { currentGraphBuilder, type OutputHandle } from './graph-builder.js';
import { checkKnownKeys, OP_SPEC_KEYS } from './known-keys.js';
import { type RetryPolicy, validateRetryPolicy } from './retry-policy.js';

/** An op's inputs: a zod schema per input name. */
export type InputSchemas = Record<string, z.ZodType>;

/** The values an op receives for its inputs, typed by their schemas. */
export type InputValues<I extends InputSchemas> = { [K in keyof I]: z.output<I[K]> };

/** What a graph passes to an op's input: one upstream output, or a list of them (fan-in). */
export type InputArg<T> = OutputHandle<T> | (T extends readonly (infer E)[] ? readonly OutputHandle<E>[] : never);

/**
 * What a step call in a graph takes: for each input, the output handle (or list of handles, for
 * fan-in) that feeds it.
 */
export type InputArgs<I extends InputSchemas> = { [K in keyof I]: InputArg<z.output<I[K]>> };

/** `ctx.log`: each message (with optional data) becomes a LOG event in the run's event log. */
export interface OpLogger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warning(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
  log(level: LogLevel, message: string, data?: Record<string, unknown>): void;
}

/** What op code receives besides its inputs. */
export interface OpContext<C = unknown> {
  readonly runId: string;
  readonly jobName: string;
  readonly stepKey: string;
  /** 1 for the first attempt, 2 for the first retry … */
  readonly attempt: number;
  readonly config: C;
  readonly tags: Readonly<Record<string, string>>;
  /** Messages become LOG events in the run's event log. */
  readonly log: OpLogger;
  /** Aborted when the run is being cancelled: long-running ops should stop soon after. */
  readonly signal: AbortSignal;
}

/**
 * What `op()` takes. Keys: `name`, `description`, `tags`, `ins` (input schemas), `config` (config
 * schema), `out` (output schema), `retryPolicy`, `run`. Any other key is refused when the code
 * location loads.
 */
export interface OpSpec<I extends InputSchemas, CS extends z.ZodType | undefined, O> {
  /** Also the default step name; letters, digits, `_` and `-`. */
  readonly name: string;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Input schemas: values are checked against them before the op runs. */
  readonly ins?: I;
  /** Schema of this op's config in run config (`ops.<step>.config`). */
  readonly config?: CS;
  /** Optional schema the output is checked against. */
  readonly out?: z.ZodType<Awaited<O>>;
  readonly retryPolicy?: RetryPolicy;
  /**
   * For an op that takes `.collect()`ed outputs of a map(): run even when some items failed (or
   * were skipped), with the outputs of those that succeeded, in item order. Default false: a
   * failed item skips this step. The run still ends FAILURE when any step failed.
   */
  readonly partialResults?: boolean;
  run(ctx: OpContext<CS extends z.ZodType ? z.output<CS> : undefined>, inputs: InputValues<I>): O | Promise<O>;
}

type OpCall<I extends InputSchemas, O> = keyof I extends never
  ? () => OutputHandle<O>
  : (inputs: InputArgs<I>) => OutputHandle<O>;

/** The parts of an op the engine needs, whatever its type parameters. */
export interface AnyOp {
  readonly [OP_BRAND]: true;
  readonly name: string;
  readonly description?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly ins: Readonly<InputSchemas>;
  readonly configSchema?: z.ZodType;
  readonly outSchema?: z.ZodType;
  readonly retryPolicy?: RetryPolicy;
  readonly partialResults?: boolean;
  readonly run: (ctx: OpContext<any>, inputs: Record<string, unknown>) => unknown;
}

/**
 * An op as `op()` returns it: call it inside a job's graph to add a step, or `.as(name)` to add it
 * under another step name.
 */
export type OpDefinition<I extends InputSchemas = InputSchemas, O = unknown> = AnyOp &
  OpCall<I, O> & {
    /** Use this op under another step name (needed to use one op twice in a job). */
    as(stepName: string): OpCall<I, O>;
  };

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function validateName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !NAME_RE.test(name))
    throw new DefinitionError(
      `${what} name ${JSON.stringify(name)} is not valid: use letters, digits, '_' and '-', starting with a letter or '_'`,
    );
  return name;
}

/**
 * Defines an op. Inside a job's `graph`, call it with its upstream outputs to add a step:
 *
 *   const add = op({ name: 'add', ins: { a: z.number(), b: z.number() }, run: (_ctx, { a, b }) => a + b });
 */
export function op<I extends InputSchemas = {}, CS extends z.ZodType | undefined = undefined, O = unknown>(
  spec: OpSpec<I, CS, O>,
): OpDefinition<I, Awaited<O>> {
  if (!spec || typeof spec !== 'object') throw new DefinitionError('op() needs a spec object');
  const name = validateName(spec.name, 'op');
  if (typeof spec.run !== 'function') throw new DefinitionError(`op '${name}': 'run' must be a function`);
  const where = `op '${name}'`;
  checkKnownKeys(spec, OP_SPEC_KEYS, where);
  const ins = Object.freeze({ ...(spec.ins ?? {}) }) as Readonly<InputSchemas>;
  for (const [input, schema] of Object.entries(ins)) {
    if (!isZodSchema(schema)) throw new DefinitionError(`${where}: input '${input}' must be a zod schema`);
  }
  if (spec.config !== undefined && !isZodSchema(spec.config))
    throw new DefinitionError(`${where}: 'config' must be a zod schema`);
  if (spec.out !== undefined && !isZodSchema(spec.out))
    throw new DefinitionError(`${where}: 'out' must be a zod schema`);
  const retryPolicy = spec.retryPolicy ? validateRetryPolicy(spec.retryPolicy, where) : undefined;
  if (spec.partialResults !== undefined && typeof spec.partialResults !== 'boolean')
    throw new DefinitionError(`${where}: 'partialResults' must be true or false`);

  const invoke = (stepName: string) => (inputs?: Record<string, unknown>) =>
    currentGraphBuilder(stepName).addStep(stepName, definition as unknown as AnyOp, inputs ?? {});
  const definition = Object.assign(invoke(name), {
    [OP_BRAND]: true as const,
    // Functions have a read-only `name`; defineProperty below replaces it.
    description: spec.description,
    tags: Object.freeze({ ...(spec.tags ?? {}) }),
    ins,
    configSchema: spec.config,
    outSchema: spec.out,
    retryPolicy,
    partialResults: spec.partialResults ?? false,
    run: spec.run as AnyOp['run'],
    as: (stepName: string) => invoke(validateName(stepName, 'step')),
  });
  Object.defineProperty(definition, 'name', { value: name, enumerable: true });
  return Object.freeze(definition) as unknown as OpDefinition<I, Awaited<O>>;
}

export function isZodSchema(value: unknown): value is z.ZodType {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { safeParse?: unknown }).safeParse === 'function' &&
    typeof (value as { parse?: unknown }).parse === 'function'
  );
}
