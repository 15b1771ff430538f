/**
 * Whether the server has refused us for want of an access token. Any request may discover it, and
 * the whole app then shows the "token needed" page, so this is a tiny store outside React.
 */
type Listener = (unauthorized: boolean) => void;

let unauthorized = false;
const listeners = new Set<Listener>();

export function isUnauthorized(): boolean {
  return unauthorized;
}

export function markUnauthorized(): void {
  if (unauthorized) return;
  unauthorized = true;
  for (const l of listeners) l(true);
}

export function onUnauthorizedChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
