import { readFile } from 'node:fs/promises';
import { deepMerge, isPlainObject } from '../engine/run-config.js';
import { UsageError } from './cli-error.js';

/** Reads and merges `-c` files (YAML or JSON); later files win key by key. */
export async function readRunConfigFiles(files: readonly string[]): Promise<Record<string, unknown>> {
  let merged: Record<string, unknown> = {};
  for (const file of files) merged = deepMerge(merged, await readOne(file));
  return merged;
}

async function readOne(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `config file '${file}' was not found`
        : `cannot read config file '${file}': ${(error as Error).message}`,
    );
  }
  const { LineCounter, parseDocument } = await import('yaml');
  // Without prettyErrors the parser gives offsets only; the line counter turns them into line and column.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter });
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    throw new UsageError(
      `${file}:${pos.line}:${pos.col}: YAML syntax error at line ${pos.line}, column ${pos.col}: ${first.message.split('\n')[0]}`,
    );
  }
  const value = doc.toJS() ?? {};
  if (!isPlainObject(value))
    throw new UsageError(`${file}: run config must be a mapping like 'ops: { <step>: { config: … } }'`);
  return value;
}
