import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO } from '../../../docker/test/support/docker-instance.js';

const CLI = path.join(REPO, 'packages/runyard/bin/runyard.js');

/** Runs Runyard's CLI on `home`, colours off, in the repository (where `@runyard/aws` resolves). */
export function runCli(
  home: string,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--home', home, ...args], { cwd: REPO, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
