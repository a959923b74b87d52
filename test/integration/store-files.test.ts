// What store.ts does to real files that store.test.ts does not pin down: the temp file's mode at
// creation, the owner kept, no rewrite when nothing changed, symlink targets (locked, resolved
// against the link's directory, chains, a missing directory), the shared-directory rule's
// exceptions, the mount-point (EBUSY) in-place path, a KUBECONFIG chain's bookkeeping and the
// errors for a directory as destination.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKubeconfig } from '../../src/kubeconfig/codec.js';
import { buildServiceAccountEntries } from '../../src/kubeconfig/entry.js';
import { acquireLock } from '../../src/kubeconfig/lock.js';
import { checkWriteDestination, writeServiceAccountEntries, type StoreDeps } from '../../src/kubeconfig/store.js';
import { tempDir } from '../support/mount.js';
import { storeDeps, tokenEntries } from '../support/store-fixtures.js';

const deps = storeDeps;

const withToken = tokenEntries;

// No credential inline: the file may stay readable by others.
const byReference = buildServiceAccountEntries({
  names: { cluster: 'c-r', user: 'u-r', context: 'x-r' },
  server: 'https://k:6443',
  namespace: 'ns',
  ca: { kind: 'file', path: '/sa/ca.crt' },
  credential: { kind: 'tokenFile', path: '/sa/token' },
});

const read = (path: string) => parseKubeconfig(readFileSync(path, 'utf8'), path);
const mode = (path: string) => statSync(path).mode & 0o7777;

/** An fs whose stat/lstat report other owners for some paths (no root needed to play another user). */
function ownedBy(owners: { readonly lstat?: Record<string, number>; readonly stat?: Record<string, number> }): StoreDeps['fs'] {
  return {
    ...fsp,
    lstat: async (path: string) => {
      const stat = await fsp.lstat(path);
      const uid = owners.lstat?.[path];
      return uid === undefined ? stat : Object.assign(stat, { uid });
    },
    stat: async (path: string) => {
      const stat = await fsp.stat(path);
      const uid = owners.stat?.[path];
      return uid === undefined ? stat : Object.assign(stat, { uid });
    },
  };
}

/** rename onto `file` fails with EBUSY, as onto a single-file bind mount. */
function ebusyOnto(file: string, base: StoreDeps['fs'] = fsp): StoreDeps['fs'] {
  return {
    ...base,
    rename: async (from: string, to: string) => {
      if (to === file) throw Object.assign(new Error(`EBUSY: resource busy or locked, rename '${from}' -> '${to}'`), { code: 'EBUSY' });
      return fsp.rename(from, to);
    },
  };
}

describe('the temp file a kubeconfig is written through', () => {
  it('is 0600 from the moment it is created, before the final chmod (it holds the token)', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    writeFileSync(file, 'clusters: []\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    const created: { requested?: number; actual: number }[] = [];
    const fs = {
      ...fsp,
      open: async (path: string, flags: string | number, requested?: number) => {
        const handle = await fsp.open(path, flags, requested);
        if (path.endsWith('.tmp')) created.push({ requested, actual: (await handle.stat()).mode & 0o777 });
        return handle;
      },
    } as unknown as StoreDeps['fs'];
    // An existing 0644 file with no credential inline stays 0644: chmod happens, but only after the write.
    await writeServiceAccountEntries(deps(dir, { fs }), { explicitPath: file, entries: byReference, setCurrent: true });
    expect(created).toHaveLength(1);
    expect(created[0]?.requested).toBe(0o600);
    expect((created[0]?.actual ?? 0) & 0o077).toBe(0);
    expect(mode(file)).toBe(0o644);
  });
});

describe('an existing file', () => {
  it.skipIf(process.getuid?.() !== 0)('keeps its owner when rewritten (as root: rename would hand it to root)', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    writeFileSync(file, 'clusters: []\n', { mode: 0o600 });
    chownSync(file, 1000, 1001);
    await writeServiceAccountEntries(deps(dir, { uid: 0 }), { explicitPath: file, entries: withToken('a'), setCurrent: true });
    expect(read(file).contexts?.map((c) => c.name)).toEqual(['x-a']);
    expect({ uid: statSync(file).uid, gid: statSync(file).gid }).toEqual({ uid: 1000, gid: 1001 });
  });

  it('is not rewritten when the same entries are written again (same inode, same mtime)', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    await writeServiceAccountEntries(deps(dir), { explicitPath: file, entries: withToken('a'), setCurrent: true });
    const before = statSync(file);
    const result = await writeServiceAccountEntries(deps(dir), { explicitPath: file, entries: withToken('a'), setCurrent: true });
    const after = statSync(file);
    expect(result.changes.every((change) => change.kind === 'unchanged')).toBe(true);
    expect({ ino: after.ino, mtimeMs: after.mtimeMs }).toEqual({ ino: before.ino, mtimeMs: before.mtimeMs });
  });

  it('is still written when only its mode must be tightened (same entries, now 0644)', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    await writeServiceAccountEntries(deps(dir), { explicitPath: file, entries: withToken('a'), setCurrent: true });
    chmodSync(file, 0o644);
    const result = await writeServiceAccountEntries(deps(dir), { explicitPath: file, entries: withToken('a'), setCurrent: true });
    expect(result.changes.every((change) => change.kind === 'unchanged')).toBe(true);
    expect(result.tightened).toEqual([{ file, from: 0o644, to: 0o600 }]);
    expect(mode(file)).toBe(0o600);
  });
});

describe('a symlinked kubeconfig', () => {
  it("also locks the target's name: a writer holding real/kc's lock blocks a write through the link", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'kc'), 'current-context: keep\n', { mode: 0o600 });
    symlinkSync(join(dir, 'real', 'kc'), join(dir, 'config'));
    const held = await acquireLock(deps(dir), join(dir, 'real', 'kc'));
    try {
      await expect(writeServiceAccountEntries(deps(dir), { explicitPath: join(dir, 'config'), entries: withToken('a'), setCurrent: true, lockTimeoutMs: 200 })).rejects.toMatchObject({
        code: 'ERR_KUBECONFIG_LOCKED',
      });
    } finally {
      await held.release();
    }
    expect(readFileSync(join(dir, 'real', 'kc'), 'utf8')).toBe('current-context: keep\n');
  });

  it("resolves a relative link against the link's directory, not the working directory", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'kube'));
    mkdirSync(join(dir, 'real'));
    mkdirSync(join(dir, 'elsewhere'));
    writeFileSync(join(dir, 'real', 'kc'), 'current-context: keep\n', { mode: 0o600 });
    symlinkSync('../real/kc', join(dir, 'kube', 'config'));
    await writeServiceAccountEntries(deps(join(dir, 'elsewhere')), { explicitPath: join(dir, 'kube', 'config'), entries: withToken('a'), setCurrent: false });
    expect(read(join(dir, 'real', 'kc')).contexts?.map((c) => c.name)).toEqual(['x-a']);
    expect(lstatSync(join(dir, 'kube', 'config')).isSymbolicLink()).toBe(true);
    expect(readdirSync(join(dir, 'elsewhere'))).toEqual([]);
  });

  it('follows a chain of three links to the file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'kc'), 'current-context: keep\n', { mode: 0o600 });
    symlinkSync(join(dir, 'kc'), join(dir, 'l3'));
    symlinkSync(join(dir, 'l3'), join(dir, 'l2'));
    symlinkSync(join(dir, 'l2'), join(dir, 'config'));
    await writeServiceAccountEntries(deps(dir), { explicitPath: join(dir, 'config'), entries: withToken('a'), setCurrent: false });
    expect(read(join(dir, 'kc')).contexts?.map((c) => c.name)).toEqual(['x-a']);
    expect(['config', 'l2', 'l3'].map((name) => lstatSync(join(dir, name)).isSymbolicLink())).toEqual([true, true, true]);
  });

  it('refuses a loop of links as too many levels, writing nothing', async () => {
    const dir = tempDir();
    symlinkSync(join(dir, 'b'), join(dir, 'a'));
    symlinkSync(join(dir, 'a'), join(dir, 'b'));
    await expect(writeServiceAccountEntries(deps(dir), { explicitPath: join(dir, 'a'), entries: withToken('a'), setCurrent: false })).rejects.toMatchObject({
      code: 'ERR_KUBECONFIG_UNWRITABLE',
      message: expect.stringMatching(/too many levels of symbolic links$/),
    });
    expect(readdirSync(dir).sort()).toEqual(['a', 'b']);
  });

  it("creates the target's missing directory (0700) for a link to missingdir/kc", async () => {
    const dir = tempDir();
    symlinkSync(join(dir, 'missingdir', 'kc'), join(dir, 'config'));
    await writeServiceAccountEntries(deps(dir), { explicitPath: join(dir, 'config'), entries: withToken('a'), setCurrent: true });
    expect(mode(join(dir, 'missingdir'))).toBe(0o700);
    expect(mode(join(dir, 'missingdir', 'kc'))).toBe(0o600);
    expect(read(join(dir, 'missingdir', 'kc'))['current-context']).toBe('x-a');
  });
});

describe('the shared-directory rule (world-writable and sticky, as /tmp)', () => {
  const setup = (dirMode: number) => {
    const dir = tempDir();
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, dirMode);
    const file = join(shared, 'kc');
    writeFileSync(file, 'clusters: []\n', { mode: 0o600 });
    return { dir, shared, file };
  };
  const me = process.getuid?.() ?? 0; // who really owns the files created here

  it('writes our own file in a shared directory another user owns', async () => {
    const { dir, shared, file } = setup(0o1777);
    const fs = ownedBy({ stat: { [shared]: 4243 } });
    await writeServiceAccountEntries(deps(dir, { fs, uid: me }), { explicitPath: file, entries: withToken('a'), setCurrent: true });
    expect(read(file)['current-context']).toBe('x-a');
  });

  it("writes the directory owner's file there (we are a third user)", async () => {
    const { dir, file } = setup(0o1777);
    await writeServiceAccountEntries(deps(dir, { uid: me + 4244 }), { explicitPath: file, entries: withToken('a'), setCurrent: true });
    expect(read(file)['current-context']).toBe('x-a');
  });

  it.each([
    ['writes another user\'s file in a world-writable directory that is not sticky', 0o777, undefined],
    ['refuses another user\'s file in the same directory once it is sticky', 0o1777, /is a file owned by uid 4242 in the shared directory/],
  ])('%s', async (_name, dirMode, refused) => {
    const { dir, file } = setup(dirMode);
    const fs = ownedBy({ lstat: { [file]: 4242 } });
    const writing = writeServiceAccountEntries(deps(dir, { fs, uid: me + 4244 }), { explicitPath: file, entries: withToken('a'), setCurrent: true });
    if (refused) {
      await expect(writing).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_UNWRITABLE', message: expect.stringMatching(refused) });
      expect(readFileSync(file, 'utf8')).toBe('clusters: []\n');
    } else {
      await writing;
      expect(read(file)['current-context']).toBe('x-a');
    }
  });
});

describe('a mount point (rename reports EBUSY), written in place', () => {
  it('writes a file others can read when the entries hold no credential inline', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    writeFileSync(file, 'current-context: keep\n');
    chmodSync(file, 0o644);
    const inode = statSync(file).ino;
    await writeServiceAccountEntries(deps(dir, { fs: ebusyOnto(file) }), { explicitPath: file, entries: byReference, setCurrent: true });
    expect(read(file)['current-context']).toBe('x-r');
    expect(statSync(file).ino).toBe(inode);
    expect(mode(file)).toBe(0o644);
  });

  it('refuses a name swapped for another regular file after the read, leaving that file alone', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    writeFileSync(file, 'current-context: keep\n', { mode: 0o600 });
    const swapping = {
      ...ebusyOnto(file),
      open: async (path: string, flags: string | number, requested?: number) => {
        if (path === file && typeof flags === 'number') {
          // The in-place open: meanwhile, another file (same file system, another inode) took the name.
          writeFileSync(join(dir, 'other'), 'current-context: other\n', { mode: 0o600 });
          renameSync(join(dir, 'other'), file);
        }
        return fsp.open(path, flags, requested);
      },
    } as unknown as StoreDeps['fs'];
    await expect(writeServiceAccountEntries(deps(dir, { fs: swapping }), { explicitPath: file, entries: withToken('a'), setCurrent: true })).rejects.toMatchObject({
      code: 'ERR_KUBECONFIG_UNWRITABLE',
      message: `cannot write kubeconfig ${file}: it changed while it was being written (another file is there now)`,
      hint: 'run again; if it persists, something is replacing the file',
    });
    expect(readFileSync(file, 'utf8')).toBe('current-context: other\n');
  });

  it('puts the mode decided at the read back when the file was made readable to others meanwhile', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    writeFileSync(file, 'current-context: keep\n', { mode: 0o600 });
    const loosening = {
      ...ebusyOnto(file),
      open: async (path: string, flags: string | number, requested?: number) => {
        if (path === file && typeof flags === 'number') chmodSync(file, 0o644);
        return fsp.open(path, flags, requested);
      },
    } as unknown as StoreDeps['fs'];
    await writeServiceAccountEntries(deps(dir, { fs: loosening }), { explicitPath: file, entries: withToken('a'), setCurrent: true });
    expect(read(file).users?.[0]?.user?.token).toBe('token-a-0123456789');
    expect(mode(file)).toBe(0o600);
  });
});

describe('a KUBECONFIG chain', () => {
  it('writes each stanza where it is defined, current-context to the first file, and reports it all (files 0644)', async () => {
    const dir = tempDir();
    const [a, b] = [join(dir, 'a'), join(dir, 'b')];
    writeFileSync(a, 'preferences: {}\n');
    writeFileSync(b, 'clusters:\n- name: c-a\n  cluster: {server: https://old}\nusers:\n- name: u-a\n  user: {token: old-token-value}\ncontexts:\n- name: x-a\n  context: {cluster: c-a, user: u-a, namespace: old}\n');
    chmodSync(a, 0o644);
    chmodSync(b, 0o644);
    const result = await writeServiceAccountEntries(deps(dir, { env: { KUBECONFIG: `${a}:${b}` } }), { entries: withToken('a'), setCurrent: true });
    // Sorted, so that two writers take the locks in the same order.
    expect(result.files).toEqual([a, b]);
    expect(result.kubeconfig).toBe(b);
    expect(result.currentContext).toBe('x-a');
    expect(result.tightened).toEqual([{ file: b, from: 0o644, to: 0o600 }]);
    expect(result.changes.map((change) => `${change.stanza} ${change.kind} ${change.file}`).sort()).toEqual(
      [`cluster updated ${b}`, `context updated ${b}`, `current-context created ${a}`, `user updated ${b}`].sort(),
    );
    expect(mode(a)).toBe(0o644);
    expect(mode(b)).toBe(0o600);
    expect(read(a)).toMatchObject({ 'current-context': 'x-a' });
    expect(read(a).contexts ?? []).toEqual([]);
    expect(read(a).clusters ?? []).toEqual([]);
    expect(read(b)['current-context'] ?? '').toBe('');
    expect(read(b).contexts?.[0]?.context?.namespace).toBe('ns');
  });

  it('writes no current-context when the chain already resolves to ours, and says so once', async () => {
    const dir = tempDir();
    const [a, b] = [join(dir, 'a'), join(dir, 'b')];
    writeFileSync(a, 'current-context: x-a\n', { mode: 0o600 });
    writeFileSync(b, 'users:\n- name: u-a\n  user: {token: old-token-value}\n', { mode: 0o600 });
    const result = await writeServiceAccountEntries(deps(dir, { env: { KUBECONFIG: `${a}:${b}` } }), { entries: withToken('a'), setCurrent: true });
    expect(result.currentContext).toBe('x-a');
    expect(result.changes.filter((change) => change.stanza === 'current-context')).toEqual([{ stanza: 'current-context', name: 'x-a', kind: 'unchanged', file: a }]);
  });
});

describe('a directory as the destination', () => {
  it('is refused as "is a directory" (ERR_KUBECONFIG_UNWRITABLE), nothing written into it', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'config'));
    await expect(writeServiceAccountEntries(deps(dir), { explicitPath: join(dir, 'config'), entries: withToken('a'), setCurrent: true })).rejects.toMatchObject({
      code: 'ERR_KUBECONFIG_UNWRITABLE',
      message: `cannot write kubeconfig ${join(dir, 'config')}: is a directory`,
    });
    expect(readdirSync(join(dir, 'config'))).toEqual([]);
  });

  it('is refused by checkWriteDestination too (from-*, before kubectl)', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'config'));
    await expect(checkWriteDestination(deps(dir), join(dir, 'config'))).rejects.toMatchObject({
      code: 'ERR_KUBECONFIG_UNREADABLE',
      message: expect.stringMatching(/: is a directory$/),
    });
  });

  it.each([
    ['a single KUBECONFIG entry', (dir: string) => `${join(dir, 'nd')}/`],
    ['the chain entry a new stanza would go to', (dir: string) => `${join(dir, 'missing')}:${join(dir, 'nd')}/`],
  ])('checkWriteDestination refuses %s that ends in "/"', async (_name, chain) => {
    const dir = tempDir();
    await expect(checkWriteDestination(deps(dir, { env: { KUBECONFIG: chain(dir) } }), undefined)).rejects.toThrow(/ends in "\/", so it names a directory/);
  });

  it('checkWriteDestination refuses a malformed file, as the write would', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'config'), 'clusters:\n- name: a\n  cluster: {server: 1}\n');
    await expect(checkWriteDestination(deps(dir), join(dir, 'config'))).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_MALFORMED' });
  });

  it('checkWriteDestination refuses a device', async () => {
    await expect(checkWriteDestination(deps(tempDir()), '/dev/null')).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_UNWRITABLE', message: expect.stringMatching(/not a regular file$/) });
  });

  it('a directory replaced while the file was written: the error keeps its own hint', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'kube'));
    mkdirSync(join(dir, 'other'));
    const swapping = {
      ...fsp,
      open: async (path: string, flags: string | number, requested?: number) => {
        const handle = await fsp.open(path, flags, requested);
        if (flags === 'wx' && path.endsWith('.tmp')) {
          await fsp.rename(join(dir, 'kube'), join(dir, 'kube.old'));
          await fsp.symlink(join(dir, 'other'), join(dir, 'kube'));
        }
        return handle;
      },
    } as unknown as StoreDeps['fs'];
    const file = join(dir, 'kube', 'config');
    await expect(writeServiceAccountEntries(deps(dir, { fs: swapping }), { explicitPath: file, entries: withToken('a'), setCurrent: true })).rejects.toMatchObject({
      code: 'ERR_KUBECONFIG_UNWRITABLE',
      message: `cannot write kubeconfig ${file}: its directory was replaced while it was being written`,
      hint: expect.stringMatching(/^run again; if it persists, something is moving the directory/),
    });
    expect(existsSync(join(dirname(file), 'config'))).toBe(false);
  });
});
