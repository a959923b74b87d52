import { chmodSync, chownSync, existsSync, lchownSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildServiceAccountEntries } from '../../src/kubeconfig/entry.js';
import { parseKubeconfig, stringifyKubeconfig } from '../../src/kubeconfig/codec.js';
import { emitKubeconfig } from '../../src/kubeconfig/emitter.js';
import { checkWriteDestination, writeServiceAccountEntries, type StoreDeps } from '../../src/kubeconfig/store.js';
import { acquireLock } from '../../src/kubeconfig/lock.js';
import { tempFilePrefix } from '../../src/kubeconfig/nonce.js';
import { tempDir } from '../support/mount.js';
import { storeDeps, tokenEntries } from '../support/store-fixtures.js';

const deps = (dir: string, env: Record<string, string> = {}, extra: Partial<StoreDeps> = {}): StoreDeps => storeDeps(dir, { env, ...extra });

const entriesFor = tokenEntries;

const read = (path: string) => parseKubeconfig(readFileSync(path, 'utf8'), path);

describe('writeServiceAccountEntries', () => {
  // The file is codec.ts's stringifyKubeconfig of what it holds, whether emitter.ts wrote it alone
  // or js-yaml had to (a number, a string YAML would read as a boolean).
  it.each([
    ['emitter.ts alone', 'clusters: []\n'],
    ['the js-yaml fallback', 'x-top-level: {a: [1, 2], b: "yes"}\nclusters: []\n'],
  ])('writes the text stringifyKubeconfig gives (%s)', async (_how, seed) => {
    const dir = tempDir();
    const file = join(dir, 'config');
    writeFileSync(file, seed, { mode: 0o600 });
    await writeServiceAccountEntries(deps(dir), { explicitPath: file, entries: entriesFor('a'), setCurrent: true });
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(stringifyKubeconfig(read(file)));
    expect(emitKubeconfig(read(file)) === undefined).toBe(seed.includes('yes'));
  });

  it('creates ~/.kube (0700) and config (0600) when nothing exists, and sets current-context', async () => {
    const dir = tempDir();
    const result = await writeServiceAccountEntries(deps(dir), { entries: entriesFor('a'), setCurrent: true });
    const file = join(dir, 'home', '.kube', 'config');
    expect(result.kubeconfig).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'home', '.kube')).mode & 0o777).toBe(0o700);
    expect(read(file)['current-context']).toBe('x-a');
    expect(result.currentContext).toBe('x-a');
  });

  it('keeps the mode of an existing file when our entries hold no credential inline', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    writeFileSync(file, 'clusters: []\n');
    chmodSync(file, 0o640);
    const byReference = buildServiceAccountEntries({
      names: { cluster: 'c', user: 'u', context: 'x' },
      server: 'https://k:6443',
      namespace: 'ns',
      ca: { kind: 'file', path: '/sa/ca.crt' },
      credential: { kind: 'tokenFile', path: '/sa/token' },
    });
    const result = await writeServiceAccountEntries(deps(dir), { explicitPath: file, entries: byReference, setCurrent: false });
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(result.tightened).toEqual([]);
  });

  it('takes group and other permissions away from an existing file that now holds a token', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    writeFileSync(file, 'clusters: []\n');
    chmodSync(file, 0o644);
    const result = await writeServiceAccountEntries(deps(dir), { explicitPath: file, entries: entriesFor('a'), setCurrent: false });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(result.tightened).toEqual([{ file, from: 0o644, to: 0o600 }]);
  });

  it('writes through a symlinked kubeconfig and leaves the link a link', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'config'), 'current-context: keep\n');
    symlinkSync(join(dir, 'real', 'config'), join(dir, 'link'));
    await writeServiceAccountEntries(deps(dir), { explicitPath: join(dir, 'link'), entries: entriesFor('a'), setCurrent: false });
    expect(lstatSync(join(dir, 'link')).isSymbolicLink()).toBe(true);
    expect(read(join(dir, 'real', 'config')).contexts?.map((c) => c.name)).toEqual(['x-a']);
  });

  it('replaces a hard-linked kubeconfig with a new file, never writing through the link', async () => {
    // In place, a writer could be made to write through a name swapped for a link to another
    // file, and writers through different names take different locks: so the rename, as always.
    const dir = tempDir();
    writeFileSync(join(dir, 'config'), 'current-context: keep\n', { mode: 0o600 });
    linkSync(join(dir, 'config'), join(dir, 'other-name'));
    const inode = statSync(join(dir, 'config')).ino;
    await writeServiceAccountEntries(deps(dir), { explicitPath: join(dir, 'config'), entries: entriesFor('a'), setCurrent: false });
    expect(statSync(join(dir, 'config')).ino).not.toBe(inode);
    expect(read(join(dir, 'config')).contexts?.map((c) => c.name)).toEqual(['x-a']);
    expect(readFileSync(join(dir, 'other-name'), 'utf8')).toBe('current-context: keep\n');
  });

  const ebusyOnto = (file: string) => {
    const renames: string[] = [];
    const fs = {
      ...fsp,
      rename: async (from: string, to: string) => {
        renames.push(to);
        if (to === file) throw Object.assign(new Error(`EBUSY: resource busy or locked, rename '${from}' -> '${to}'`), { code: 'EBUSY' });
        return fsp.rename(from, to);
      },
    } as unknown as StoreDeps['fs'];
    return { fs, renames };
  };

  it('writes in place when rename reports EBUSY (a single-file bind mount), shorter text included', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    const long = `current-context: keep\nusers:\n- name: u-a\n  user:\n    token: ${'p'.repeat(4000)}\n`;
    writeFileSync(file, long, { mode: 0o600 });
    const inode = statSync(file).ino;
    const { fs, renames } = ebusyOnto(file);
    // The long token is replaced: the new text is shorter than the old, and nothing of the old may remain.
    const result = await writeServiceAccountEntries(deps(dir, {}, { fs }), { explicitPath: file, entries: entriesFor('a'), setCurrent: true });
    expect(renames).toEqual([file]);
    expect(result.currentContext).toBe('x-a');
    expect(statSync(file).ino).toBe(inode);
    const text = readFileSync(file, 'utf8');
    expect(text.length).toBeLessThan(long.length);
    expect(parseKubeconfig(text, file)).toMatchObject({ 'current-context': 'x-a', users: [{ name: 'u-a', user: { token: 'token-a-0123456789' } }] });
    expect(text).toBe(stringifyKubeconfig(parseKubeconfig(text, file)));
    expect(readdirSync(dir)).toEqual(['config']);
  });

  it('writes a mount point in place without fchmod when the mode stays (a file owned by another uid, writable by its mode)', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    writeFileSync(file, 'current-context: keep\n', { mode: 0o600 });
    const { fs } = ebusyOnto(file);
    // fchmod needs the file's owner (EPERM otherwise); kubectl, which never chmods, works there.
    const notOwner = {
      ...fs,
      open: async (path: string, flags: string | number, mode?: number) => {
        const handle = await fsp.open(path, flags, mode);
        if (path !== file) return handle;
        return Object.assign(Object.create(handle) as object, {
          chmod: () => Promise.reject(Object.assign(new Error('EPERM: operation not permitted, fchmod'), { code: 'EPERM' })),
        });
      },
    } as unknown as StoreDeps['fs'];
    await writeServiceAccountEntries(deps(dir, {}, { fs: notOwner }), { explicitPath: file, entries: entriesFor('a'), setCurrent: true });
    expect(read(file)['current-context']).toBe('x-a');
  });

  it('refuses to write a token in place into a mount point others can read (an open reader would see it), file unchanged', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    writeFileSync(file, 'current-context: keep\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    await expect(writeServiceAccountEntries(deps(dir, {}, ebusyOnto(file)), { explicitPath: file, entries: entriesFor('a'), setCurrent: true })).rejects.toMatchObject({
      code: 'ERR_KUBECONFIG_UNWRITABLE',
      message: expect.stringMatching(/in place: it is a mount point .* that others may read, and it would hold a token/),
    });
    expect(readFileSync(file, 'utf8')).toBe('current-context: keep\n');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(['config']);
  });

  it('refuses to write in place through a name swapped for a symlink after the read (no write through the link)', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    const victim = join(dir, 'victim.yaml');
    writeFileSync(file, 'current-context: keep\n', { mode: 0o600 });
    writeFileSync(victim, 'server:\n  port: 8080\n', { mode: 0o600 });
    const { fs } = ebusyOnto(file);
    // Between the read and the write, the name becomes a link to another file.
    const swapping = {
      ...fs,
      open: async (path: string, flags: string | number, mode?: number) => {
        if (path === file && typeof flags === 'number') {
          await fsp.unlink(file);
          await fsp.symlink(victim, file);
        }
        return fsp.open(path, flags, mode);
      },
    } as unknown as StoreDeps['fs'];
    await expect(writeServiceAccountEntries(deps(dir, {}, { fs: swapping }), { explicitPath: file, entries: entriesFor('a'), setCurrent: true })).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_UNWRITABLE' });
    expect(readFileSync(victim, 'utf8')).toBe('server:\n  port: 8080\n');
  });

  describe('in a shared directory (world-writable, sticky, as /tmp)', () => {
    const shared = () => {
      const dir = tempDir();
      const tmp = join(dir, 'tmp');
      mkdirSync(tmp);
      chmodSync(tmp, 0o1777);
      return { dir, tmp };
    };
    const other = 4242; // another user: owns neither us (deps.uid 0 here) nor the directory (root)

    // chown to another user needs root (CI runs as root).
    const asRoot = it.skipIf(process.getuid?.() !== 0);

    asRoot('refuses to follow a symlink another user planted there (protected_symlinks)', async () => {
      const { dir, tmp } = shared();
      const victim = join(dir, 'app.yaml');
      writeFileSync(victim, 'server:\n  port: 8080\n');
      symlinkSync(victim, join(tmp, 'ci.kubeconfig'));
      lchownSync(join(tmp, 'ci.kubeconfig'), other, other);
      await expect(writeServiceAccountEntries(deps(dir, {}, { uid: 0 }), { explicitPath: join(tmp, 'ci.kubeconfig'), entries: entriesFor('a'), setCurrent: true })).rejects.toMatchObject({
        code: 'ERR_KUBECONFIG_UNWRITABLE',
        message: expect.stringMatching(/is a symlink owned by uid 4242 in the shared directory .* so another user controls it/),
      });
      expect(readFileSync(victim, 'utf8')).toBe('server:\n  port: 8080\n');
    });

    asRoot('refuses to write a token into a file another user created there (protected_regular)', async () => {
      const { dir, tmp } = shared();
      const file = join(tmp, 'ci.kubeconfig');
      writeFileSync(file, '', { mode: 0o666 });
      chownSync(file, other, other);
      await expect(writeServiceAccountEntries(deps(dir, {}, { uid: 0 }), { explicitPath: file, entries: entriesFor('a'), setCurrent: true })).rejects.toMatchObject({
        message: expect.stringMatching(/is a file owned by uid 4242 in the shared directory/),
      });
      expect(readFileSync(file, 'utf8')).toBe('');
    });

    asRoot('refuses a file another user created there while we waited for the lock they held', async () => {
      const { dir, tmp } = shared();
      const file = join(tmp, 'ci.kubeconfig');
      writeFileSync(`${file}.lock`, ''); // fresh and empty, as kubectl's: waited for, not broken
      lchownSync(`${file}.lock`, other, other);
      let planted = false;
      const sleep = async () => {
        if (!planted) {
          planted = true;
          writeFileSync(file, 'apiVersion: v1\nkind: Config\n', { mode: 0o600 });
          chownSync(file, other, other);
          await fsp.unlink(`${file}.lock`);
        }
      };
      await expect(writeServiceAccountEntries(deps(dir, {}, { uid: 0, sleep }), { explicitPath: file, entries: entriesFor('a'), setCurrent: true })).rejects.toMatchObject({
        message: expect.stringMatching(/is a file owned by uid 4242 in the shared directory/),
      });
      expect(planted).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe('apiVersion: v1\nkind: Config\n');
    });

    asRoot('checkWriteDestination (from-*, before kubectl) applies the same rule', async () => {
      const { dir, tmp } = shared();
      const file = join(tmp, 'ci2.kubeconfig');
      writeFileSync(file, 'apiVersion: v1\nkind: Config\n');
      chownSync(file, other, other);
      await expect(checkWriteDestination(deps(dir, {}, { uid: 0 }), file)).rejects.toMatchObject({ message: expect.stringMatching(/owned by uid 4242 in the shared directory/) });
    });

    it('writes our own file there, and the directory owner\'s', async () => {
      const { dir, tmp } = shared();
      await writeServiceAccountEntries(deps(dir, {}, { uid: 0 }), { explicitPath: join(tmp, 'ours.kubeconfig'), entries: entriesFor('a'), setCurrent: true });
      await writeServiceAccountEntries(deps(dir, {}, { uid: 0 }), { explicitPath: join(tmp, 'ours.kubeconfig'), entries: entriesFor('b'), setCurrent: true });
      expect(read(join(tmp, 'ours.kubeconfig')).contexts?.map((c) => c.name)).toEqual(['x-a', 'x-b']);
    });
  });

  it('does not rename into a directory swapped for another while the file was written', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'kube'));
    mkdirSync(join(dir, 'root-kube'));
    writeFileSync(join(dir, 'root-kube', 'config'), 'current-context: root\n');
    const swapping = {
      ...fsp,
      open: async (path: string, flags: string | number, mode?: number) => {
        const handle = await fsp.open(path, flags, mode);
        if (flags === 'wx' && path.endsWith('.tmp')) {
          // The temp file is open in kube/; now kube becomes a link to root-kube.
          await fsp.rename(join(dir, 'kube'), join(dir, 'kube.old'));
          await fsp.symlink(join(dir, 'root-kube'), join(dir, 'kube'));
        }
        return handle;
      },
    } as unknown as StoreDeps['fs'];
    await expect(writeServiceAccountEntries(deps(dir, {}, { fs: swapping }), { explicitPath: join(dir, 'kube', 'config'), entries: entriesFor('a'), setCurrent: true })).rejects.toMatchObject({
      message: expect.stringMatching(/its directory was replaced while it was being written/),
    });
    expect(readFileSync(join(dir, 'root-kube', 'config'), 'utf8')).toBe('current-context: root\n');
  });

  it('waits out a lock that is a FIFO (planted) up to the timeout, never reading it', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    execFileSync('mkfifo', [`${file}.lock`]);
    await expect(writeServiceAccountEntries(deps(dir), { explicitPath: file, entries: entriesFor('a'), setCurrent: true, lockTimeoutMs: 300 })).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_LOCKED' });
    expect(existsSync(file)).toBe(false);
  });

  it('does not read a stale-looking lock that is swapped for a FIFO while it is rechecked', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    writeFileSync(`${file}.lock`, '');
    utimesSync(`${file}.lock`, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    let swapped = false;
    const sleep = async (ms: number) => {
      // The 100 ms recheck of a stale lock: the lock becomes a FIFO meanwhile.
      if (ms === 100 && !swapped) {
        swapped = true;
        await fsp.unlink(`${file}.lock`);
        execFileSync('mkfifo', [`${file}.lock`]);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20)));
    };
    await expect(writeServiceAccountEntries(deps(dir, {}, { sleep }), { explicitPath: file, entries: entriesFor('a'), setCurrent: true, lockTimeoutMs: 300 })).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_LOCKED' });
    expect(swapped).toBe(true);
  });

  it('never overwrites a malformed kubeconfig, byte for byte', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    const original = 'clusters:\n- name: a\n  cluster: {server: 1}\n# my notes\n';
    writeFileSync(file, original);
    await expect(writeServiceAccountEntries(deps(dir), { explicitPath: file, entries: entriesFor('a'), setCurrent: true })).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_MALFORMED' });
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect(readdirSync(dir)).toEqual(['config']);
  });

  it('changes an existing entry in the file that defines it, and adds new ones to the first existing file', async () => {
    const dir = tempDir();
    const first = join(dir, 'first');
    const second = join(dir, 'second');
    writeFileSync(second, 'users:\n- name: u-a\n  user: {token: old-token-value}\n');
    const env = { KUBECONFIG: `${join(dir, 'missing')}:${second}:${first}` };
    const result = await writeServiceAccountEntries(deps(dir, env), { entries: entriesFor('a'), setCurrent: true });
    expect(existsSync(first)).toBe(false);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    expect(read(second).users?.[0]?.user?.token).toBe('token-a-0123456789');
    expect(read(second).contexts?.map((c) => c.name)).toEqual(['x-a']);
    expect(result.files).toEqual([second]);
  });

  it('names the file of every change when a chain spreads the stanzas over files', async () => {
    const dir = tempDir();
    const [a, b] = [join(dir, 'a'), join(dir, 'b')];
    writeFileSync(a, 'clusters:\n- name: c-a\n  cluster: {server: https://old}\n');
    writeFileSync(b, 'users:\n- name: u-a\n  user: {token: old-token-value}\n');
    const result = await writeServiceAccountEntries(deps(dir, { KUBECONFIG: `${a}:${b}` }), { entries: entriesFor('a'), setCurrent: true });
    expect(result.files).toEqual([a, b]);
    expect(result.kubeconfig).toBe(a);
    expect(result.changes.map((change) => `${change.stanza} ${change.kind} ${change.file}`).sort()).toEqual(
      [`cluster updated ${a}`, `context created ${a}`, `current-context created ${a}`, `user updated ${b}`].sort(),
    );
  });

  it.each([
    ['the single KUBECONFIG entry', (dir: string) => `${join(dir, 'nd')}/`],
    ['the chain entry a new stanza would go to', (dir: string) => `${join(dir, 'other')}:${join(dir, 'nd')}/`],
  ])('refuses to write %s when it ends in "/", and writes nothing', async (_name, chain) => {
    const dir = tempDir();
    await expect(writeServiceAccountEntries(deps(dir, { KUBECONFIG: chain(dir) }), { entries: entriesFor('a'), setCurrent: true })).rejects.toThrow(/ends in "\/", so it names a directory/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    ['ends in "/."', (dir: string) => `${join(dir, 'nd')}/.`],
    ['ends in "/.."', (dir: string) => `${join(dir, 'cfg')}/x/..`],
  ])('refuses to write a KUBECONFIG entry that %s, and writes nothing', async (_name, chain) => {
    const dir = tempDir();
    await expect(writeServiceAccountEntries(deps(dir, { KUBECONFIG: chain(dir) }), { entries: entriesFor('a'), setCurrent: true })).rejects.toThrow(/so it names a directory/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writes a path that goes up (..) where the kernel resolves it, through a symlinked directory, and locks it there', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'real', 'x'), { recursive: true });
    symlinkSync('real/x', join(dir, 'sub'));
    const result = await writeServiceAccountEntries(deps(dir), { explicitPath: `${dir}/sub/../config`, entries: entriesFor('a'), setCurrent: true });
    expect(result.kubeconfig).toBe(`${dir}/sub/../config`);
    expect(read(join(dir, 'real', 'config'))['current-context']).toBe('x-a');
    expect(readdirSync(dir).sort()).toEqual(['real', 'sub']);
    // A lock kubectl holds on the same file (its name as kubectl opens it) is waited for.
    const held = await acquireLock(deps(dir), `${dir}/sub/../config`, 1000);
    await expect(writeServiceAccountEntries(deps(dir), { explicitPath: join(dir, 'real', 'config'), entries: entriesFor('b'), setCurrent: true, lockTimeoutMs: 300 })).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_LOCKED' });
    await held.release();
  });

  it('creates the directories after the last .. when they are missing, as kubectl does', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'real', 'x'), { recursive: true });
    symlinkSync('real/x', join(dir, 'sub'));
    await writeServiceAccountEntries(deps(dir), { explicitPath: `${dir}/sub/../new/dir/config`, entries: entriesFor('a'), setCurrent: true });
    expect(read(join(dir, 'real', 'new', 'dir', 'config'))['current-context']).toBe('x-a');
  });

  it('checks a chain entry that is only read and goes up (..) from a missing directory as kubectl reads it: skipped', async () => {
    const dir = tempDir();
    const chain = `${dir}/missing/../x:${join(dir, 'real')}`;
    writeFileSync(join(dir, 'real'), 'current-context: ""\n');
    await expect(checkWriteDestination(deps(dir, { KUBECONFIG: chain }), undefined)).resolves.toBeUndefined();
    await writeServiceAccountEntries(deps(dir, { KUBECONFIG: chain }), { entries: entriesFor('a'), setCurrent: true });
    expect(read(join(dir, 'real'))['current-context']).toBe('x-a');
  });

  it('refuses a path that goes up (..) from a directory that does not exist, as kubectl cannot write it, and creates nothing', async () => {
    const dir = tempDir();
    await expect(writeServiceAccountEntries(deps(dir), { explicitPath: `${dir}/nodir/../config`, entries: entriesFor('a'), setCurrent: true })).rejects.toThrow(
      new RegExp(`^cannot write kubeconfig ${dir}/nodir/\\.\\./config: ${dir}/nodir/\\.\\.: no such file or directory$`),
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('loses nothing when 30 writers run at once', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    const names = Array.from({ length: 30 }, (_, i) => `w${i}`);
    await Promise.all(names.map((name) => writeServiceAccountEntries(deps(dir), { explicitPath: file, entries: entriesFor(name), setCurrent: false })));
    expect(read(file).contexts?.map((c) => c.name).sort()).toEqual(names.map((n) => `x-${n}`).sort());
    expect(readdirSync(dir)).toEqual(['config']);
  });

  it('recovers a lock left by a process that is gone', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 999999, host: 'test-host' }));
    await writeServiceAccountEntries(deps(dir, {}, { processAlive: (pid) => pid !== 999999 }), { explicitPath: file, entries: entriesFor('a'), setCurrent: false });
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect(read(file).contexts).toHaveLength(1);
  });

  it('recovers an old empty lock such as a crashed kubectl leaves', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    writeFileSync(`${file}.lock`, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    await writeServiceAccountEntries(deps(dir), { explicitPath: file, entries: entriesFor('a'), setCurrent: false });
    expect(read(file).contexts).toHaveLength(1);
  });

  it('waits for a live lock and gives up after the timeout with ERR_KUBECONFIG_LOCKED, file untouched', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    writeFileSync(file, 'current-context: a\n');
    writeFileSync(`${file}.lock`, '');
    await expect(writeServiceAccountEntries(deps(dir), { explicitPath: file, entries: entriesFor('a'), setCurrent: true, lockTimeoutMs: 200 })).rejects.toMatchObject({
      code: 'ERR_KUBECONFIG_LOCKED',
    });
    expect(readFileSync(file, 'utf8')).toBe('current-context: a\n');
  });

  it('releasing a lock that was broken and re-taken by another writer leaves the new lock alone', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    const held = await acquireLock(deps(dir), file);
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 1, host: 'other-host' }));
    await held.release();
    expect(readFileSync(`${file}.lock`, 'utf8')).toContain('other-host');
  });

  it('proceeds as soon as a live lock is released', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    const held = await acquireLock(deps(dir), file);
    const writing = writeServiceAccountEntries(deps(dir), { explicitPath: file, entries: entriesFor('a'), setCurrent: false, lockTimeoutMs: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(file)).toBe(false);
    await held.release();
    await writing;
    expect(read(file).contexts).toHaveLength(1);
  });

  it('reports a destination below a plain file as unwritable, touching nothing (works as root too)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    await expect(writeServiceAccountEntries(deps(dir), { explicitPath: join(dir, 'not-a-dir', 'config'), entries: entriesFor('a'), setCurrent: false })).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_UNWRITABLE' });
    expect(readFileSync(join(dir, 'not-a-dir'), 'utf8')).toBe('x');
  });

  it('does not blame the directory for a write that fails for another reason (here the temp file cannot be created: ENAMETOOLONG)', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    const failing = {
      ...fsp,
      open: (path: string, flags: string | number, mode?: number) =>
        flags === 'wx' && path.endsWith('.tmp') ? Promise.reject(Object.assign(new Error(`ENAMETOOLONG: name too long, open '${path}'`), { code: 'ENAMETOOLONG' })) : fsp.open(path, flags, mode),
    } as unknown as StoreDeps['fs'];
    const error: unknown = await writeServiceAccountEntries(deps(dir, {}, { fs: failing }), { explicitPath: file, entries: entriesFor('a'), setCurrent: true }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ERR_KUBECONFIG_UNWRITABLE', message: expect.stringMatching(/name too long|ENAMETOOLONG/i) });
    // It said "no directory can be made there (for kubectl too)": the directory exists and is writable.
    expect((error as { hint?: string }).hint).not.toMatch(/no directory|for kubectl too/);
    expect(readdirSync(dir)).toEqual([]);
  });

  // kubectl writes in place: a name of up to 250 bytes (its .lock is 255) is writable to it. Our temp
  // name was ~40 bytes longer than the file's (ENAMETOOLONG from 215 bytes on); now its copy of the name is cut.
  it.each([['c'.repeat(240)], ['é'.repeat(125)]])('writes a kubeconfig whose name is near NAME_MAX (%s), as kubectl can', async (name) => {
    const dir = tempDir();
    const file = join(dir, name);
    await writeServiceAccountEntries(deps(dir), { explicitPath: file, entries: entriesFor('a'), setCurrent: true });
    expect(read(file).contexts?.map((context) => context.name)).toEqual(['x-a']);
    expect(readdirSync(dir)).toEqual([name]);
  });

  it('removes an abandoned temp file of a long-named kubeconfig, whose temp name holds the cut name', async () => {
    const dir = tempDir();
    const name = 'c'.repeat(240);
    const abandoned = `${tempFilePrefix(name)}4194000.0123456789ab.tmp`;
    expect(Buffer.byteLength(abandoned)).toBeLessThanOrEqual(255);
    writeFileSync(join(dir, abandoned), 'token: left behind\n', { mode: 0o600 });
    await writeServiceAccountEntries(deps(dir, {}, { processAlive: () => false }), { explicitPath: join(dir, name), entries: entriesFor('a'), setCurrent: true });
    expect(readdirSync(dir)).toEqual([name]);
  });
});
