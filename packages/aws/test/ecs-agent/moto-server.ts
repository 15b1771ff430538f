import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * A TEST TOOL: starts moto_ecs.py (moto in process plus its control endpoint) for one test file.
 * Sets nothing global; `env` holds what an AWS SDK client needs to talk to it.
 */

const SCRIPT = fileURLToPath(new URL('./moto_ecs.py', import.meta.url));
export const REGION = 'us-east-1';

export interface MotoServer {
  /** `http://127.0.0.1:<port>`: the endpoint for every AWS client. */
  readonly endpoint: string;
  /** AWS_ENDPOINT_URL, AWS_REGION and fake credentials, for a process or `Object.assign(process.env, …)`. */
  readonly env: Readonly<Record<string, string>>;
  /** Sets fields of a task in moto's ECS backend (what a real ECS agent would report). */
  setTask(body: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

/** `script`: where moto_ecs.py is, for a bundled copy of this file (the bench). */
export async function startMoto(script = SCRIPT): Promise<MotoServer> {
  const child = spawn('python3', [script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const ports = await new Promise<{ moto: number; control: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`moto did not start in 30 s: ${stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`moto_ecs.py exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line));
    });
  });
  const endpoint = `http://127.0.0.1:${ports.moto}`;
  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    },
    setTask: (body) => post(ports.control, '/task', { region: REGION, ...body }),
    stop: () => stopChild(child),
  };
}

function post(port: number, path: string, body: unknown): Promise<void> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`control ${path}: ${res.statusCode} ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
