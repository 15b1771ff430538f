import path from 'node:path';
import type { CodeLocationError } from '../errors.js';
import { errorFromMessages, isBuildFailure } from './esbuild-messages.js';

/**
 * Node's SyntaxError from `import()` names neither the file nor the position. esbuild parses the
 * location and the local files it imports (packages stay out) and says where the error is.
 *
 * @returns undefined when esbuild finds nothing wrong: the SyntaxError was thrown by running code
 *   (`JSON.parse`), or is a link error against a package (`does not provide an export named`).
 */
export async function locateSyntaxError(
  entry: string,
  cwd: string,
  cause: unknown,
): Promise<CodeLocationError | undefined> {
  const esbuild = await import('esbuild');
  const baseDir = path.dirname(entry);
  try {
    await esbuild.build({
      entryPoints: [entry],
      absWorkingDir: baseDir,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    return undefined;
  } catch (error) {
    if (!isBuildFailure(error)) return undefined;
    // Node already resolved these files, so esbuild's resolution complaints are noise here.
    const found = error.errors.filter((message) => message.location && !message.text.startsWith('Could not resolve'));
    return found.length ? errorFromMessages(found, baseDir, cwd, cause) : undefined;
  }
}
