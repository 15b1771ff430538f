/**
 * Runyard's Docker run launcher: every run's worker in a container of its own.
 *
 *   import { Instance, loadCodeLocation, parseInstanceConfig } from 'runyard';
 *
 *   // Installing @runyard/docker is enough: the config names the launcher by class, as runyard.yaml
 *   // does (`runLauncher: { class: DockerRunLauncher, config: { image: … } }`).
 *   const instance = await Instance.open({
 *     home: '/srv/runyard',
 *     config: parseInstanceConfig({
 *       runLauncher: {
 *         class: 'DockerRunLauncher',
 *         config: { image: 'my-jobs:1', volumes: ['/srv/runyard:/srv/runyard'], allowRunOverrides: ['memory'] },
 *       },
 *     }),
 *   });
 *   const location = await loadCodeLocation('/app/jobs/index.ts'); // the same path inside the image
 *   const run = await instance.submitJobRun({
 *     job: location.getJob('train'),
 *     codeLocation: location.path,
 *     source: 'api',
 *     tags: { 'runyard/docker': '{"memory":"2g"}' },
 *   });
 *   console.log(run.worker); // { launcher: 'DockerRunLauncher', externalId: <container id>, … }
 *
 * In code, `new DockerRunLauncher({ image }, undefined, { docker })` takes an injected client.
 * dockerode is a peer dependency, imported the first time a launcher talks to the engine.
 */

export {
  type DockerApi,
  type DockerContainerHandle,
  type DockerContainerInspect,
  type DockerCreateOptions,
  demuxDockerLogs,
} from './docker-client.js';
export { LABELS as DOCKER_LABELS } from './docker-container-spec.js';
export { DockerRunLauncher, type DockerRunLauncherOptions } from './docker-run-launcher.js';
export {
  type DockerMount,
  type DockerRunLauncherConfig,
  dockerRunLauncherConfigSchema,
  OVERRIDABLE_KEYS,
  type OverridableKey,
  parseMemory,
  type ResolvedDockerRunLauncherConfig,
} from './docker-run-launcher-config.js';
export { DOCKER_RUN_TAG, type DockerRunOverrides, parseRunOverrides } from './docker-run-overrides.js';
export type { DockerWorkerRef } from './docker-worker-state.js';
