import type { WorkerHealth } from 'runyard';
import { type KubeApi, type KubeContainerState, type KubePod, kubeMessage } from './k8s-client.js';
import { runSelector } from './k8s-names.js';
import { podName } from './k8s-worker-health.js';
import type { K8sWorkerRef } from './k8s-worker-ref.js';

export const LOG_TAIL_LINES = 30;

/**
 * `debugInfo` for a Kubernetes worker: the Job, each pod's phase and container states, the Warning
 * events of the Job and its pods, and the last lines of the newest pod's log.
 */
export async function describeWorker(api: KubeApi, ref: K8sWorkerRef, health: WorkerHealth): Promise<string> {
  const ns = ref.namespace;
  const lines = [`Job ${ref.externalId} in namespace ${ns} (image ${ref.image}, attempt ${ref.attempt})`];
  lines.push(
    `health: ${health.status}${health.failureClass ? ` [${health.failureClass}]` : ''}: ${health.reason ?? ''}`,
  );
  const pods = (await api.listPods(ns, runSelector(ref.runId))).items.filter(
    (p) => p.metadata?.labels?.['job-name'] === ref.externalId,
  );
  if (pods.length === 0) lines.push('no pod exists for it');
  for (const pod of pods) {
    const status = pod.status;
    lines.push(
      `pod ${podName(pod)}: phase ${status?.phase ?? 'unknown'}${status?.reason ? ` (${status.reason})` : ''}`,
    );
    for (const c of status?.containerStatuses ?? []) lines.push(`  container ${c.name}: ${describeState(c.state)}`);
  }
  const names = new Set([ref.externalId, ...pods.map(podName)]);
  const warnings = [];
  for (const name of names) {
    const events = await api.listEvents(ns, `involvedObject.name=${name}`).catch(() => ({ items: [] }));
    warnings.push(...events.items.filter((e) => e.type === 'Warning'));
  }
  lines.push(
    warnings.length
      ? `Warning events:\n${warnings.map((e) => `  ${e.involvedObject?.name}: ${e.reason}: ${e.message ?? ''}`).join('\n')}`
      : 'no Warning events',
  );
  const newest: KubePod | undefined = pods.at(-1);
  if (newest) {
    try {
      const log = (await api.readPodLog(ns, podName(newest), LOG_TAIL_LINES)).trimEnd();
      lines.push(log ? `last ${LOG_TAIL_LINES} lines of its log:\n${log}` : 'its log is empty');
    } catch (error) {
      lines.push(`its log cannot be read: ${kubeMessage(error)}`);
    }
  }
  return lines.join('\n');
}

function describeState(state: KubeContainerState | undefined): string {
  if (state?.running) return 'running';
  if (state?.terminated)
    return `terminated with exit code ${state.terminated.exitCode}${state.terminated.reason ? ` (${state.terminated.reason})` : ''}`;
  if (state?.waiting)
    return `waiting (${state.waiting.reason ?? 'unknown'})${state.waiting.message ? `: ${state.waiting.message}` : ''}`;
  return 'unknown';
}
