/** TEST TOOL: `core/v1` Events as the fake's controllers record them (Warning FailedCreate, FailedScheduling …). */
import { randomBytes } from 'node:crypto';
import type { FakeKubeStore } from './fake-kube-store.js';

export function recordEvent(
  store: FakeKubeStore,
  namespace: string,
  involvedObject: { readonly kind: string; readonly name: string },
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
): void {
  const now = new Date().toISOString();
  store.create('events', {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${involvedObject.name}.${randomBytes(8).toString('hex')}`, namespace },
    involvedObject: { ...involvedObject, namespace },
    type,
    reason,
    message,
    source: { component: involvedObject.kind === 'Job' ? 'job-controller' : 'kubelet' },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  });
}
