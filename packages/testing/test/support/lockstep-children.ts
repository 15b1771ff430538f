import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildOutcome<T> {
  readonly exitCode: number | null;
  /** The last JSON line the child printed. */
  readonly result: T;
  readonly stderr: string;
}

/**
 * Runs one `node` process per argument list on `script`, and releases them together: each child
 * loads its modules and opens what it needs, prints `{"ready":true}`, then waits for "go". Module
 * loading takes long and varies, so without the barrier the children would barely overlap.
 */
export async function runInLockstep<T>(
  script: string,
  argLists: readonly (readonly string[])[],
): Promise<ChildOutcome<T>[]> {
  const children = argLists.map((args) => startChild<T>(script, args));
  try {
    await Promise.all(children.map((c) => c.ready));
  } catch (error) {
    for (const c of children) c.process.kill('SIGKILL');
    throw error;
  }
  for (const c of children) c.process.stdin.end('go\n');
  return Promise.all(children.map((c) => c.done));
}

interface RunningChild<T> {
  readonly process: ChildProcessWithoutNullStreams;
  readonly ready: Promise<void>;
  readonly done: Promise<ChildOutcome<T>>;
}

function startChild<T>(script: string, args: readonly string[]): RunningChild<T> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const messages: unknown[] = [];
  let markReady: () => void = () => {};
  let failReady: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = parseJsonLine(line);
    if (message === undefined) return;
    if (isReady(message)) markReady();
    else messages.push(message);
  });
  const done = new Promise<ChildOutcome<T>>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => {
      failReady(new Error(`child ${script} exited (${exitCode}) before it was ready:\n${stderr}`));
      if (messages.length === 0) {
        reject(new Error(`child ${script} exited (${exitCode}) without a result:\n${stderr}`));
        return;
      }
      resolve({ exitCode, result: messages.at(-1) as T, stderr });
    });
  });
  // Rejections of `done` surface when the caller awaits it; this only stops an unhandled warning
  // for a child that failed before the barrier.
  done.catch(() => {});
  return { process: child, ready, done };
}

function parseJsonLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

function isReady(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { ready?: unknown }).ready === true;
}
