import { S3 } from '@aws-sdk/client-s3';
import { ioManagerConformance } from '@runyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3IOManager } from '../src/index.js';
import { type MotoServer, startMoto } from './ecs-agent/moto-server.js';

const BUCKET = 'runyard-outputs';

async function startS3(): Promise<MotoServer> {
  const moto = await startMoto();
  Object.assign(process.env, moto.env);
  await new S3({ forcePathStyle: true }).createBucket({ Bucket: BUCKET });
  return moto;
}

// The same suite as the file-system IO manager (packages/testing/src/io-manager-conformance.test.ts), on moto's S3.
ioManagerConformance('S3IOManager', async () => {
  const moto = await startS3();
  const config = { bucket: BUCKET, prefix: 'tests/outputs', forcePathStyle: true };
  const io = new S3IOManager(config);
  return {
    io,
    reopen: () => new S3IOManager(io.toChildConfig().config),
    cleanup: () => moto.stop(),
  };
});

describe('S3IOManager', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startS3();
  });
  afterAll(() => moto?.stop());

  it('keeps each output at <prefix>/<runId>/<stepKey>.json, and says where it looked for a missing one', async () => {
    const io = new S3IOManager({ bucket: BUCKET, prefix: 'p', forcePathStyle: true });
    await io.storeOutput({ runId: 'r1', stepKey: 'a' }, { x: 1 });
    const object = await new S3({ forcePathStyle: true }).getObject({ Bucket: BUCKET, Key: 'p/r1/a.json' });
    expect(JSON.parse(await object.Body!.transformToString())).toEqual({ format: 1, value: { x: 1 } });
    await expect(io.loadOutput({ runId: 'r1', stepKey: 'b' })).rejects.toThrow(
      `(looked for s3://${BUCKET}/p/r1/b.json)`,
    );
    expect(io.toChildConfig()).toEqual({
      module: '@runyard/aws',
      class: 'S3IOManager',
      config: { bucket: BUCKET, prefix: 'p', forcePathStyle: true },
    });
  });

  it('refuses a config without a bucket, naming the key', () => {
    expect(() => new S3IOManager({ prefix: 'x/' } as never)).toThrow(
      /invalid S3IOManager config: bucket: .*prefix: must not start or end with '\/'/,
    );
  });
});
