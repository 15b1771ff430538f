/**
 * TEST TOOL, not part of @runyard/k8s: no Kubernetes API server can run on this machine, so the
 * tests own a fake of the few APIs the launcher uses. This is its object store: Jobs, Pods and
 * Events with one resourceVersion counter, a bounded history of changes for watches to resume
 * from, and 410 Gone for a version older than that history.
 */
import { randomUUID } from 'node:crypto';

export type Kind = 'jobs' | 'pods' | 'events';
export type Obj = Record<string, any>;
export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface Change {
  readonly rv: number;
  readonly kind: Kind;
  readonly type: WatchType;
  readonly object: Obj;
}

export interface Watcher {
  readonly kind: Kind;
  readonly namespace: string;
  readonly selector: string | undefined;
  send(type: WatchType, object: Obj): void;
}

export class FakeKubeStore {
  #rv = 1;
  readonly #objects = new Map<Kind, Map<string, Obj>>([
    ['jobs', new Map()],
    ['pods', new Map()],
    ['events', new Map()],
  ]);
  #history: Change[] = [];
  /** The oldest resourceVersion a watch may resume from; older ones get 410 Gone. */
  #oldestResumable = 1;
  readonly #watchers = new Set<Watcher>();
  readonly #listeners: ((kind: Kind, type: WatchType, object: Obj) => void)[] = [];

  get resourceVersion(): string {
    return String(this.#rv);
  }

  onChange(listener: (kind: Kind, type: WatchType, object: Obj) => void): void {
    this.#listeners.push(listener);
  }

  get(kind: Kind, namespace: string, name: string): Obj | undefined {
    return this.#objects.get(kind)?.get(`${namespace}/${name}`);
  }

  list(kind: Kind, namespace: string, selector?: string): Obj[] {
    return [...(this.#objects.get(kind)?.values() ?? [])].filter(
      (o) => o.metadata.namespace === namespace && matches(o, selector),
    );
  }

  create(kind: Kind, object: Obj): Obj {
    const stored = structuredClone(object);
    stored.metadata = {
      ...stored.metadata,
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString(),
    };
    return this.#commit(kind, 'ADDED', stored);
  }

  update(kind: Kind, object: Obj): Obj {
    return this.#commit(kind, 'MODIFIED', structuredClone(object));
  }

  remove(kind: Kind, namespace: string, name: string): Obj | undefined {
    const current = this.get(kind, namespace, name);
    if (!current) return undefined;
    return this.#commit(kind, 'DELETED', structuredClone(current));
  }

  /**
   * Starts a watch from `fromRv` ('' or '0': the current objects as ADDED first). Returns false
   * when `fromRv` is older than the kept history: the server answers 410 Gone.
   */
  watch(watcher: Watcher, fromRv: string): (() => void) | false {
    const from = Number(fromRv || 0);
    if (from > 0 && from < this.#oldestResumable) return false;
    if (from === 0)
      for (const o of this.list(watcher.kind, watcher.namespace, watcher.selector)) watcher.send('ADDED', o);
    else
      for (const c of this.#history)
        if (c.rv > from && c.kind === watcher.kind && inScope(watcher, c.object)) watcher.send(c.type, c.object);
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /**
   * Forgets the change history up to now, as an API server's compaction does: a watch resumed
   * from any resourceVersion handed out so far gets 410 Gone, and the client must list again.
   */
  compact(): void {
    this.#history = [];
    this.#oldestResumable = this.#rv + 1;
  }

  #commit(kind: Kind, type: WatchType, object: Obj): Obj {
    this.#rv++;
    object.metadata.resourceVersion = String(this.#rv);
    const key = `${object.metadata.namespace}/${object.metadata.name}`;
    if (type === 'DELETED') this.#objects.get(kind)?.delete(key);
    else this.#objects.get(kind)?.set(key, object);
    this.#history.push({ rv: this.#rv, kind, type, object });
    if (this.#history.length > 5000) this.#oldestResumable = (this.#history.shift() as Change).rv + 1;
    for (const w of [...this.#watchers]) if (w.kind === kind && inScope(w, object)) w.send(type, object);
    for (const listener of this.#listeners) listener(kind, type, object);
    return object;
  }
}

function inScope(watcher: Watcher, object: Obj): boolean {
  return object.metadata.namespace === watcher.namespace && matches(object, watcher.selector);
}

/** Equality (`a=b`, `a==b`), inequality (`a!=b`) and existence (`a`, `!a`) terms, comma-joined. */
export function matches(object: Obj, selector: string | undefined): boolean {
  if (!selector) return true;
  const labels: Record<string, string> = object.metadata?.labels ?? {};
  return selector.split(',').every((term) => {
    const t = term.trim();
    const ne = /^([^!=]+)!=(.*)$/.exec(t);
    if (ne) return labels[ne[1] as string] !== ne[2];
    const eq = /^([^=]+)==?(.*)$/.exec(t);
    if (eq) return labels[eq[1] as string] === eq[2];
    if (t.startsWith('!')) return !(t.slice(1) in labels);
    return t in labels;
  });
}
