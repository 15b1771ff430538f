import type { CodeLocation } from '../code-location/load-code-location.js';

/** How long a load is reused before the file is checked again (a page asks for jobs several times). */
const REUSE_MS = 1_000;

/**
 * The code location a server was started with (`-f`), loaded again when asked after a short
 * while, so edits to a TypeScript file show up in the UI without a restart (the compile cache is
 * keyed by content, so an unchanged file costs a hash, not a compile).
 */
export class CodeLocationSource {
  readonly target: string | undefined;
  #current: { at: number; loading: Promise<CodeLocation> } | undefined;

  constructor(target: string | undefined) {
    this.target = target;
  }

  /** Undefined when the server was started without a code location. Throws CodeLocationError. */
  async get(): Promise<CodeLocation | undefined> {
    if (this.target === undefined) return undefined;
    const now = Date.now();
    if (!this.#current || now - this.#current.at > REUSE_MS) {
      const { loadCodeLocation } = await import('../code-location/load-code-location.js');
      const loading = loadCodeLocation(this.target);
      this.#current = { at: now, loading };
      // A failed load is not reused: the next request tries again (the user is fixing the file).
      loading.catch(() => {
        if (this.#current?.loading === loading) this.#current = undefined;
      });
    }
    return this.#current.loading;
  }
}
