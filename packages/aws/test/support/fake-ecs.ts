import type { EcsApi, EcsRegisterInput, EcsRunTaskInput, EcsTask, EcsTaskDefinition } from '../../src/ecs-client.js';

/**
 * An in-memory ECS for the launcher's unit tests: only what moto cannot show (RunTask's client
 * token is honoured, as in AWS; throttling on demand). Every call yields to the event loop first,
 * so two launchers calling at once interleave as two processes would.
 */
export class FakeEcs implements EcsApi {
  readonly definitions = new Map<
    string,
    { arn: string; revision: number; active: boolean; input: EcsRegisterInput }[]
  >();
  readonly tasks = new Map<string, EcsTask & { token?: string; input: EcsRunTaskInput }>();
  readonly calls: { name: string; input: unknown }[] = [];
  /** Throws a ThrottlingException from the named call this many times before answering. */
  throttle: Record<string, number> = {};
  /** Called on each new task; may change it (to fail it, stop it …). */
  onRunTask: (task: EcsTask, input: EcsRunTaskInput) => EcsTask = (task) => ({ ...task, lastStatus: 'RUNNING' });
  #next = 0;

  count(name: string): number {
    return this.calls.filter((c) => c.name === name).length;
  }

  async #enter(name: string, input: unknown): Promise<void> {
    await new Promise((r) => setImmediate(r));
    this.calls.push({ name, input });
    if ((this.throttle[name] ?? 0) > 0) {
      this.throttle[name]!--;
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    }
  }

  async registerTaskDefinition(input: EcsRegisterInput) {
    await this.#enter('registerTaskDefinition', input);
    const revisions = this.definitions.get(input.family) ?? [];
    const revision = revisions.length + 1;
    const arn = `arn:aws:ecs:us-east-1:123456789012:task-definition/${input.family}:${revision}`;
    revisions.push({ arn, revision, active: true, input });
    this.definitions.set(input.family, revisions);
    return { taskDefinition: { taskDefinitionArn: arn, family: input.family, revision } };
  }

  async describeTaskDefinition(input: { taskDefinition: string }) {
    await this.#enter('describeTaskDefinition', input);
    const family = input.taskDefinition.replace(/^.*task-definition\//, '').split(':')[0] as string;
    const found = this.definitions
      .get(family)
      ?.filter((d) => d.active)
      .at(-1);
    if (!found) throw Object.assign(new Error('Unable to describe task definition.'), { name: 'ClientException' });
    const definition: EcsTaskDefinition = {
      taskDefinitionArn: found.arn,
      family,
      revision: found.revision,
      containerDefinitions: found.input.containerDefinitions as EcsTaskDefinition['containerDefinitions'],
    };
    return { taskDefinition: definition };
  }

  async listTaskDefinitions(input: { familyPrefix: string; status: 'ACTIVE'; sort: 'ASC' }) {
    await this.#enter('listTaskDefinitions', input);
    const arns = [...this.definitions]
      .filter(([family]) => family.startsWith(input.familyPrefix))
      .flatMap(([, revisions]) => revisions.filter((d) => d.active).map((d) => d.arn));
    return { taskDefinitionArns: arns };
  }

  async deregisterTaskDefinition(input: { taskDefinition: string }) {
    await this.#enter('deregisterTaskDefinition', input);
    for (const revisions of this.definitions.values())
      for (const d of revisions) if (d.arn === input.taskDefinition) d.active = false;
    return {};
  }

  async runTask(input: EcsRunTaskInput) {
    await this.#enter('runTask', input);
    const same = [...this.tasks.values()].find((t) => t.token !== undefined && t.token === input.clientToken);
    if (same) return { tasks: [same] };
    const arn = `arn:aws:ecs:us-east-1:123456789012:task/${input.cluster}/${(++this.#next).toString(16).padStart(32, '0')}`;
    const task = this.onRunTask({ taskArn: arn, lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING' }, input);
    this.tasks.set(arn, { ...task, token: input.clientToken, input });
    return { tasks: [task] };
  }

  async describeTasks(input: { cluster: string; tasks: string[] }) {
    await this.#enter('describeTasks', input);
    if (input.tasks.length > 100)
      throw Object.assign(new Error('too many tasks'), { name: 'InvalidParameterException' });
    return { tasks: input.tasks.flatMap((arn) => this.tasks.get(arn) ?? []), failures: [] };
  }

  async stopTask(input: { cluster: string; task: string; reason?: string }) {
    await this.#enter('stopTask', input);
    const task = this.tasks.get(input.task);
    if (!task) throw Object.assign(new Error('task not found'), { name: 'InvalidParameterException' });
    const stopped = { ...task, lastStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: input.reason };
    this.tasks.set(input.task, stopped);
    return { task: stopped };
  }
}
