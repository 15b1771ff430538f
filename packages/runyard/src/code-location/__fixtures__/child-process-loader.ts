// Test helper: runs loadCodeLocation in a fresh Node process and returns what it reported.
//
// In-process, vitest would import the code location itself (through its own module runner), so
// the Node behaviour under test (native import, source maps, Node's SyntaxError) would not be
// exercised. The harness is bundled with esbuild from the loader's sources into a temp dir whose
// node_modules links to the workspace's, so `esbuild` and `runyard` resolve as in the repo.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const FIXTURES = fileURLToPath(new URL('./locations/', import.meta.url));
export const WORKSPACE_NODE_MODULES = fileURLToPath(new URL('../../../../../node_modules/', import.meta.url));

export type ChildReport =
  | {
      readonly ok: true;
      readonly compiled: boolean;
      readonly moduleFile: string;
      readonly path: string;
      readonly jobs: Record<string, string[]>;
      readonly values: Record<string, unknown>;
      readonly sharesRunyard?: boolean;
      readonly job?: string;
      readonly jobError?: { readonly name: string; readonly message: string };
    }
  | {
      readonly ok: false;
      readonly name: string;
      readonly message: string;
      readonly userError?: boolean;
      readonly data?: Record<string, unknown>;
      readonly causeName?: string;
      readonly causeMessage?: string;
    };

export interface LoadInChildOptions {
  readonly cwd: string;
  readonly cacheDir: string;
  /** Also call `location.getJob(name)` and report the result. */
  readonly getJob?: string;
}

export interface ChildLoader {
  load(target: string, options: LoadInChildOptions): Promise<ChildReport>;
  dispose(): Promise<void>;
}

/**
 * @param withoutEsbuild bundle a stub that throws in place of esbuild, to prove that a load
 *   does not need esbuild
 */
export async function createChildLoader(options: { withoutEsbuild?: boolean } = {}): Promise<ChildLoader> {
  const dir = await makeTempDir('runyard-harness-');
  await linkWorkspaceModules(dir);
  const harness = path.join(dir, 'load-and-report.mjs');
  const stub = path.join(dir, 'no-esbuild.mjs');
  await writeFile(stub, "throw new Error('esbuild was imported');\n");
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./harness/load-and-report.ts', import.meta.url))],
    outfile: harness,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
    ...(options.withoutEsbuild ? { alias: { esbuild: stub } } : {}),
  });
  return {
    load: (target, loadOptions) => runHarness(harness, target, loadOptions),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

function runHarness(harness: string, target: string, options: LoadInChildOptions): Promise<ChildReport> {
  const { getJob, ...loadOptions } = options;
  const args = [harness, target, JSON.stringify(loadOptions), ...(getJob === undefined ? [] : [getJob])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(stdout) as ChildReport);
      } catch {
        reject(new Error(`harness exited with ${code} and no report\nstdout: ${stdout}\nstderr: ${stderr}`));
      }
    });
  });
}

export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Lets files written under `dir` import `runyard`, `zod` and `esbuild` from the workspace. */
export async function linkWorkspaceModules(dir: string): Promise<void> {
  await symlink(WORKSPACE_NODE_MODULES, path.join(dir, 'node_modules'), 'junction');
}
