import { randomBytes } from 'node:crypto';
import { loadCodeLocation, type RunRecord } from 'runyard';
import { afterAll, beforeAll, expect, it } from 'vitest';
// PostgreSQL for this test comes from the postgres package's own test support: the same server
// recipe, so there is one way to start one in this repository.
import { findPostgres, type PostgresServer, startPostgresServer } from '../../postgres/test/support/postgres-server.js';
import { type DockerTestInstance, openDockerInstance, REPO } from './support/docker-instance.js';
import { type DockerEngine, describeWithDocker, startDockerEngine } from './support/dockerd.js';
import { waitForStatus } from './support/waits.js';

const JOBS = `${REPO}/packages/docker/test/fixtures/docker-jobs.ts`;
const URL_VAR = 'RUNYARD_DOCKER_TEST_DATABASE_URL';

describeWithDocker('DockerRunLauncher with PostgresStorage: the worker in its container rebuilds the instance', () => {
  let engine: DockerEngine;
  let postgres: PostgresServer;
  let setup: DockerTestInstance;

  beforeAll(async () => {
    const found = findPostgres();
    if (!found.available) throw new Error(`this test needs PostgreSQL as well as Docker: ${found.reason}`);
    [engine, postgres] = await Promise.all([startDockerEngine(), startPostgresServer(found.binDir)]);
    // The instance names its database by an env reference; the launcher passes that variable on.
    process.env[URL_VAR] = postgres.url;
    setup = await openDockerInstance(
      engine,
      // host: the container reaches PostgreSQL on the host's loopback (the engine has no bridge here).
      { network: 'host', passEnv: [URL_VAR] },
      {
        storage: {
          class: 'PostgresStorage',
          config: { url: { env: URL_VAR }, schema: `docker_${randomBytes(4).toString('hex')}` },
        },
      },
    );
  }, 120_000);

  afterAll(async () => {
    await setup?.dispose();
    await Promise.all([engine?.stop(), postgres?.stop()]);
    delete process.env[URL_VAR];
  });

  it('runs the job in a container that writes its events to PostgreSQL, with no secret in the handed-over config', async () => {
    const { instance } = setup;
    const location = await loadCodeLocation(JOBS);
    const submitted = await instance.submitJobRun({
      job: location.getJob('hello'),
      codeLocation: JOBS,
      source: 'test',
    });
    const run: RunRecord = await waitForStatus(instance, submitted.runId, ['SUCCESS', 'FAILURE']);
    expect(run.status, run.statusReason).toBe('SUCCESS');
    const events = await instance.storage.events.getEvents(run.runId);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['RUN_START', 'STEP_SUCCESS', 'RUN_SUCCESS']));
    expect((await instance.storage.info()).kind).toBe('PostgresStorage');
    // What the container was given names the variable; the URL itself travels only in its env.
    const serialized = instance.serialize();
    expect(serialized).toContain(URL_VAR);
    expect(serialized).not.toContain(postgres.password);
  });
});
