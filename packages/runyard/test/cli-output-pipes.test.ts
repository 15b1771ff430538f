import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Instance } from '../src/index.js';
import { cliPath, repoRoot, runCli, tempHome } from './cli-helpers.js';

// The CLI used to exit as soon as a command returned, throwing away whatever stdout had not yet
// handed to a pipe: a reader slower than the CLI got the first 64 KB and an exit code of 0.

const cliEnv = () => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  return env;
};

/** What the command prints into a file (written synchronously, so nothing can be lost). */
function outputIntoFile(home: string, args: readonly string[]): Promise<Buffer> {
  const file = path.join(home, `out-${Math.random().toString(36).slice(2)}.txt`);
  const fd = openSync(file, 'w');
  const child = spawn(process.execPath, [cliPath, '--home', home, ...args], {
    cwd: repoRoot,
    env: cliEnv(),
    stdio: ['ignore', fd, 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      closeSync(fd);
      if (code !== 0) reject(new Error(`exit ${code}`));
      else resolve(readFileSync(file));
    });
  });
}

/** What a reader gets that takes its time: nothing is read for the first second. */
function outputThroughSlowPipe(
  home: string,
  args: readonly string[],
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const child = spawn(process.execPath, [cliPath, '--home', home, ...args], { cwd: repoRoot, env: cliEnv() });
  child.stdout.pause();
  setTimeout(() => child.stdout.resume(), 1000);
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(chunks), stderr }));
  });
}

describe('CLI output into pipes', () => {
  let home: string;
  let runId: string;

  beforeAll(async () => {
    home = tempHome();
    const fixture = path.join(repoRoot, 'packages/runyard/test/fixtures/noisy.ts');
    const result = await runCli(['job', 'execute', '-f', fixture, '-j', 'noisy'], { home });
    expect(result.code).toBe(0);
    runId = /run ([0-9a-f-]{36}) SUCCESS/.exec(result.stdout)?.[1] as string;
    // Enough runs, with enough tags, that `run list --json` prints far more than a pipe holds.
    const instance = await Instance.open({ home });
    try {
      const tags = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`tag${i}`, 'v'.repeat(40)]));
      for (let i = 0; i < 400; i++)
        await instance.storage.runs.createRun({
          jobName: 'noisy',
          tags,
          origin: { codeLocation: fixture, source: 'cli' },
        });
    } finally {
      await instance.dispose();
    }
  });

  for (const args of [
    (id: string) => ['run', 'logs', id],
    (id: string) => ['run', 'logs', id, '--json'],
    () => ['run', 'list', '--json', '--limit', '1000'],
  ]) {
    it(`${args('<id>').join(' ')} gives a slow reader every byte`, async () => {
      const expected = await outputIntoFile(home, args(runId));
      expect(expected.length).toBeGreaterThan(150_000);
      const piped = await outputThroughSlowPipe(home, args(runId));
      expect(piped.stderr).toBe('');
      expect(piped.code).toBe(0);
      expect(piped.stdout.length).toBe(expected.length);
      expect(piped.stdout.equals(expected)).toBe(true);
    });
  }

  it('a reader that stops early (| head) ends the command quietly', async () => {
    const child = spawn(process.execPath, [cliPath, '--home', home, 'run', 'logs', runId, '--json'], {
      cwd: repoRoot,
      env: cliEnv(),
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
