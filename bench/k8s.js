// Issue 12 figures, on one private dockerd shared by both launchers: launch → RUN_SUCCESS of a
// one-op job through K8sRunLauncher (the test tree's fake API server, whose kubelet runs pods on
// that dockerd) against DockerRunLauncher; seconds from an OOM kill to the diagnosed FAILURE event
// with run monitoring polling as `runyard daemon` does; and API requests per minute while 200 runs
// are monitored. The fake is TypeScript under packages/k8s/test: esbuild bundles it at bench time.
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { Instance, loadCodeLocation, MonitoringDaemon, parseInstanceConfig } from 'runyard';
import { dockerUnavailable, startDockerd } from './lib/dockerd.js';
import { fmtMs, sideBySide } from './lib/measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const IMAGE = 'runyard-node:bench';
const NODE = '/usr/local/bin/node';
const MONITORED_RUNS = 200;

export async function k8sBenchmarks({ rounds = 5 } = {}) {
  const unavailable = dockerUnavailable();
  if (unavailable) return [['k8s: launch → RUN_SUCCESS', 'skipped', unavailable]];
  const { startFakeKube } = await loadFakeKube();
  const engine = await startDockerd(IMAGE);
  const base = mkdtempSync('/tmp/ryb-k8s-');
  chmodSync(base, 0o755);
  mkdirSync(path.join(base, 'cache'), { mode: 0o700 });
  const opened = [];
  let kube;
  try {
    kube = await startFakeKube({ dockerHost: engine.host, node: { memory: 4 * 1024 ** 3, cpu: 2 } });
    const open = async (name, runLauncher, extra = {}) => {
      const home = path.join(base, name);
      mkdirSync(home);
      const instance = await Instance.open({ home, config: parseInstanceConfig({ runLauncher, ...extra }) });
      opened.push(instance);
      return instance;
    };
    const cache = { RUNYARD_CACHE_DIR: path.join(base, 'cache') };
    const k8sConfig = {
      image: IMAGE,
      imagePullPolicy: 'Never',
      command: [NODE, path.join(repo, 'packages/runyard/bin/runyard.js')],
      volumes: [
        { name: 'repo', hostPath: { path: repo } },
        { name: 'base', hostPath: { path: base } },
      ],
      volumeMounts: [
        { name: 'repo', mountPath: repo, readOnly: true },
        { name: 'base', mountPath: base },
      ],
      env: cache,
      kubeconfig: { file: kube.kubeconfig },
      allowRunOverrides: ['resources'],
    };
    // A long heartbeat timeout: the 200 monitored runs below have no worker sending heartbeats.
    const monitoring = { runMonitoring: { heartbeatTimeoutSeconds: 3600 } };
    const k8s = await open('k8s', { class: 'K8sRunLauncher', config: k8sConfig }, monitoring);
    const docker = await open('docker', {
      class: 'DockerRunLauncher',
      config: {
        image: IMAGE,
        command: [NODE, path.join(repo, 'packages/runyard/bin/runyard.js')],
        network: 'none',
        volumes: [`${repo}:${repo}:ro`, `${base}:${base}`],
        env: cache,
        dockerHost: engine.host,
        autoRemoveAfterSeconds: 0,
      },
    });
    const location = await loadCodeLocation(path.join(here, 'fixtures', 'k8s-jobs.ts'));
    const submit = (instance, jobName, tags = {}) =>
      instance.submitJobRun({ job: location.getJob(jobName), codeLocation: location.path, source: 'api', tags });
    const launch = (instance) => async () => {
      const t = performance.now();
      const run = await submit(instance, 'one_op');
      await waitForEnd(instance, run.runId, ['SUCCESS']);
      return performance.now() - t;
    };
    await launch(docker)(); // the first worker compiles the code location into the shared cache
    await launch(k8s)();
    const medians = await sideBySide({ k8s: launch(k8s), docker: launch(docker) }, rounds);

    const oom = await oomToFailure(k8s, kube, submit);
    const perMinute = await requestsPerMinute(k8s, kube, submit);
    return [
      [
        'K8sRunLauncher (fake API server + dockerd): launch → RUN_SUCCESS, one op',
        fmtMs(medians.k8s),
        `${(medians.k8s / medians.docker).toFixed(2)}× DockerRunLauncher on the same engine (${fmtMs(medians.docker)})`,
      ],
      [
        'K8sRunLauncher: OOM kill → diagnosed RUN_FAILURE event',
        `${(oom / 1000).toFixed(1)} s`,
        'monitoring polling every 2 s (the default); the start timeout is 180 s, Dagster polls every 120 s',
      ],
      [
        `K8sRunLauncher: API requests per minute, ${MONITORED_RUNS} runs monitored`,
        `${perMinute.toFixed(1)}`,
        'the informer: two watches, no request per run per poll (constant in the number of runs)',
      ],
    ];
  } finally {
    for (const instance of opened) await instance.dispose().catch(() => undefined);
    await kube?.stop();
    await engine.stop();
    rmSync(base, { recursive: true, force: true });
  }
}

/** Seconds from the container's OOM kill (the pod's finishedAt) to the RUN_FAILURE event, polled as the daemon does. */
async function oomToFailure(instance, kube, submit) {
  const daemon = new MonitoringDaemon(instance);
  const run = await submit(instance, 'memory_hog', {
    'runyard/k8s': JSON.stringify({ resources: { limits: { memory: '64Mi' } } }),
  });
  // Terminate deletes the pod once the run has failed: its kill time is caught as the kubelet writes it.
  let finished;
  kube.store.onChange((kind, _type, object) => {
    if (kind !== 'pods' || object.metadata.labels?.['runyard.dev/run-id'] !== run.runId) return;
    finished ??= object.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt;
  });
  const ctx = { instance, daemonId: 'bench', signal: new AbortController().signal, log: () => {} };
  for (let i = 0; i < 120; i++) {
    await daemon.runIteration(ctx);
    const failure = (await instance.storage.events.getEvents(run.runId)).find((e) => e.type === 'RUN_FAILURE');
    if (failure) {
      if (failure.data?.failureClass !== 'oom') throw new Error(`not diagnosed as OOM: ${failure.message}`);
      if (!finished) throw new Error('the OOM-killed pod has no finishedAt');
      return failure.timestamp - Date.parse(finished);
    }
    await new Promise((r) => setTimeout(r, daemon.intervalMs));
  }
  throw new Error(`run ${run.runId} was not failed within 120 polls`);
}

/**
 * 200 STARTED runs whose Jobs and Running pods are in the fake cluster, cloned from one real launch
 * (its labels and annotations), without 200 containers: each cloned Job names a ServiceAccount the
 * fake does not have, so its controller makes no pod of its own. Monitoring polls for 30 s.
 */
async function requestsPerMinute(instance, kube, submit) {
  const real = await submit(instance, 'waiter');
  await waitForEnd(instance, real.runId, ['STARTED']);
  let pod;
  for (let i = 0; i < 600 && pod?.status?.phase !== 'Running'; i++) {
    pod = kube.podsOfRun(real.runId)[0];
    await new Promise((r) => setTimeout(r, 50));
  }
  const job = kube.store.list('jobs', 'default').find((j) => j.metadata.name === pod.metadata.labels['job-name']);
  const worker = (await instance.storage.runs.getRun(real.runId)).worker;
  const runs = instance.storage.runs;
  for (let i = 0; i < MONITORED_RUNS; i++) {
    const { runId } = await runs.createRun({ jobName: 'waiter', origin: { codeLocation: 'bench', source: 'api' } });
    const name = `bench-${i}`;
    const meta = (m) => ({
      ...m,
      name: m === job.metadata ? name : `${name}-pod`,
      uid: undefined,
      resourceVersion: undefined,
      labels: { ...m.labels, 'runyard.dev/run-id': runId, 'job-name': name },
      annotations: { ...m.annotations, 'runyard.dev/run-id': runId },
    });
    const template = { ...job.spec.template, spec: { ...job.spec.template.spec, serviceAccountName: 'bench-none' } };
    kube.store.create('jobs', { ...job, metadata: meta(job.metadata), spec: { ...job.spec, template } });
    kube.store.create('pods', { ...pod, metadata: meta(pod.metadata) });
    await runs.transition({ runId, type: 'RUN_STARTING' });
    await runs.updateRun(runId, { worker: { ...worker, externalId: name, runId, launchedAt: Date.now() } });
    await runs.transition({ runId, type: 'RUN_START' });
  }
  // The watch delivers 400 creations in a moment; monitoring starts once the informer has them all.
  await new Promise((r) => setTimeout(r, 2_000));
  const daemon = new MonitoringDaemon(instance);
  const ctx = { instance, daemonId: 'bench', signal: new AbortController().signal, log: () => {} };
  await daemon.runIteration(ctx);
  const count = () => [...kube.http.requests.values()].reduce((a, b) => a + b, 0);
  const before = count();
  const started = performance.now();
  for (let i = 0; i < 15; i++) {
    await daemon.runIteration(ctx);
    await new Promise((r) => setTimeout(r, daemon.intervalMs));
  }
  const minutes = (performance.now() - started) / 60_000;
  const made = count() - before;
  const still = (await runs.listRuns({ statuses: ['STARTED'] })).length;
  if (still < MONITORED_RUNS) {
    const failed = await runs.listRuns({ statuses: ['FAILURE'] });
    throw new Error(`only ${still} runs were still STARTED: ${failed.map((r) => r.statusReason).join('; ')}`);
  }
  await instance.terminateRun(real.runId, { graceMs: 0 });
  return made / minutes;
}

async function waitForEnd(instance, runId, wanted) {
  for (;;) {
    const run = await instance.storage.runs.getRun(runId);
    if (wanted.includes(run.status)) return run;
    if (['SUCCESS', 'FAILURE', 'CANCELED'].includes(run.status))
      throw new Error(`run ${runId} ended ${run.status}: ${run.statusReason ?? ''}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The fake API server is TypeScript in the test tree: bundled once per bench run, its packages left external. */
async function loadFakeKube() {
  const outfile = path.join(repo, '.bench-tmp', 'fake-kube.mjs');
  await build({
    entryPoints: [path.join(repo, 'packages/k8s/test/fake-kube/fake-kube.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile,
    logLevel: 'error',
  });
  return import(pathToFileURL(outfile).href);
}
