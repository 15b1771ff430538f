import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RunyardError } from '../../errors.js';
import { resolvePackageFrom } from '../../instance/package-resolver.js';
import { FileSystemIOManager } from '../fs-io-manager.js';
import type { IOManager, IOManagerChildConfig } from '../io-manager.js';

/** IO managers that Runyard ships, named by class alone. */
const BUILTIN_IO_MANAGERS: Readonly<Record<string, (config: unknown) => IOManager>> = {
  FileSystemIOManager: (config) => FileSystemIOManager.fromChildConfig(config),
};

/**
 * Builds the IO manager that `toChildConfig()` described, in a step process. A custom one is
 * imported from `module` (a package, an absolute path or a file: URL; a relative path is taken
 * from `cwd`) and built with `new Class(config)`, then `await init()` when it has one.
 */
export async function ioManagerFromConfig(given: IOManagerChildConfig, cwd: string): Promise<IOManager> {
  const spec = await withPluginModule(given);
  const label = spec.module === undefined ? `'${spec.class}'` : `'${spec.class}' from '${spec.module}'`;
  let created: unknown;
  if (spec.module === undefined) {
    const builtin = BUILTIN_IO_MANAGERS[spec.class];
    if (!builtin)
      throw new RunyardError(
        `unknown IO manager class ${label}; built-ins: ${Object.keys(BUILTIN_IO_MANAGERS).join(', ')}; custom classes need 'module'`,
      );
    created = builtin(spec.config);
  } else {
    let mod: Record<string, unknown>;
    try {
      mod = await importModule(spec.module, cwd);
    } catch (error) {
      throw new RunyardError(`cannot load the IO manager module '${spec.module}'`, { cause: error });
    }
    const Class = mod[spec.class];
    if (typeof Class !== 'function')
      throw new RunyardError(`the IO manager module '${spec.module}' has no exported class '${spec.class}'`);
    try {
      created = new (Class as new (config: unknown) => unknown)(spec.config);
      const init = (created as { init?: unknown }).init;
      if (typeof init === 'function') await init.call(created);
    } catch (error) {
      throw new RunyardError(`cannot create the IO manager ${label}`, { cause: error });
    }
  }
  const missing = ['storeOutput', 'loadOutput', 'hasOutput'].filter(
    (name) => typeof (created as Record<string, unknown>)[name] !== 'function',
  );
  if (missing.length) throw new RunyardError(`${label} is not an IO manager: it lacks ${missing.join(', ')}`);
  return created as IOManager;
}

/**
 * A class that runyard.yaml may name alone (`ioManager: { class: S3IOManager }`) comes from one of
 * Runyard's plug-in packages: the same registry as the instance's components says which.
 */
async function withPluginModule(spec: IOManagerChildConfig): Promise<IOManagerChildConfig> {
  if (spec.module !== undefined || BUILTIN_IO_MANAGERS[spec.class]) return spec;
  const { builtinComponents } = await import('../../instance/builtin-components.js');
  const module = builtinComponents.pluginPackage('ioManager', spec.class);
  return module === undefined ? spec : { ...spec, module };
}

/** As the component loader does: a package is imported as Runyard would, else looked up from `cwd`. */
async function importModule(specifier: string, cwd: string): Promise<Record<string, unknown>> {
  if (specifier.startsWith('file:')) return import(specifier);
  if (path.isAbsolute(specifier) || specifier.startsWith('./') || specifier.startsWith('../'))
    return import(pathToFileURL(path.resolve(cwd, specifier)).href);
  try {
    return await import(specifier);
  } catch (error) {
    const resolved = await resolvePackageFrom(specifier, cwd);
    if (resolved === undefined) throw error;
    return import(pathToFileURL(resolved).href);
  }
}
