import { importComponentModule } from '../../instance/component-loader.js';
import type { Instance } from '../../instance/instance.js';
import { UsageError } from '../cli-error.js';
import { type GlobalOptions, instanceHome, openInstance } from '../command-context.js';

const PACKAGE = '@runyard/queue';

/**
 * What core hands a plug-in's command group: the instance it would use, found the way every other
 * command finds it, without the plug-in importing core's CLI internals.
 */
export interface PluginCommandContext {
  /** The instance's home directory, and why it is that one (flag, environment, found, default). */
  readonly home: string;
  readonly homeReason: string;
  /** Opens the instance (the caller disposes it). */
  openInstance(): Promise<Instance>;
}

/**
 * `runyard queue …`: the subcommands live in @runyard/queue, which core never imports statically;
 * it is imported here, by name, only when someone runs a queue command.
 */
export default async function queue(args: string[], _opts: Record<string, unknown>, globals: GlobalOptions) {
  let mod: Record<string, unknown>;
  try {
    mod = await importComponentModule(PACKAGE, process.cwd());
  } catch (error) {
    throw new UsageError(
      `'runyard queue' needs the package ${PACKAGE}, which could not be loaded (install it beside runyard: npm install ${PACKAGE} bullmq ioredis): ${firstLine(error)}`,
    );
  }
  const command = mod.queueCommand;
  if (typeof command !== 'function')
    throw new UsageError(`the installed ${PACKAGE} has no queueCommand export; install the version matching runyard`);
  const found = instanceHome(globals);
  const ctx: PluginCommandContext = {
    home: found.home,
    homeReason: found.reason,
    openInstance: () => openInstance(globals),
  };
  return (await (command as (args: string[], ctx: PluginCommandContext) => Promise<number>)(args, ctx)) ?? 0;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0] ?? '';
}
