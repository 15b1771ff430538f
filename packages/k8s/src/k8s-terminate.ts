import type { TerminateResult } from 'runyard';
import type { KubeApi, KubePod } from './k8s-client.js';
import { belongsToRun, runSelector } from './k8s-names.js';
import { podName } from './k8s-worker-health.js';
import type { K8sWorkerRef } from './k8s-worker-ref.js';

const POLL_MS = 100;
/** How long pods may take to go after a zero-grace delete before terminate says they did not. */
const FORCE_WAIT_MS = 15_000;

/**
 * Stops a run's worker: deletes its Job with foreground propagation and the grace period (the
 * kubelet sends SIGTERM, and SIGKILL when the grace is over), then deletes every pod labelled with
 * the run id, which also catches a pod created after the Job was first looked at, or one of an
 * earlier attempt. Pods still there when the grace is over are deleted again with grace 0, and the
 * result says so: that is the escalation.
 */
export async function terminateRunWorker(api: KubeApi, ref: K8sWorkerRef, graceMs: number): Promise<TerminateResult> {
  const ns = ref.namespace;
  const selector = runSelector(ref.runId);
  const graceSeconds = Math.ceil(graceMs / 1000);
  const podsOfRun = async () =>
    live((await api.listPods(ns, selector)).items.filter((p) => belongsToRun(p, ref.runId)));
  const before = await podsOfRun();
  const jobDeleted = await api.deleteJob(ns, ref.externalId, {
    propagationPolicy: 'Foreground',
    gracePeriodSeconds: graceSeconds,
  });
  if (!jobDeleted && before.length === 0)
    return {
      stopped: false,
      escalated: false,
      detail: `Job ${ref.externalId} no longer exists and no pod of the run runs`,
    };

  const deadline = Date.now() + graceMs;
  const seen = new Set<string>();
  let remaining: KubePod[] = [];
  for (;;) {
    // Listing again each time: a pod the Job controller created after the first look is found too.
    remaining = await podsOfRun();
    for (const pod of remaining) {
      const name = podName(pod);
      if (seen.has(name)) continue;
      seen.add(name);
      await api.deletePod(ns, name, { gracePeriodSeconds: graceSeconds });
    }
    if (remaining.length === 0 || Date.now() >= deadline) break;
    await sleep(POLL_MS);
  }
  const what = `deleted Job ${ref.externalId}${jobDeleted ? '' : ' (already gone)'} with foreground propagation`;
  if (remaining.length === 0) {
    if (before.length === 0 && seen.size === 0)
      return { stopped: false, escalated: false, detail: `${what}; its worker had already finished` };
    return {
      stopped: true,
      escalated: false,
      detail: `${what}; its pod${seen.size === 1 ? '' : 's'} ${[...seen].join(', ')} stopped within the grace period of ${graceSeconds} s`,
    };
  }
  for (const pod of remaining) await api.deletePod(ns, podName(pod), { gracePeriodSeconds: 0 });
  const forceDeadline = Date.now() + FORCE_WAIT_MS;
  let left = remaining;
  while (left.length && Date.now() < forceDeadline) {
    await sleep(POLL_MS);
    left = await podsOfRun();
  }
  const names = remaining.map(podName).join(', ');
  const detail =
    graceMs === 0
      ? `${what}; deleted pod ${names} with grace 0`
      : `${what}; pod ${names} did not stop within ${graceSeconds} s of SIGTERM; deleted it with grace 0`;
  return {
    stopped: left.length === 0,
    escalated: true,
    detail: left.length ? `${detail}, but ${left.map(podName).join(', ')} is still there` : detail,
  };
}

/** Pods that still run or may start: not yet Succeeded or Failed. */
function live(pods: readonly KubePod[]): KubePod[] {
  return pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
