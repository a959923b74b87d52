// acquireLock on real files, with the clock, the sleep and the owner's liveness injected: who
// keeps a lock, which locks are broken, and the stale-lock recheck when the lock changes under it.
import * as fsp from 'node:fs/promises';
import { existsSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, type LockDeps } from '../../src/kubeconfig/lock.js';
import { tempDir } from '../support/mount.js';

const HOST = 'test-host';
const ME = 2001;
const LIVE = 2002;
const DEAD = 2003;

function deps(extra: Partial<LockDeps> = {}): LockDeps {
  return {
    fs: fsp,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20))),
    pid: ME,
    hostname: HOST,
    processAlive: (pid) => pid !== DEAD,
    ...extra,
  };
}

const owner = (pid: number, host = HOST) => JSON.stringify({ pid, host, created: new Date().toISOString(), by: 'sa-kubeconfig' });

/** A lock file with this content, last modified `ageMs` ago. */
function plantLock(file: string, content: string, ageMs: number): void {
  writeFileSync(`${file}.lock`, content);
  const then = new Date(Date.now() - ageMs);
  utimesSync(`${file}.lock`, then, then);
}

const errno = (code: string, text: string) => Object.assign(new Error(`${code}: ${text}`), { code });

/** The real file system, whose opened files write and close as `override` says. */
function failingHandle(override: (handle: fsp.FileHandle) => { writeFile: (data: string) => Promise<void>; close: () => Promise<void> }): LockDeps['fs'] {
  return {
    ...fsp,
    open: async (path: string, flags: string | number, mode?: number) => {
      const handle = await fsp.open(path, flags, mode);
      return Object.assign(Object.create(handle) as typeof handle, override(handle));
    },
  };
}

describe('acquireLock', () => {
  it('writes our pid and host into the lock', async () => {
    const file = join(tempDir(), 'config');
    const held = await acquireLock(deps(), file);
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8'))).toMatchObject({ pid: ME, host: HOST, by: 'sa-kubeconfig' });
    await held.release();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('releasing leaves alone a lock re-taken by the same pid within the same clock tick (its nonce differs)', async () => {
    const file = join(tempDir(), 'config');
    const frozen = new Date();
    const first = await acquireLock(deps({ now: () => frozen }), file);
    unlinkSync(`${file}.lock`); // judged stale and broken meanwhile
    const second = await acquireLock(deps({ now: () => frozen }), file);
    const secondContent = readFileSync(`${file}.lock`, 'utf8');
    await first.release();
    expect(readFileSync(`${file}.lock`, 'utf8')).toBe(secondContent);
    await second.release();
  });

  it('removes a lock it created but could not write (ENOSPC), and says so, not "cannot create"', async () => {
    const file = join(tempDir(), 'config');
    // The real open, then a write that fails as on a full file system.
    const full = failingHandle((handle) => ({ writeFile: () => Promise.reject(errno('ENOSPC', 'no space left on device, write')), close: () => handle.close() }));
    await expect(acquireLock(deps({ fs: full }), file)).rejects.toMatchObject({
      code: 'ERR_KUBECONFIG_UNWRITABLE',
      message: `cannot write lock ${file}.lock: no space left on device`,
      hint: 'free space on that file system (the kubeconfig will not fit either)',
    });
    expect(existsSync(`${file}.lock`)).toBe(false);
    // So the next writer gets it at once (it used to wait 10 s for the empty lock to go stale).
    const held = await acquireLock(deps({ now: () => new Date() }), file, 0);
    await held.release();
  });

  it('removes a lock whose close failed after the write (NFS reports write errors there)', async () => {
    const file = join(tempDir(), 'config');
    const failingClose = failingHandle((handle) => ({ writeFile: (data: string) => handle.writeFile(data), close: () => handle.close().then(() => Promise.reject(errno('EIO', 'i/o error, close'))) }));
    await expect(acquireLock(deps({ fs: failingClose }), file)).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_UNWRITABLE', message: expect.stringMatching(/^cannot write lock /) });
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('with a timeout of 0 fails at once instead of waiting', async () => {
    const file = join(tempDir(), 'config');
    plantLock(file, owner(LIVE), 0);
    const frozen = new Date();
    const sleep = () => Promise.reject(new Error('slept although the timeout was 0'));
    await expect(acquireLock(deps({ now: () => frozen, sleep }), file, 0)).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_LOCKED' });
  });

  it.each([
    ['a live owner on this host, however old its lock (a slow write, a process suspended with ^Z)', owner(LIVE), 60_000, {}],
    ['a dead pid on another host, lock fresh: that pid may be alive there', owner(DEAD, 'other-host'), 0, {}],
    ['an owner on this host when liveness cannot be checked, lock fresh', owner(DEAD), 0, { processAlive: undefined }],
  ])('keeps the lock of %s', async (_name, content, ageMs, extra: Partial<LockDeps>) => {
    const file = join(tempDir(), 'config');
    plantLock(file, content, ageMs);
    await expect(acquireLock(deps(extra), file, 200)).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_LOCKED' });
    expect(readFileSync(`${file}.lock`, 'utf8')).toBe(content);
  });

  it('breaks an old lock of this host by age when liveness cannot be checked', async () => {
    const file = join(tempDir(), 'config');
    plantLock(file, owner(DEAD), 60_000);
    const held = await acquireLock(deps({ processAlive: undefined }), file, 2000);
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8'))).toMatchObject({ pid: ME });
    await held.release();
  });
});

describe('the stale-lock recheck', () => {
  /** Records renames of the lock (moving it aside is how a lock is broken). */
  const recording = (lock: string, before?: () => void) => {
    const renamed: string[] = [];
    const fs = {
      ...fsp,
      rename: async (from: string, to: string) => {
        if (from === lock) {
          renamed.push(to);
          before?.();
        }
        return fsp.rename(from, to);
      },
    } as unknown as LockDeps['fs'];
    return { fs, renamed };
  };

  /** The 100 ms recheck's sleep runs `change` once. */
  const duringRecheck = (change: () => void): LockDeps['sleep'] => {
    let done = false;
    return async (ms) => {
      if (ms === 100 && !done) {
        done = true;
        change();
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20)));
    };
  };

  it('does not move aside an old empty lock that was replaced by another (new inode, same content and mtime) while rechecked', async () => {
    const file = join(tempDir(), 'config');
    const lock = `${file}.lock`;
    plantLock(file, '', 60_000);
    const { mtime } = statSync(lock);
    const { renamed, fs: renaming } = recording(lock);
    let replaced = false;
    let touched = false;
    // kubectl released its lock and took it again; the new file exists before the old inode is freed.
    const sleep = duringRecheck(() => {
      writeFileSync(`${lock}.new`, '');
      utimesSync(`${lock}.new`, mtime, mtime);
      renameSync(`${lock}.new`, lock);
      replaced = true;
    });
    const fs = {
      ...renaming,
      // Once the recheck has read it, kubectl's new lock shows its real, fresh mtime.
      readFile: (async (path: string, options: BufferEncoding) => {
        const text = await fsp.readFile(path, options);
        if (path === lock && replaced && !touched) {
          touched = true;
          utimesSync(lock, new Date(), new Date());
        }
        return text;
      }) as typeof fsp.readFile,
    } as unknown as LockDeps['fs'];
    await expect(acquireLock(deps({ fs, sleep }), file, 300)).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_LOCKED' });
    expect(touched).toBe(true);
    expect(renamed).toEqual([]);
    expect(existsSync(lock)).toBe(true);
  });

  it('does not move aside a lock whose content changed in place while rechecked (same inode and mtime)', async () => {
    const file = join(tempDir(), 'config');
    const lock = `${file}.lock`;
    plantLock(file, owner(DEAD), 60_000);
    const { mtime } = statSync(lock);
    const { fs, renamed } = recording(lock);
    const sleep = duringRecheck(() => {
      writeFileSync(lock, owner(LIVE));
      utimesSync(lock, mtime, mtime);
    });
    await expect(acquireLock(deps({ fs, sleep }), file, 300)).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_LOCKED' });
    expect(renamed).toEqual([]);
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: LIVE });
  });

  it('puts back a lock re-taken (new content, same inode and mtime) between the recheck and the move aside', async () => {
    const file = join(tempDir(), 'config');
    const lock = `${file}.lock`;
    plantLock(file, owner(DEAD), 60_000);
    const { mtime } = statSync(lock);
    let retaken = false;
    const { fs, renamed } = recording(lock, () => {
      if (retaken) return;
      retaken = true;
      writeFileSync(lock, owner(LIVE));
      utimesSync(lock, mtime, mtime);
    });
    await expect(acquireLock(deps({ fs }), file, 300)).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_LOCKED' });
    expect(renamed).toHaveLength(1);
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: LIVE });
  });
});
