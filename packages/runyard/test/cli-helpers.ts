import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const cliPath = path.join(repoRoot, 'packages/runyard/bin/runyard.js');
export const example = (name: string) => path.join(repoRoot, 'examples', name);

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function tempHome(): string {
  return mkdtempSync(path.join(tmpdir(), 'runyard-cli-'));
}

/** Runs the real CLI as a user would: a separate node process, real files, NO_COLOR. */
export function runCli(
  args: readonly string[],
  options: {
    home?: string;
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    onStdout?: (text: string, child: ReturnType<typeof spawn>) => void;
  } = {},
): Promise<CliResult> {
  const fullArgs = options.home ? ['--home', options.home, ...args] : [...args];
  return new Promise((resolve, reject) => {
    // Plain output, as in a pipe; FORCE_COLOR (vitest sets it) must be absent, not empty.
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...options.env };
    delete env.FORCE_COLOR;
    const child = spawn(process.execPath, [cliPath, ...fullArgs], { cwd: options.cwd ?? repoRoot, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A user mistake: exit 2, a message on stderr and no stack trace. */
export function expectUserError(result: CliResult, message: string | RegExp): void {
  if (result.code !== 2)
    throw new Error(`expected exit 2, got ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  const matches = typeof message === 'string' ? result.stderr.includes(message) : message.test(result.stderr);
  if (!matches) throw new Error(`stderr does not contain ${String(message)}:\n${result.stderr}`);
  if (/\n\s+at .+:\d+:\d+/.test(result.stderr)) throw new Error(`stderr has a stack trace:\n${result.stderr}`);
}
