// migrateLegacyKubeconfig (load.ts) on real files: client-go's Migrate(), copied whole or not at
// all, never over a file that exists, never touching a file it did not create.
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileSystem } from '../../src/deps.js';
import { migrateLegacyKubeconfig } from '../../src/kubeconfig/load.js';
import { tempDir } from '../support/mount.js';

const LEGACY = 'apiVersion: v1\nkind: Config\ncurrent-context: prod\n';

function home(): { dir: string; kube: string } {
  const dir = tempDir();
  const kube = join(dir, '.kube');
  mkdirSync(kube);
  writeFileSync(join(kube, '.kubeconfig'), LEGACY, { mode: 0o640 });
  return { dir, kube };
}

const deps = (dir: string, fs: FileSystem = fsp) => ({ fs, homeDir: dir, cwd: dir, pid: 4242 });

describe('migrateLegacyKubeconfig', () => {
  it('copies ~/.kube/.kubeconfig to a missing ~/.kube/config with its mode & 0666, and leaves no temp file', async () => {
    const { dir, kube } = home();
    await migrateLegacyKubeconfig(deps(dir));
    expect(readFileSync(join(kube, 'config'), 'utf8')).toBe(LEGACY);
    expect(statSync(join(kube, 'config')).mode & 0o777).toBe(0o640 & ~process.umask());
    expect(readdirSync(kube).sort()).toEqual(['.kubeconfig', 'config']);
  });

  it('never replaces an existing ~/.kube/config', async () => {
    const { dir, kube } = home();
    writeFileSync(join(kube, 'config'), 'mine\n');
    await migrateLegacyKubeconfig(deps(dir));
    expect(readFileSync(join(kube, 'config'), 'utf8')).toBe('mine\n');
  });

  it('never deletes a temp file it did not create (was: unlinked its temp name even when its open failed)', async () => {
    const { dir, kube } = home();
    const unlinked: string[] = [];
    const taken: FileSystem = {
      ...fsp,
      open: (path, flags, mode) => (String(path).endsWith('.tmp') ? Promise.reject(Object.assign(new Error('file already exists'), { code: 'EEXIST' })) : fsp.open(path, flags, mode)),
      unlink: (path) => {
        unlinked.push(String(path));
        return fsp.unlink(path);
      },
    };
    await migrateLegacyKubeconfig(deps(dir, taken));
    expect(unlinked).toEqual([]);
    expect(readdirSync(kube)).toEqual(['.kubeconfig']);
  });

  it('names its temp file as the writer does, so a killed run leaves one the next write recovers', async () => {
    const { dir, kube } = home();
    const opened: string[] = [];
    const recording: FileSystem = { ...fsp, open: (path, flags, mode) => (opened.push(String(path)), fsp.open(path, flags, mode)) };
    await migrateLegacyKubeconfig(deps(dir, recording));
    expect(opened.map((path) => path.slice(kube.length + 1))).toEqual([expect.stringMatching(/^\.config\.4242\.[0-9a-f]{12}\.tmp$/)]);
  });

  it('writes in place, still never over a file, where the file system has no hard links', async () => {
    const { dir, kube } = home();
    const noLinks: FileSystem = { ...fsp, link: () => Promise.reject(Object.assign(new Error('operation not permitted'), { code: 'EPERM' })) };
    await migrateLegacyKubeconfig(deps(dir, noLinks));
    expect(readFileSync(join(kube, 'config'), 'utf8')).toBe(LEGACY);
    expect(readdirSync(kube).sort()).toEqual(['.kubeconfig', 'config']);
  });

  it('fails with a hint when ~/.kube cannot be written, as kubectl fails', async () => {
    const { dir, kube } = home();
    const readOnly: FileSystem = { ...fsp, open: (path, flags, mode) => (String(path).startsWith(kube) && flags === 'wx' ? Promise.reject(Object.assign(new Error('permission denied'), { code: 'EACCES' })) : fsp.open(path, flags, mode)) };
    await expect(migrateLegacyKubeconfig(deps(dir, readOnly))).rejects.toMatchObject({
      code: 'ERR_KUBECONFIG_UNWRITABLE',
      message: expect.stringMatching(/^cannot migrate \S+\.kubeconfig to \S+config: permission denied/),
      hint: expect.stringMatching(/^kubectl fails the same way/),
    });
    expect(readdirSync(kube)).toEqual(['.kubeconfig']);
  });

  it('refuses a legacy path that is a directory, as client-go does', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.kube', '.kubeconfig'), { recursive: true });
    await expect(migrateLegacyKubeconfig(deps(dir))).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_UNREADABLE', message: expect.stringMatching(/because it is a directory$/) });
  });

  it('fails, as every kubectl command fails, when ~/.kube is a file (stat of ~/.kube/config: not a directory)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.kube'), 'not a directory\n');
    await expect(migrateLegacyKubeconfig(deps(dir))).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_UNREADABLE', message: `stat ${join(dir, '.kube', 'config')}: not a directory` });
    expect(readFileSync(join(dir, '.kube'), 'utf8')).toBe('not a directory\n');
  });

  it('does nothing without a legacy file', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.kube'));
    await migrateLegacyKubeconfig(deps(dir));
    expect(readdirSync(join(dir, '.kube'))).toEqual([]);
  });
});
