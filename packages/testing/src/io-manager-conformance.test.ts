import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileSystemIOManager } from '../../runyard/src/engine/fs-io-manager.js';
import { ioManagerConformance } from './io-manager-conformance.js';

// The file-system IO manager, the default for every run; S3IOManager runs the same suite in @runyard/aws.
ioManagerConformance('FileSystemIOManager', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ry-io-'));
  const io = new FileSystemIOManager(dir);
  return {
    io,
    reopen: () => FileSystemIOManager.fromChildConfig(io.toChildConfig().config),
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
