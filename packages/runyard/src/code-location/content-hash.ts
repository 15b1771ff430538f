import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** SHA-256 of the bytes, hex: names cache entries by what they contain. */
export function contentHash(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The content hash of a file, or undefined when it cannot be read (deleted, moved). */
export async function hashFile(file: string): Promise<string | undefined> {
  try {
    return contentHash(await readFile(file));
  } catch {
    return undefined;
  }
}
