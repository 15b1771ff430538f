import { randomBytes } from 'node:crypto';
import {
  BaseRunLauncher,
  type CheckRunTagsContext,
  type ComponentContext,
  type ConfigIssue,
  InvalidConfigError,
  type LauncherCapabilities,
  type LaunchRunContext,
  type ResumeRunContext,
  type RunRecord,
  RunyardError,
  type TerminateContext,
  type TerminateResult,
  type WorkerHealth,
  type WorkerRef,
} from 'runyard';
import { type KubeApi, type KubeEvent, type KubeJob, kubeMessage, kubeStatusCode } from './k8s-client.js';
import { loadKubeClient } from './k8s-client-node.js';
import { jobManifest } from './k8s-job-spec.js';
import { runSelector } from './k8s-names.js';
import { K8sRunInformer } from './k8s-run-informer.js';
import {
  type K8sRunLauncherConfig,
  k8sRunLauncherConfigSchema,
  type ResolvedK8sRunLauncherConfig,
} from './k8s-run-launcher-config.js';
import { K8S_RUN_TAG, mergeRunOverrides, parseRunOverrides } from './k8s-run-overrides.js';
import { terminateRunWorker } from './k8s-terminate.js';
import { describeWorker } from './k8s-worker-debug.js';
import { diagnose, podName } from './k8s-worker-health.js';
import { isK8sWorkerRef, type K8sWorkerRef } from './k8s-worker-ref.js';

export interface K8sRunLauncherOptions {
  /** A Kubernetes client to use instead of @kubernetes/client-node (tests, or an application's own). */
  readonly kube?: KubeApi | (() => KubeApi | Promise<KubeApi>);
}

/** How long a Job may have no pod before its Warning events are read to say why (FailedCreate). */
const JOB_EVENT_AGE_MS = 3_000;

/** Lines of a pod's log `run logs` and the kept evidence read (the API server holds the rest). */
const WORKER_OUTPUT_TAIL_LINES = 10_000;
/**
 * A Job created less than this long ago may not have reached the informer's cache yet, so its
 * absence there is checked with the API; an older one missing from the cache is gone, and saying
 * so costs no request.
 */
const CACHE_TRUST_MS = 5_000;

/**
 * Runs each run's worker as a Kubernetes Job of its own: one pod running `<command> worker
 * execute-run <runId>`, labelled with the run, given the instance config in RUNYARD_INSTANCE.
 * Health comes from one informer over every Runyard Job and pod in the namespace. See docs/kubernetes.md.
 */
export class K8sRunLauncher extends BaseRunLauncher {
  /** Checked by the instance when runyard.yaml names this class, and by the constructor. */
  static readonly configSchema = k8sRunLauncherConfigSchema;

  readonly #config: ResolvedK8sRunLauncherConfig;
  readonly #raw: { readonly module?: string; readonly class: string; readonly config?: Record<string, unknown> };
  readonly #kubeSource: K8sRunLauncherOptions['kube'];
  #kube: Promise<KubeApi> | undefined;
  #informer: K8sRunInformer | undefined;

  constructor(config: K8sRunLauncherConfig, ctx?: ComponentContext, options: K8sRunLauncherOptions = {}) {
    super();
    const parsed = k8sRunLauncherConfigSchema.safeParse(config);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
      throw new InvalidConfigError('K8sRunLauncher config', issues);
    }
    this.#config = Object.freeze(parsed.data);
    this.#raw = ctx?.raw ?? { class: 'K8sRunLauncher', config: { ...config } as Record<string, unknown> };
    this.#kubeSource = options.kube;
  }

  override get capabilities(): LauncherCapabilities {
    return { healthCheck: true, resume: true, debugInfo: true };
  }

  /** Read by the instance's managed launcher as the default grace for terminate. */
  get terminateGraceMs(): number {
    return this.#config.terminateGraceSeconds * 1000;
  }

  /** The validated config, defaults filled in. */
  get config(): ResolvedK8sRunLauncherConfig {
    return this.#config;
  }

  /** API requests made by health checks (the informer's lists and watches), for the bench and tests. */
  get informerRequests(): number {
    return this.#informer?.requests ?? 0;
  }

  /** The informer, started; health checks use it, and tests inspect it. */
  async informer(): Promise<K8sRunInformer> {
    this.#informer ??= new K8sRunInformer(await this.#client(), this.#config.namespace);
    await this.#informer.start();
    return this.#informer;
  }

  launchRun(ctx: LaunchRunContext): Promise<WorkerRef> {
    return this.#start(ctx, 0);
  }

  /** A new Job `<name>-<attempt>` for the same run; the worker's `--resume` skips the steps that succeeded. */
  override resumeRun(ctx: ResumeRunContext): Promise<WorkerRef> {
    return this.#start(ctx, ctx.resumeAttempt);
  }

  checkRunTags(ctx: CheckRunTagsContext): readonly ConfigIssue[] {
    const outcome = parseRunOverrides(ctx.tags, this.#config.allowRunOverrides);
    return outcome.ok ? [] : outcome.issues;
  }

  async terminate(ctx: TerminateContext): Promise<TerminateResult> {
    const ref = isK8sWorkerRef(ctx.run.worker) ? ctx.run.worker : undefined;
    if (!ref) return { stopped: false, escalated: false, detail: 'no Job was recorded for the run' };
    return terminateRunWorker(await this.#client(), ref, ctx.graceMs);
  }

  override async checkRunWorkerHealth(run: RunRecord): Promise<WorkerHealth> {
    const ref = isK8sWorkerRef(run.worker) ? run.worker : undefined;
    if (!ref) return { status: 'NOT_FOUND', reason: 'no Job was recorded for the run' };
    let informer: K8sRunInformer;
    try {
      informer = await this.informer();
    } catch (error) {
      return { status: 'UNKNOWN', transient: true, reason: `cannot reach the Kubernetes API: ${kubeMessage(error)}` };
    }
    if (informer.broken !== undefined)
      return {
        status: 'UNKNOWN',
        transient: true,
        reason: `the watch on the Kubernetes API broke and is being resumed: ${kubeMessage(informer.broken)}`,
      };
    let job: KubeJob | undefined = informer.jobsOfRun(run.runId).find((j) => j.metadata?.name === ref.externalId);
    let pods = informer.podsOfRun(run.runId).filter((p) => p.metadata?.labels?.['job-name'] === ref.externalId);
    const recent = ref.launchedAt === undefined || Date.now() - ref.launchedAt < CACHE_TRUST_MS;
    if (!job && recent) {
      // Not in the cache yet: just created (its watch event is on its way), or really gone. Ask once.
      const kube = await this.#client();
      job = (await kube.listJobs(ref.namespace, runSelector(run.runId))).items.find(
        (j) => j.metadata?.name === ref.externalId,
      );
      pods = (await kube.listPods(ref.namespace, runSelector(run.runId))).items.filter(
        (p) => p.metadata?.labels?.['job-name'] === ref.externalId,
      );
    }
    pods = [...pods].sort((a, b) => created(a) - created(b));
    let jobEvents: KubeEvent[] | undefined;
    // A Job without a pod for a while: the Job controller's Warning events say why (FailedCreate).
    if (job && pods.length === 0 && Date.now() - created(job) >= JOB_EVENT_AGE_MS)
      jobEvents = [...(await this.#jobEvents(ref))];
    return diagnose({
      jobName: ref.externalId,
      job,
      pods,
      jobEvents,
      now: Date.now(),
      configErrorGraceMs: this.#config.configErrorGraceSeconds * 1000,
    });
  }

  override async debugInfo(run: RunRecord): Promise<string | undefined> {
    const ref = isK8sWorkerRef(run.worker) ? run.worker : undefined;
    if (!ref) return undefined;
    const health = await this.checkRunWorkerHealth(run);
    return describeWorker(await this.#client(), ref, health);
  }

  /**
   * The newest pod's log, while the Job's pod exists (undefined once it is gone). Kubernetes keeps
   * one log for both streams, so stdout and stderr both answer with it.
   */
  override async readWorkerOutput(run: RunRecord, _stream: 'stdout' | 'stderr'): Promise<string | undefined> {
    const ref = isK8sWorkerRef(run.worker) ? run.worker : undefined;
    if (!ref) return undefined;
    const kube = await this.#client();
    const pods = (await kube.listPods(ref.namespace, runSelector(ref.runId))).items.filter(
      (p) => p.metadata?.labels?.['job-name'] === ref.externalId,
    );
    const newest = pods.at(-1);
    if (!newest) return undefined;
    // A pending pod (an image that never pulls) has no log yet, but it exists: an empty answer
    // still has its evidence kept, whose Warning events say why it never ran.
    if (newest.status?.phase === 'Pending') return '';
    try {
      return await kube.readPodLog(ref.namespace, podName(newest), WORKER_OUTPUT_TAIL_LINES);
    } catch (error) {
      // Deleted between the listing and the read.
      if (kubeStatusCode(error) === 404) return undefined;
      throw error;
    }
  }

  toConfig() {
    return this.#raw;
  }

  override async dispose(): Promise<void> {
    this.#informer?.stop();
  }

  async #jobEvents(ref: K8sWorkerRef): Promise<readonly KubeEvent[]> {
    const kube = await this.#client();
    return (await kube.listEvents(ref.namespace, `involvedObject.name=${ref.externalId}`)).items;
  }

  async #start(ctx: LaunchRunContext, attempt: number): Promise<WorkerRef> {
    const overrides = parseRunOverrides(ctx.run.tags, this.#config.allowRunOverrides);
    if (!overrides.ok) throw new InvalidConfigError(`${K8S_RUN_TAG} tag of run ${ctx.run.runId}`, overrides.issues);
    const settings = mergeRunOverrides(this.#config, overrides.overrides);
    const manifest = jobManifest({
      config: this.#config,
      settings,
      run: ctx.run,
      attempt,
      args: ctx.worker.args,
      workerEnv: ctx.worker.env,
    });
    const kube = await this.#client();
    const created = await this.#create(kube, manifest);
    const ref: K8sWorkerRef = {
      launcher: 'K8sRunLauncher',
      externalId: created,
      namespace: this.#config.namespace,
      runId: ctx.run.runId,
      image: settings.image,
      attempt,
      launchedAt: Date.now(),
    };
    await ctx.recordWorker(ref);
    return ref;
  }

  /** Creates the Job; a second worker for the same run (a duplicate launch) gets a suffixed name. */
  async #create(kube: KubeApi, manifest: Record<string, unknown>): Promise<string> {
    const metadata = manifest.metadata as { name: string };
    try {
      await kube.createJob(this.#config.namespace, manifest);
      return metadata.name;
    } catch (error) {
      if (kubeStatusCode(error) !== 409) throw this.#apiError(`could not create Job ${metadata.name}`, error);
    }
    const name = `${metadata.name.slice(0, 63 - 7)}-${randomBytes(3).toString('hex')}`;
    try {
      await kube.createJob(this.#config.namespace, { ...manifest, metadata: { ...metadata, name } });
      return name;
    } catch (error) {
      throw this.#apiError(`could not create Job ${name}`, error);
    }
  }

  #apiError(what: string, error: unknown): RunyardError {
    const status = kubeStatusCode(error);
    const where = status === undefined ? 'cannot reach the Kubernetes API' : `the API server said (HTTP ${status})`;
    return new RunyardError(`${what} in namespace ${this.#config.namespace}: ${where}: ${kubeMessage(error)}`, {
      cause: error,
    });
  }

  #client(): Promise<KubeApi> {
    const source = this.#kubeSource;
    this.#kube ??= Promise.resolve(
      typeof source === 'function'
        ? source()
        : (source ?? loadKubeClient({ kubeconfig: this.#config.kubeconfig, inCluster: this.#config.inCluster })),
    );
    return this.#kube;
  }
}

function created(object: { metadata?: { creationTimestamp?: string | Date } }): number {
  const at = object.metadata?.creationTimestamp;
  const ms = at === undefined ? Number.NaN : new Date(at).getTime();
  return Number.isNaN(ms) ? 0 : ms;
}
