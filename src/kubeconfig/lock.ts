// A lock compatible with kubectl's (client-go loader.go lockFile: `<file>.lock` created with
// O_CREATE|O_EXCL), but better on purpose: kubectl fails at once when the lock exists and leaves a
// stale lock forever after a crash; we wait with backoff up to a timeout, and recover a lock
// whose owner is gone (our own locks record pid and host; a live owner's lock is never broken) or,
// when the owner cannot be checked, that is older than STALE_AFTER_MS (kubectl's are empty;
// kubectl holds its lock for milliseconds).
import { createNonce } from './nonce.js';
import type { Deps } from '../deps.js';
import { CliError, describeErrno, errnoCode, isCliError } from '../errors.js';
import { formatDuration } from '../duration.js';
import { formatTimestamp } from '../timestamp.js';

export const STALE_AFTER_MS = 10_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 15_000;
/** How long a lock must stay unchanged before we break it as stale. */
const STALE_RECHECK_MS = 100;
/** Ours hold a line of JSON; kubectl's are empty. Anything larger is not a lock we would break. */
const MAX_LOCK_BYTES = 4096;

export type LockDeps = Pick<Deps, 'fs' | 'now' | 'sleep' | 'pid' | 'hostname' | 'processAlive'>;

export interface HeldLock {
  readonly path: string;
  release(): Promise<void>;
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
}

export function lockPathFor(file: string): string {
  return `${file}.lock`;
}

export async function acquireLock(deps: LockDeps, file: string, timeoutMs: number = DEFAULT_LOCK_TIMEOUT_MS): Promise<HeldLock> {
  const path = lockPathFor(file);
  const started = deps.now().getTime();
  let delay = 2;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const handle = await deps.fs.open(path, 'wx', 0o600);
      // The nonce makes this lock's content unique, so release can tell it is still ours.
      const content = JSON.stringify({ pid: deps.pid, host: deps.hostname ?? '', created: formatTimestamp(deps.now()), by: 'sa-kubeconfig', nonce: createNonce(12) });
      let written = false;
      try {
        await handle.writeFile(content);
        written = true;
        await handle.close();
      } catch (error) {
        // Created but not written (no space left, a quota; or the close failed, as on NFS): ours,
        // and to others a writer that has just created it; removed, or every run in the next
        // 10 s would wait on it.
        if (!written) await handle.close().catch(() => undefined);
        await deps.fs.unlink(path).catch(() => undefined);
        throw new CliError('ERR_KUBECONFIG_UNWRITABLE', `cannot write lock ${path}: ${describeErrno(error)}`, {
          hint: lockHint(error),
          cause: error,
        });
      }
      return {
        path,
        release: async () => {
          // If our lock was judged stale and broken meanwhile, the file is someone else's now.
          const current = await deps.fs.readFile(path, 'utf8').catch(() => undefined);
          if (current === content) await deps.fs.unlink(path).catch(() => undefined);
        },
      };
    } catch (error) {
      if (isCliError(error)) throw error;
      if (errnoCode(error) !== 'EEXIST') {
        throw new CliError('ERR_KUBECONFIG_UNWRITABLE', `cannot create lock ${path}: ${describeErrno(error)}`, {
          hint: lockHint(error),
          cause: error,
        });
      }
    }
    if (await breakStaleLock(deps, path)) continue;
    const waited = deps.now().getTime() - started;
    if (waited >= timeoutMs) {
      throw new CliError('ERR_KUBECONFIG_LOCKED', `kubeconfig ${file} is locked by another writer (${path}) and stayed locked for ${formatDuration(waited)}`, {
        hint: `if no kubectl or sa-kubeconfig is running, remove ${path}; or raise --lock-timeout`,
      });
    }
    // Exponential backoff with jitter, capped so waiters notice a release quickly.
    await deps.sleep(Math.min(delay, Math.max(1, timeoutMs - waited)) * (0.5 + Math.random()));
    delay = Math.min(delay * 1.6, 50);
  }
}

/**
 * Where kubectl could not write either: a read-only root file system (a pod's
 * readOnlyRootFilesystem, with HOME=/) or a directory of another user. Said with the way out.
 * Any other failure (ENAMETOOLONG, EIO, …) is not the directory's fault when a file was being
 * written (`making` 'file'); when a directory was being made (ENOTDIR, EEXIST), it is.
 */
export function unwritableHint(error: unknown, making: 'directory' | 'file' = 'file'): string {
  const code = errnoCode(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'free space on that file system';
  const way = 'pass --kubeconfig FILE in a writable directory (an emptyDir, /tmp), and point KUBECONFIG at it for kubectl';
  if (code === 'EROFS') return `that file system is read-only (for kubectl too): ${way}`;
  if (code === 'EACCES' || code === 'EPERM') return `that directory is not writable for this user (for kubectl too): ${way}`;
  return making === 'directory' ? `no directory can be made there (for kubectl too): ${way}` : `the file cannot be written there: ${way}`;
}

function lockHint(error: unknown): string {
  const code = errnoCode(error);
  return code === 'ENOSPC' || code === 'EDQUOT' ? 'free space on that file system (the kubeconfig will not fit either)' : unwritableHint(error);
}

async function breakStaleLock(deps: LockDeps, path: string): Promise<boolean> {
  let stat;
  let content: string;
  try {
    stat = await deps.fs.lstat(path);
    // A lock that is not a plain file (a FIFO or symlink someone planted) is never ours or
    // kubectl's to break, and reading a FIFO would wait forever: wait for it like a live lock,
    // up to the timeout.
    if (!stat.isFile() || stat.size > MAX_LOCK_BYTES) return false;
    content = await deps.fs.readFile(path, 'utf8').catch(() => '');
  } catch {
    return false; // released meanwhile: just retry
  }
  const owner = parseOwner(content);
  const age = deps.now().getTime() - stat.mtimeMs;
  const ownerKnownHere = owner !== undefined && deps.processAlive !== undefined && owner.host === (deps.hostname ?? '');
  const ownerGone = ownerKnownHere && owner.pid !== deps.pid && !deps.processAlive(owner.pid);
  // A live writer of ours keeps its lock however long it takes (a huge file, a slow disk, a
  // process suspended with ^Z): breaking it would let two writers race and lose an update.
  if (ownerKnownHere && !ownerGone) return false;
  // An empty lock may be one another process has created but not yet written: only age decides.
  if (!ownerGone && age < STALE_AFTER_MS) return false;
  // What we read may already be history: the owner may have released normally and exited since,
  // and another writer locked again (often with the freed inode and the same mtime tick). A dead
  // owner cannot release, so a lock that still reads the same a moment later is really stale.
  await deps.sleep(STALE_RECHECK_MS);
  const again = await deps.fs.lstat(path).catch(() => undefined);
  // Swapped meanwhile for something that is not a plain file: not the lock judged stale.
  if (!again || !again.isFile() || again.size > MAX_LOCK_BYTES) return false;
  const againContent = await deps.fs.readFile(path, 'utf8').catch(() => undefined);
  if (again.ino !== stat.ino || again.mtimeMs !== stat.mtimeMs || againContent !== content) return false;
  // Move it aside under a unique name, then check we moved the same stale file (another waiter
  // may have broken it and a live writer re-created it in between).
  const aside = `${path}.stale-${deps.pid}-${createNonce(8)}`;
  try {
    await deps.fs.rename(path, aside);
  } catch {
    return false;
  }
  // Inode and mtime alone do not tell: a lock released and re-created within one timestamp tick
  // often gets the freed inode back. Each of our locks has its own content (pid, creation time).
  const moved = await deps.fs.lstat(aside).catch(() => undefined);
  const movedContent = moved?.isFile() && moved.size <= MAX_LOCK_BYTES ? await deps.fs.readFile(aside, 'utf8').catch(() => undefined) : undefined;
  if (moved && moved.ino === stat.ino && moved.mtimeMs === stat.mtimeMs && movedContent === content) {
    await deps.fs.unlink(aside).catch(() => undefined);
    return true;
  }
  // We took a fresh lock by mistake: put it back (link fails if someone has locked since).
  await deps.fs.link(aside, path).catch(() => undefined);
  await deps.fs.unlink(aside).catch(() => undefined);
  return false;
}

function parseOwner(content: string): LockOwner | undefined {
  if (!content.trim()) return undefined;
  try {
    const value = JSON.parse(content) as unknown;
    if (typeof value === 'object' && value !== null && 'pid' in value && 'host' in value) {
      const { pid, host } = value;
      if (typeof pid === 'number' && typeof host === 'string') return { pid, host };
    }
  } catch {
    /* not ours */
  }
  return undefined;
}
