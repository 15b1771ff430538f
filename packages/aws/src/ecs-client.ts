/**
 * The few ECS calls the launcher makes, typed here so that `@aws-sdk/client-ecs` stays a lazily
 * loaded peer dependency: importing `@runyard/aws` loads no AWS SDK until a launcher first talks to
 * ECS, and tests can hand in any object of this shape. Only the fields the launcher reads are typed.
 */

export interface EcsKeyValue {
  readonly name?: string;
  readonly value?: string;
}

export interface EcsTag {
  readonly key: string;
  readonly value: string;
}

export interface EcsContainer {
  readonly name?: string;
  readonly lastStatus?: string;
  readonly exitCode?: number;
  readonly reason?: string;
}

export interface EcsTask {
  readonly taskArn?: string;
  readonly clusterArn?: string;
  readonly taskDefinitionArn?: string;
  readonly lastStatus?: string;
  readonly desiredStatus?: string;
  readonly stopCode?: string;
  readonly stoppedReason?: string;
  readonly containers?: readonly EcsContainer[];
  readonly tags?: readonly EcsTag[];
}

export interface EcsFailure {
  readonly arn?: string;
  readonly reason?: string;
  readonly detail?: string;
}

export interface EcsContainerDefinition {
  readonly name?: string;
  readonly [key: string]: unknown;
}

export interface EcsTaskDefinition {
  readonly taskDefinitionArn?: string;
  readonly family?: string;
  readonly revision?: number;
  readonly containerDefinitions?: readonly EcsContainerDefinition[];
}

/** RegisterTaskDefinition's input; built by ecs-task-definition.ts, passed to the SDK as it is. */
export type EcsRegisterInput = Readonly<Record<string, unknown>> & { readonly family: string };
/** RunTask's input, likewise. */
export type EcsRunTaskInput = Readonly<Record<string, unknown>> & {
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly clientToken?: string;
};

export interface EcsApi {
  registerTaskDefinition(input: EcsRegisterInput): Promise<{ taskDefinition?: EcsTaskDefinition }>;
  describeTaskDefinition(input: { taskDefinition: string }): Promise<{ taskDefinition?: EcsTaskDefinition }>;
  listTaskDefinitions(input: {
    familyPrefix: string;
    status: 'ACTIVE';
    sort: 'ASC';
    nextToken?: string;
  }): Promise<{ taskDefinitionArns?: string[]; nextToken?: string }>;
  deregisterTaskDefinition(input: { taskDefinition: string }): Promise<unknown>;
  runTask(input: EcsRunTaskInput): Promise<{ tasks?: EcsTask[]; failures?: EcsFailure[] }>;
  describeTasks(input: {
    cluster: string;
    tasks: string[];
    include?: ['TAGS'];
  }): Promise<{ tasks?: EcsTask[]; failures?: EcsFailure[] }>;
  stopTask(input: { cluster: string; task: string; reason?: string }): Promise<{ task?: EcsTask }>;
}

/** Where the SDK client is made: all optional, so the SDK's chain (env, profile, AWS_ENDPOINT_URL) decides. */
export interface EcsClientSettings {
  readonly region?: string;
  readonly endpoint?: string;
}

/**
 * Imports `@aws-sdk/client-ecs` on first use. Region, credentials and endpoint come from the SDK's
 * usual chain (AWS_REGION, AWS_PROFILE, instance roles, AWS_ENDPOINT_URL) unless the config names them.
 */
export async function loadEcsClient(settings: EcsClientSettings): Promise<EcsApi> {
  let mod: { ECS: new (config: Record<string, unknown>) => unknown };
  try {
    mod = (await import('@aws-sdk/client-ecs')) as unknown as typeof mod;
  } catch (error) {
    throw new Error(
      "EcsRunLauncher needs the '@aws-sdk/client-ecs' package beside '@runyard/aws' (npm install @aws-sdk/client-ecs)",
      { cause: error },
    );
  }
  // The aggregated `ECS` client has one method per command, which is the shape EcsApi describes.
  // Retries are the launcher's own (ecs-retry.ts), so the SDK's are kept few.
  return new mod.ECS({
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    maxAttempts: 2,
  }) as EcsApi;
}

/** The error's AWS name (`ThrottlingException`, `ClientException` …), or undefined. */
export function awsErrorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

export function awsErrorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Throttling, and ECS's "Too many concurrent attempts to create a new revision" (a ClientException
 * when several launches register the same family at once): both pass if tried again a little later.
 */
export function isRetryableAwsError(error: unknown): boolean {
  const name = awsErrorName(error) ?? '';
  if (/Throttl|TooManyRequests|RequestLimitExceeded|ServerException|ServiceUnavailable/i.test(name)) return true;
  return /too many concurrent attempts|rate exceeded/i.test(awsErrorMessage(error));
}
