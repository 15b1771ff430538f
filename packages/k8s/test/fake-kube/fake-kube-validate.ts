/**
 * TEST TOOL: checks every manifest sent to the fake API server against the official Kubernetes
 * OpenAPI schemas (kubernetes-models 4.x, the last line for Node 20), then against the rules a
 * real API server enforces that the schemas do not: a Job's restartPolicy, name lengths, label
 * keys and values, container and volume names, mounts of volumes that exist.
 */
import { Job } from 'kubernetes-models/batch/v1';
import type { Obj } from './fake-kube-store.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Every problem, as a real API server would word the causes of a 422 Invalid; empty when valid. */
export function validateJob(job: Obj): string[] {
  const problems: string[] = [];
  try {
    new Job(job as never).validate();
  } catch (error) {
    problems.push(`schema: ${(error as Error).message}`);
  }
  const name: unknown = job.metadata?.name;
  if (typeof name !== 'string' || !name) problems.push('metadata.name: Required value');
  // The Job controller puts the name in its pods' `job-name` label, so it is held to 63 characters.
  else if (name.length > 63 || !DNS_LABEL.test(name))
    problems.push(`metadata.name: Invalid value: "${name}": must be a DNS-1123 label of at most 63 characters`);
  problems.push(...labelProblems('metadata.labels', job.metadata?.labels));
  const template = job.spec?.template;
  problems.push(...labelProblems('spec.template.metadata.labels', template?.metadata?.labels));
  const pod = template?.spec ?? {};
  const restart = pod.restartPolicy;
  if (restart !== 'Never' && restart !== 'OnFailure')
    problems.push(
      `spec.template.spec.restartPolicy: Unsupported value: "${restart ?? 'Always'}": supported values: "OnFailure", "Never"`,
    );
  if (job.spec?.podFailurePolicy && restart !== 'Never')
    problems.push('spec.podFailurePolicy: Invalid value: only allowed when restartPolicy is Never');
  const volumes = new Set<string>();
  for (const [i, v] of (pod.volumes ?? []).entries()) {
    if (!DNS_LABEL.test(v.name ?? ''))
      problems.push(`spec.template.spec.volumes[${i}].name: Invalid value: "${v.name}"`);
    volumes.add(v.name);
  }
  for (const [i, c] of (pod.containers ?? []).entries()) {
    const at = `spec.template.spec.containers[${i}]`;
    if (!DNS_LABEL.test(c.name ?? '')) problems.push(`${at}.name: Invalid value: "${c.name}"`);
    for (const m of c.volumeMounts ?? [])
      if (!volumes.has(m.name)) problems.push(`${at}.volumeMounts.name: Not found: "${m.name}"`);
    for (const e of c.env ?? [])
      if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(e.name ?? ''))
        problems.push(`${at}.env.name: Invalid value: "${e.name}"`);
  }
  if (pod.serviceAccountName !== undefined && !DNS_SUBDOMAIN.test(pod.serviceAccountName))
    problems.push(`spec.template.spec.serviceAccountName: Invalid value: "${pod.serviceAccountName}"`);
  return problems;
}

function labelProblems(at: string, labels: Record<string, unknown> | undefined): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    const [prefix, name] = key.includes('/') ? key.split('/', 2) : [undefined, key];
    if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
      problems.push(`${at}: Invalid value: "${key}": prefix part must be a DNS-1123 subdomain`);
    if (!name || name.length > 63 || !LABEL_NAME.test(name))
      problems.push(`${at}: Invalid value: "${key}": name part must be at most 63 characters of [A-Za-z0-9_.-]`);
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value))
      problems.push(
        `${at}: Invalid value: "${String(value)}": a label value must be at most 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends`,
      );
  }
  return problems;
}
