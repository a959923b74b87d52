// The stale-lock race the 50-writer benchmark hit under load: a waiter reads the lock of writer W1,
// W1 releases normally and exits, W2 locks again — on Linux often with the freed inode and within
// the same mtime tick — and the waiter, now seeing W1 dead, "breaks" W2's live lock. Two writers
// then run their read-modify-write at once and one loses the other's update. Here the file system
// is real, but the interleaving is forced at the waiter's read of the lock and inode reuse is
// simulated, so the race happens every time.
import * as fsp from 'node:fs/promises';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, type LockDeps } from '../../src/kubeconfig/lock.js';
import { tempDir } from '../support/mount.js';

const HOST = 'race-host';
const WAITER = 1001;
const W1 = 1002; // held the lock, released it normally, exited
const W2 = 1003; // locked right after, alive

const dir = tempDir('sa-kubeconfig-lock-race-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('breaking a stale lock', () => {
  it('never breaks a lock that was released and re-taken while the waiter looked at it (freed inode reused)', async () => {
    const file = join(dir, 'config');
    const lock = `${file}.lock`;
    const owner = (pid: number) => JSON.stringify({ pid, host: HOST, created: new Date().toISOString(), by: 'sa-kubeconfig' });
    writeFileSync(lock, owner(W1));
    const first = await fsp.stat(lock);
    let raced = false;
    const fs = {
      ...fsp,
      readFile: (async (path: string, options: BufferEncoding) => {
        const text = await fsp.readFile(path, options);
        if (path === lock && !raced) {
          // Right after the waiter read W1's lock: W1 releases and exits, W2 locks.
          raced = true;
          await fsp.unlink(lock);
          await fsp.writeFile(lock, owner(W2));
        }
        return text;
      }) as typeof fsp.readFile,
      // The kernel handed W2's lock the inode W1's lock freed, in the same timestamp tick.
      stat: (async (path: string) => {
        const stat = await fsp.stat(path);
        return path === lock || path.startsWith(`${lock}.stale-`) ? Object.assign(stat, { ino: first.ino, mtimeMs: first.mtimeMs }) : stat;
      }) as typeof fsp.stat,
    };
    const deps: LockDeps = {
      fs,
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      pid: WAITER,
      hostname: HOST,
      processAlive: (pid) => pid !== W1,
    };
    await expect(acquireLock(deps, file, 400)).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_LOCKED' });
    expect(raced).toBe(true);
    // W2 still holds its lock.
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: W2 });
  });

  it('still breaks a lock whose owner is dead and that stays the same', async () => {
    const file = join(dir, 'config2');
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: W1, host: HOST, created: new Date().toISOString(), by: 'sa-kubeconfig' }));
    const deps: LockDeps = {
      fs: fsp,
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      pid: WAITER,
      hostname: HOST,
      processAlive: (pid) => pid !== W1,
    };
    const held = await acquireLock(deps, file, 2000);
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8'))).toMatchObject({ pid: WAITER });
    await held.release();
  });
});
