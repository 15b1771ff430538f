import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildResult<T> {
  readonly exitCode: number | null;
  /** The last JSON line the child printed. */
  readonly result: T;
  readonly stderr: string;
}

/**
 * Starts one `node script ...args` per entry and lets them all begin at once: each child loads
 * what it needs, prints `{"ready":true}` and waits for "go" on stdin. Without this barrier, module
 * loading (slow, and uneven) would leave the children barely overlapping.
 */
export async function runTogether<T>(
  script: string,
  argLists: readonly (readonly string[])[],
): Promise<ChildResult<T>[]> {
  const children = argLists.map((args) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const lines: unknown[] = [];
    let onReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      onReady = resolve;
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const message = parse(line);
      if (message === undefined) return;
      if ((message as { ready?: unknown }).ready === true) onReady();
      else lines.push(message);
    });
    const done = new Promise<ChildResult<T>>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (exitCode) => {
        if (lines.length === 0) reject(new Error(`${script} exited ${exitCode} without a result:\n${stderr}`));
        else resolve({ exitCode, result: lines.at(-1) as T, stderr });
      });
    });
    // Surfaced when awaited below; a child that dies before the barrier must not go unhandled meanwhile.
    done.catch(() => {});
    return { child, ready: Promise.race([ready, done.then(() => {})]), done };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const { child } of children) child.stdin.end('go\n');
  return Promise.all(children.map((c) => c.done));
}

function parse(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}
