import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidConfigError, RunyardError } from '../errors.js';
import { DEFAULT_INSTANCE_CONFIG } from './instance-config-defaults.js';
import type { InstanceConfig } from './instance-config-types.js';
import { parseInstanceConfigAsync } from './instance-config-validate.js';

/** The instance's config file, inside RUNYARD_HOME. */
export const INSTANCE_CONFIG_FILE = 'runyard.yaml';

export interface InstanceConfigRead {
  readonly config: InstanceConfig;
  /**
   * True when the config is Runyard's own defaults (there is no file): its components' config is
   * known to be valid, so their schemas need not even be loaded.
   */
  readonly trusted: boolean;
}

/** Reads `<home>/runyard.yaml`; a missing file means every default. */
export async function loadInstanceConfig(home: string): Promise<InstanceConfig> {
  return (await readInstanceConfig(home)).config;
}

/**
 * loadInstanceConfig, saying whether the result needs no further checks. The YAML parser and zod
 * are loaded only when there is a file to read: most instances have none, and a run worker gets
 * its config from the launching process instead.
 */
export async function readInstanceConfig(home: string): Promise<InstanceConfigRead> {
  const file = path.join(path.resolve(home), INSTANCE_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { config: DEFAULT_INSTANCE_CONFIG, trusted: true };
    throw new RunyardError(`cannot read ${file}: ${(err as Error).message}`, {
      cause: err,
      data: { file },
      userError: true,
    });
  }
  const data = await parseYaml(text, file);
  return { config: await parseInstanceConfigAsync(data, { file }), trusted: false };
}

async function parseYaml(text: string, file: string): Promise<unknown> {
  const { LineCounter, parseDocument } = await import('yaml');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const errors = doc.errors.map((err) => ({ ...lineCounter.linePos(err.pos[0]), reason: err.message }));
  if (errors.length === 0) {
    try {
      return doc.toJS();
    } catch (err) {
      // e.g. an alias to an anchor that is not defined: no position to report.
      throw new InvalidConfigError(
        'instance config',
        [{ path: '', message: `YAML error: ${(err as Error).message}` }],
        { file },
      );
    }
  }
  const first = errors[0]!;
  // `file:line:col` leads the message, the form editors and terminals make clickable.
  throw new InvalidConfigError(
    'instance config',
    errors.map((e) => ({ path: '', message: `YAML syntax error at line ${e.line}, column ${e.col}: ${e.reason}` })),
    { file: `${file}:${first.line}:${first.col}` },
  );
}
