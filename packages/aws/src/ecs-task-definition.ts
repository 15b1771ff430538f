import { createHash } from 'node:crypto';
import { RunyardError } from 'runyard';
import type { EcsApi, EcsRegisterInput } from './ecs-client.js';
import { DEFAULT_RETRY, type RetryPolicy, withAwsRetry } from './ecs-retry.js';
import type { ResolvedEcsRunLauncherConfig } from './ecs-run-launcher-config.js';

/** Tag on every task definition the launcher registers: the hash its family name ends with. */
export const CONFIG_HASH_TAG = 'runyard.config-hash';

/**
 * The task definition the config describes, without its family. Only what is the same for every
 * run goes in (the run's command and environment are RunTask overrides), so one registration
 * serves every run of the job while the config stays the same.
 */
export function taskDefinitionBody(config: ResolvedEcsRunLauncherConfig): Record<string, unknown> {
  const worker: Record<string, unknown> = {
    name: config.containerName,
    image: config.image,
    essential: true,
    // Some ECS implementations (and EC2 tasks without task-level memory) want it per container.
    ...(config.memory && /^\d+$/.test(config.memory) ? { memory: Number(config.memory) } : {}),
    environment: Object.entries(config.env)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => ({ name, value })),
    ...(config.secrets.length ? { secrets: config.secrets } : {}),
    ...(config.logConfiguration ? { logConfiguration: config.logConfiguration } : {}),
    ...(config.mountPoints.length ? { mountPoints: config.mountPoints } : {}),
    stopTimeout: config.stopTimeoutSeconds,
  };
  return {
    ...(config.taskRoleArn ? { taskRoleArn: config.taskRoleArn } : {}),
    ...(config.executionRoleArn ? { executionRoleArn: config.executionRoleArn } : {}),
    ...(config.networkMode ? { networkMode: config.networkMode } : {}),
    ...(config.requiresCompatibilities ? { requiresCompatibilities: config.requiresCompatibilities } : {}),
    ...(config.cpu ? { cpu: config.cpu } : {}),
    ...(config.memory ? { memory: config.memory } : {}),
    ...(config.ephemeralStorageGiB ? { ephemeralStorage: { sizeInGiB: config.ephemeralStorageGiB } } : {}),
    ...(config.runtimePlatform ? { runtimePlatform: config.runtimePlatform } : {}),
    ...(config.volumes.length ? { volumes: config.volumes } : {}),
    containerDefinitions: [worker, ...config.sidecars],
  };
}

/** A stable hash of the body: keys sorted at every level. */
export function configHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex').slice(0, 12);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `<prefix><job>-<hash>`: ECS allows letters, digits, '-' and '_' and 255 characters. */
export function familyName(prefix: string, jobName: string, hash: string): string {
  const job = jobName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 255 - prefix.length - hash.length - 1);
  return `${prefix}${job}-${hash}`;
}

/** `arn:…:task-definition/<family>:<revision>` → [family, revision]. */
function parseArn(arn: string): [string, number] | undefined {
  const match = /task-definition\/([^:/]+):(\d+)$/.exec(arn);
  return match ? [match[1] as string, Number(match[2])] : undefined;
}

/**
 * Finds or registers the task definition for (config, job), at most once per family in this
 * process. Between processes, two launches may both register; each then lists the family's active
 * revisions, keeps the lowest, and deregisters its own if it is not the lowest, so the race ends
 * with one revision that both use.
 */
export class EcsTaskDefinitions {
  readonly #api: () => Promise<EcsApi>;
  readonly #retry: RetryPolicy;
  readonly #families = new Map<string, Promise<string>>();
  readonly #checked = new Map<string, Promise<string>>();
  /** Register calls this object made, for tests and the bench. */
  registrations = 0;

  constructor(api: () => Promise<EcsApi>, retry: RetryPolicy = DEFAULT_RETRY) {
    this.#api = api;
    this.#retry = retry;
  }

  /** The task definition ARN (or family) a run of `jobName` starts from. */
  resolve(config: ResolvedEcsRunLauncherConfig, jobName: string): Promise<string> {
    if (config.taskDefinition) return this.#checkGiven(config.taskDefinition, config.containerName);
    const body = taskDefinitionBody(config);
    const hash = configHash(body);
    const family = familyName(config.familyPrefix, jobName, hash);
    let found = this.#families.get(family);
    if (!found) {
      found = this.#ensure({ ...body, family, tags: [{ key: CONFIG_HASH_TAG, value: hash }] });
      // A failed attempt is not remembered: the next launch tries again.
      found.catch(() => this.#families.delete(family));
      this.#families.set(family, found);
    }
    return found;
  }

  async #ensure(input: EcsRegisterInput): Promise<string> {
    const existing = await this.#active(input.family);
    if (existing[0]) return existing[0];
    const api = await this.#api();
    const registered = await withAwsRetry(() => api.registerTaskDefinition(input), this.#retry);
    this.registrations++;
    const ours = registered.taskDefinition?.taskDefinitionArn;
    if (!ours) throw new RunyardError(`ECS registered task definition family ${input.family} but returned no ARN`);
    const lowest = (await this.#active(input.family))[0] ?? ours;
    if (lowest !== ours) {
      // Another launcher registered the same configuration first: use its revision, drop ours.
      await withAwsRetry(() => api.deregisterTaskDefinition({ taskDefinition: ours }), this.#retry).catch(
        () => undefined,
      );
    }
    return lowest;
  }

  /** The family's ACTIVE revisions, lowest first. */
  async #active(family: string): Promise<string[]> {
    const api = await this.#api();
    const arns: [string, number][] = [];
    let nextToken: string | undefined;
    do {
      const page = await withAwsRetry(
        () =>
          api.listTaskDefinitions({
            familyPrefix: family,
            status: 'ACTIVE',
            sort: 'ASC',
            ...(nextToken ? { nextToken } : {}),
          }),
        this.#retry,
      );
      for (const arn of page.taskDefinitionArns ?? []) {
        const parsed = parseArn(arn);
        // familyPrefix is a prefix: `job-abc` would also list `job-abcd`.
        if (parsed?.[0] === family) arns.push([arn, parsed[1]]);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return arns.sort((a, b) => a[1] - b[1]).map(([arn]) => arn);
  }

  #checkGiven(taskDefinition: string, containerName: string): Promise<string> {
    let checked = this.#checked.get(taskDefinition);
    if (!checked) {
      checked = (async () => {
        const api = await this.#api();
        const { taskDefinition: found } = await withAwsRetry(
          () => api.describeTaskDefinition({ taskDefinition }),
          this.#retry,
        );
        const names = (found?.containerDefinitions ?? []).map((c) => c.name);
        if (!names.includes(containerName))
          throw new RunyardError(
            `task definition ${taskDefinition} has no container '${containerName}' (it has ${names.join(', ') || 'none'}); ` +
              "set the EcsRunLauncher config's containerName to the container that runs the worker",
          );
        return found?.taskDefinitionArn ?? taskDefinition;
      })();
      checked.catch(() => this.#checked.delete(taskDefinition));
      this.#checked.set(taskDefinition, checked);
    }
    return checked;
  }
}
