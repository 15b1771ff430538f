import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findInstanceHome } from './find-instance-home.js';

describe('findInstanceHome', () => {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'runyard-find-home-')));
  const project = path.join(root, 'project');
  const deep = path.join(project, 'src', 'jobs');
  mkdirSync(deep, { recursive: true });

  it('takes --home, then RUNYARD_HOME', () => {
    expect(findInstanceHome({ flag: 'h', env: { RUNYARD_HOME: '/x' }, cwd: root })).toMatchObject({
      home: path.join(root, 'h'),
      source: 'flag',
    });
    expect(findInstanceHome({ env: { RUNYARD_HOME: '/x' }, cwd: root })).toEqual({
      home: '/x',
      reason: 'set by RUNYARD_HOME',
      source: 'env',
    });
  });

  it('defaults to ./.runyard when nothing is found, and says so', () => {
    const lonely = mkdtempSync(path.join(tmpdir(), 'runyard-lonely-'));
    const found = findInstanceHome({ env: {}, cwd: lonely });
    // A .runyard above the temp directory (in / or /tmp) would be found, as git would find one.
    if (found.source === 'default') expect(found.home).toBe(path.join(lonely, '.runyard'));
    expect(found.reason).not.toBe('');
  });

  it('finds the nearest .runyard walking up, as git finds .git', () => {
    mkdirSync(path.join(project, '.runyard'), { recursive: true });
    expect(findInstanceHome({ env: {}, cwd: deep })).toEqual({
      home: path.join(project, '.runyard'),
      reason: `nearest .runyard directory, found from ${deep}`,
      source: 'home-dir',
    });
  });

  it('a runyard.yaml makes its directory the home, and wins over .runyard beside it', () => {
    writeFileSync(path.join(project, 'runyard.yaml'), '');
    expect(findInstanceHome({ env: {}, cwd: deep })).toMatchObject({ home: project, source: 'config-file' });
  });
});
