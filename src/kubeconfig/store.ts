// Which file gets written and how. The file choice mirrors kubectl (client-go config.go
// ModifyConfig + PathOptions.GetDefaultFilename): an entry that exists is changed in the file that
// defines it, a new one goes to the default file, current-context goes to the default file.
// Better than kubectl on purpose: the read-modify-write happens under the lock (kubectl reads
// before locking, hence lost updates), the write is atomic (temp file, fsync, rename; kubectl
// truncates in place), a symlink stays a symlink, an existing file keeps its mode and owner, a
// new file is 0600 in a 0700 directory, and a malformed file is never overwritten.
import { tempFileName, tempFilePrefix } from './nonce.js';
import { resolveParentSegments } from '../file-path.js';
import { constants, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, sep } from 'node:path';
import { lstatIfExists, statIfExists, type Deps } from '../deps.js';
import { CliError, describeErrno, errnoCode, isCliError } from '../errors.js';
import { emitKubeconfig } from './emitter.js';
import type { ServiceAccountEntries } from './entry.js';
import { DEFAULT_LOCK_TIMEOUT_MS, STALE_AFTER_MS, acquireLock, unwritableHint, type HeldLock, type LockDeps } from './lock.js';
import { absoluteKubeconfigPath, checkWritableName, decodeKubeconfigBytes, defaultWriteFile, hasParentSegment, kubeconfigPrecedence, loadKubeconfigs, MAX_KUBECONFIG_BYTES, migrateLegacyKubeconfig, readKubeconfigFile, tooLarge, type LoadDeps } from './load.js';
import { upsertEntries, type Change, type Upsert } from './merge.js';
import type { Kubeconfig } from './schema.js';

export type StoreDeps = LoadDeps & LockDeps & Pick<Deps, 'cwd' | 'uid'>;

export interface WriteRequest {
  readonly explicitPath?: string;
  readonly entries: ServiceAccountEntries;
  readonly setCurrent: boolean;
  readonly lockTimeoutMs?: number;
}

export interface WriteResult {
  /** Every file written, in the order written. */
  readonly files: readonly string[];
  /** The file that holds our context. */
  readonly kubeconfig: string;
  /** current-context as kubectl will now see it (merged). */
  readonly currentContext?: string;
  /** What changed, each with the file that holds the stanza (a chain can spread them over files). */
  readonly changes: readonly FileChange[];
  /** Files whose group/other permissions we removed because they now hold an embedded credential. */
  readonly tightened: readonly { readonly file: string; readonly from: number; readonly to: number }[];
}

export interface FileChange extends Change {
  readonly file: string;
}

export interface ModifyOptions {
  readonly lockTimeoutMs?: number;
  /**
   * The file will hold an embedded credential: an existing file keeps its mode, except that group
   * and other permissions are removed (kubectl would leave a 0644 file readable by everyone).
   */
  readonly holdsSecret?: boolean;
}

/** Whether a user entry carries a credential inline (rather than by reference). */
function embedsSecret(user: ServiceAccountEntries['user']['user']): boolean {
  return Boolean(user.token || user.password || user['client-key-data']);
}

/**
 * What writeServiceAccountEntries checks before it writes, without writing or locking: for
 * from-*, before kubectl mints a token or creates a Secret for a destination that would then be
 * refused. The files are read again, under their locks, when written.
 */
export async function checkWriteDestination(deps: StoreDeps, explicitPath: string | undefined): Promise<void> {
  const precedence = await refuseSpecialFiles(deps, explicitPath);
  // Links followed and the shared-directory rule, as the writer applies them.
  // A chain entry that only gets read may go through a directory that is not there (kubectl's
  // reader skips it); only the file written must be reachable, and is checked below.
  for (const file of precedence) {
    if (file.endsWith(sep)) continue;
    const physical = await physicalPath(deps, absoluteKubeconfigPath(deps.cwd, file)).catch((error: unknown) => {
      if (precedence.length === 1) throw error;
      return undefined;
    });
    if (physical !== undefined) await resolveWriteTarget(deps, physical);
  }
  if (precedence.length === 1) {
    checkWritableName(precedence[0] as string);
    await readKubeconfigFile(deps, absoluteKubeconfigPath(deps.cwd, precedence[0] as string));
    return;
  }
  const destination = checkWritableName(defaultWriteFile(await loadKubeconfigs(deps, explicitPath, { allowMissingExplicit: true })));
  await physicalPath(deps, absoluteKubeconfigPath(deps.cwd, destination));
}

/**
 * Renaming over a device or FIFO (--kubeconfig /dev/null) would replace it with a regular file
 * (as root: /dev/null itself), and reading one may never end: refused before touching anything.
 */
async function refuseSpecialFiles(deps: StoreDeps, explicitPath: string | undefined): Promise<readonly string[]> {
  const precedence = kubeconfigPrecedence(deps, explicitPath);
  for (const file of precedence) if (!file.endsWith(sep)) await refuseSpecialFile(deps, file);
  return precedence;
}

export async function writeServiceAccountEntries(deps: StoreDeps, request: WriteRequest): Promise<WriteResult> {
  // kubectl config set-* loads (and so migrates the legacy ~/.kube/.kubeconfig) before it writes.
  await migrateLegacyKubeconfig(deps);
  const precedence = await refuseSpecialFiles(deps, request.explicitPath);
  const { entries } = request;
  const ours: Upsert = { ...entries, ...(request.setCurrent ? { currentContext: entries.context.name } : {}) };
  if (precedence.length === 1) {
    // One file (--kubeconfig, a single KUBECONFIG entry, or ~/.kube/config) is where kubectl would
    // put every stanza and current-context: read it once, under its lock.
    const file = checkWritableName(precedence[0] as string);
    const { changes, config, tightened } = await modifyKubeconfigFile(deps, file, (current) => upsertEntries(current, ours), {
      lockTimeoutMs: request.lockTimeoutMs,
      holdsSecret: embedsSecret(entries.user.user),
    });
    const currentContext = config['current-context'] || undefined;
    return {
      files: [file],
      kubeconfig: file,
      ...(currentContext === undefined ? {} : { currentContext }),
      changes: changes.map((change) => ({ ...change, file })),
      tightened: tightened ? [{ file, ...tightened }] : [],
    };
  }

  // A chain: a first, unlocked read decides the destination files exactly as kubectl would; each
  // file is then re-read under its lock, so concurrent writers never lose each other's entries.
  const loaded = await loadKubeconfigs(deps, request.explicitPath, { allowMissingExplicit: true, migrated: true });
  const fallback = defaultWriteFile(loaded);
  const destination = {
    cluster: loaded.merged.clusters.get(entries.cluster.name)?.file ?? fallback,
    user: loaded.merged.users.get(entries.user.name)?.file ?? fallback,
    context: loaded.merged.contexts.get(entries.context.name)?.file ?? fallback,
  };
  const perFile = new Map<string, Upsert>();
  const add = (file: string, part: Upsert) => perFile.set(file, { ...perFile.get(file), ...part });
  add(destination.cluster, { cluster: entries.cluster });
  add(destination.user, { user: entries.user });
  add(destination.context, { context: entries.context });
  // client-go writeCurrentContext: nothing is written when the chain already resolves to it
  // (kubectl use-context leaves an earlier file's empty current-context alone; writing it there
  // would make that file, read alone, name a context it does not hold).
  const effectiveCurrent = request.setCurrent ? loaded.files.find((file) => file.config?.['current-context']) : undefined;
  const alreadyCurrent = effectiveCurrent?.config?.['current-context'] === entries.context.name;
  if (request.setCurrent && !alreadyCurrent) add(fallback, { currentContext: entries.context.name });

  const files = [...perFile.keys()].map(checkWritableName).sort();
  const changes: FileChange[] = alreadyCurrent && effectiveCurrent ? [{ stanza: 'current-context', name: entries.context.name, kind: 'unchanged', file: effectiveCurrent.path }] : [];
  const written = new Map<string, Kubeconfig>();
  const tightened: { file: string; from: number; to: number }[] = [];
  for (const file of files) {
    const upsert = perFile.get(file) as Upsert;
    const result = await modifyKubeconfigFile(deps, file, (config) => upsertEntries(config, upsert), {
      lockTimeoutMs: request.lockTimeoutMs,
      holdsSecret: file === destination.user && embedsSecret(entries.user.user),
    });
    changes.push(...result.changes.map((change) => ({ ...change, file })));
    written.set(file, result.config);
    if (result.tightened) tightened.push({ file, ...result.tightened });
  }
  // current-context as the merged chain now resolves it: the first non-empty one wins, and an
  // earlier file may still win over the one we wrote (client-go merge rules).
  const currentContext = loaded.files.map((file) => (written.get(file.path) ?? file.config)?.['current-context']).find((value) => Boolean(value)) ?? undefined;
  return { files, kubeconfig: destination.context, ...(currentContext ? { currentContext } : {}), changes, tightened };
}

/** Read-modify-write of one file under its lock, written atomically. */
export async function modifyKubeconfigFile(
  deps: StoreDeps,
  file: string,
  modify: (config: Kubeconfig) => { readonly config: Kubeconfig; readonly changes: readonly Change[] },
  options: ModifyOptions = {},
): Promise<{ readonly changes: readonly Change[]; readonly config: Kubeconfig; readonly tightened?: { readonly from: number; readonly to: number } }> {
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const path = await physicalPath(deps, absoluteKubeconfigPath(deps.cwd, file));
  const target = await resolveWriteTarget(deps, path);
  await ensureDirectory(deps, dirname(path));
  if (target !== path) await ensureDirectory(deps, dirname(target));
  // kubectl locks `<path as given>.lock`; when that is a symlink we also lock the target's name.
  const lockNames = [...new Set([path, target])].sort();
  const locks: HeldLock[] = [];
  try {
    for (const name of lockNames) locks.push(await acquireLock(deps, name, lockTimeoutMs));
    // Under the lock, again: while we waited for it, another user may have created the file in a
    // shared directory (and released a lock they planted), which would then get our entries and
    // keep its owner.
    const atLock = await lstatIfExists(deps.fs, target).catch(() => undefined);
    if (atLock !== undefined) await refuseForeignInSharedDirectory(deps, target, atLock, path);
    // The directory as it is now: a directory swapped for another (a symlink to it) between here
    // and the rename must not receive the file.
    const directory = await deps.fs.stat(dirname(target));
    await removeAbandonedTempFiles(deps, target);
    const existing = await readExisting(deps, target);
    const current = existing === undefined ? {} : await (await import('./reader.js')).parseKubeconfigText(existing.text, path);
    const { config, changes } = modify(current);
    const mode = existing === undefined ? 0o600 : options.holdsSecret ? existing.mode & ~0o077 : existing.mode;
    const tightened = existing !== undefined && mode !== existing.mode ? { from: existing.mode, to: mode } : undefined;
    if (existing !== undefined && !tightened && changes.every((change) => change.kind === 'unchanged')) return { changes, config };
    await writeFileAtomic(deps, target, await encodeKubeconfig(config), mode, existing?.owner, {
      directory: { dev: directory.dev, ino: directory.ino },
      // Only the file read, and only if no one else could read what it is about to hold.
      ...(existing === undefined ? {} : { inPlaceOf: { dev: existing.dev, ino: existing.ino, exposesSecret: Boolean(options.holdsSecret) && (existing.mode & 0o077) !== 0 } }),
    });
    return { changes, config, ...(tightened ? { tightened } : {}) };
  } finally {
    for (const lock of locks.reverse()) await lock.release();
  }
}

interface ExistingFile {
  readonly text: string;
  readonly mode: number;
  readonly owner: { readonly uid: number; readonly gid: number };
  /** The file read, for writing it in place only if it is still that file. */
  readonly dev: number;
  readonly ino: number;
}

async function readExisting(deps: Pick<Deps, 'fs'>, target: string): Promise<ExistingFile | undefined> {
  try {
    const stat = await statIfExists(deps.fs, target);
    if (stat === undefined) return undefined;
    if (stat.isDirectory()) throw new CliError('ERR_KUBECONFIG_UNWRITABLE', `cannot write kubeconfig ${target}: is a directory`);
    if (!stat.isFile()) throw notRegularFile(target);
    if (stat.size > MAX_KUBECONFIG_BYTES) throw tooLarge(target, stat.size);
    const text = decodeKubeconfigBytes(await deps.fs.readFile(target), target);
    return { text, mode: stat.mode & 0o7777, owner: { uid: stat.uid, gid: stat.gid }, dev: stat.dev, ino: stat.ino };
  } catch (error) {
    if (isCliError(error)) throw error;
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw new CliError('ERR_KUBECONFIG_UNREADABLE', `error loading config file "${target}": ${describeErrno(error)}`, { cause: error });
  }
}

async function refuseSpecialFile(deps: Pick<Deps, 'fs'>, path: string): Promise<void> {
  const stat = await statIfExists(deps.fs, path).catch(() => undefined);
  if (stat !== undefined && !stat.isFile() && !stat.isDirectory()) throw notRegularFile(path);
}

function notRegularFile(path: string): CliError {
  return new CliError('ERR_KUBECONFIG_UNWRITABLE', `cannot write kubeconfig ${path}: not a regular file`, {
    hint: 'point --kubeconfig at a regular file, or print the kubeconfig with --stdout',
  });
}

/**
 * An absolute kubeconfig path with its `..` resolved as the kernel resolves them (file-path.ts;
 * absoluteKubeconfigPath keeps them): everything here joins names to dirname() (the lock, the
 * temp file, a link's target), which path.join would fold by text. The directory before the last
 * `..` must exist (kubectl cannot write through a missing one either); those after it are
 * created as for any new kubeconfig, as kubectl's MkdirAll creates them.
 */
async function physicalPath(deps: Pick<Deps, 'fs' | 'cwd'>, path: string, given = path): Promise<string> {
  if (!hasParentSegment(path)) return path;
  try {
    return await resolveParentSegments(deps.fs, deps.cwd, path);
  } catch (error) {
    const parts = path.split(sep);
    const upTo = parts.slice(0, parts.lastIndexOf('..') + 1).join(sep);
    throw new CliError('ERR_KUBECONFIG_UNWRITABLE', `cannot write kubeconfig ${given}: ${upTo}: ${describeErrno(error)}`, {
      hint: 'a directory before the ".." must exist: the kernel cannot go up from one that does not (kubectl cannot write there either)',
      cause: error,
    });
  }
}

/** A symlinked kubeconfig stays a symlink: we write to what it points at (also when that does not exist yet). */
async function resolveWriteTarget(deps: Pick<Deps, 'fs' | 'uid' | 'cwd'>, path: string): Promise<string> {
  let current = path;
  for (let hops = 0; hops < 32; hops += 1) {
    let stat;
    try {
      stat = await lstatIfExists(deps.fs, current);
    } catch (error) {
      throw new CliError('ERR_KUBECONFIG_UNWRITABLE', `cannot write kubeconfig ${path}: ${describeErrno(error)}`, { cause: error });
    }
    if (stat === undefined) return current;
    // The kernel refuses these opens itself (fs.protected_symlinks, fs.protected_regular), but we
    // follow links with readlink and replace files by rename, which it does not judge.
    await refuseForeignInSharedDirectory(deps, current, stat, path);
    if (!stat.isSymbolicLink()) return current;
    const link = await deps.fs.readlink(current);
    current = await physicalPath(deps, isAbsolute(link) ? link : `${dirname(current)}${sep}${link}`, path);
  }
  throw new CliError('ERR_KUBECONFIG_UNWRITABLE', `cannot write kubeconfig ${path}: too many levels of symbolic links`);
}

/**
 * In a sticky, world-writable directory (/tmp), a symlink or an existing file that belongs
 * neither to us nor to the directory's owner was put there by another user: following the link
 * would write where they chose, and writing the file would hand them what it holds (we keep the
 * owner of a file we replace). Linux's protected_symlinks and protected_regular rules, applied
 * here because neither readlink nor rename is subject to them.
 */
async function refuseForeignInSharedDirectory(deps: Pick<Deps, 'fs' | 'uid'>, file: string, stat: Stats, given: string): Promise<void> {
  if (deps.uid === undefined || stat.uid === deps.uid) return;
  const dir = await deps.fs.stat(dirname(file)).catch(() => undefined);
  if (dir === undefined || (dir.mode & 0o1002) !== 0o1002 || stat.uid === dir.uid) return;
  throw new CliError('ERR_KUBECONFIG_UNWRITABLE', `cannot write kubeconfig ${given}: ${file} is ${stat.isSymbolicLink() ? 'a symlink' : 'a file'} owned by uid ${stat.uid} in the shared directory ${dirname(file)} (world-writable, sticky), so another user controls it`, {
    hint: 'write the kubeconfig into a directory of your own (the kernel refuses such opens too: fs.protected_symlinks, fs.protected_regular)',
  });
}

async function ensureDirectory(deps: Pick<Deps, 'fs'>, dir: string): Promise<void> {
  // Usually it exists: a stat says so, and mkdir (whose first call costs start-up) is then never
  // called. Anything else (missing, not a directory, not searchable) is left to mkdir's answer.
  if ((await statIfExists(deps.fs, dir).catch(() => undefined))?.isDirectory()) return;
  try {
    await makeDirectoryAll(deps, dir);
  } catch (error) {
    throw new CliError('ERR_KUBECONFIG_UNWRITABLE', `cannot create directory ${dir}: ${describeErrno(error)}`, { hint: unwritableHint(error, 'directory'), cause: error });
  }
}

/**
 * Go's os.MkdirAll, which kubectl uses: the parent first, then this one; a mkdir that fails is the
 * answer unless a directory is there after all (another writer made it). Not mkdir's recursive
 * option: in Node 20 it never returns for a path under /proc (mkdir -p there alternates between
 * ENOENT and EEXIST), whatever the lock timeout. A new directory is 0700: it will hold
 * credentials (kubectl uses 0755).
 */
async function makeDirectoryAll(deps: Pick<Deps, 'fs'>, dir: string): Promise<void> {
  const stat = await statIfExists(deps.fs, dir);
  if (stat !== undefined) {
    if (stat.isDirectory()) return;
    throw Object.assign(new Error(`mkdir ${dir}: not a directory`), { code: 'ENOTDIR' });
  }
  const parent = dirname(dir);
  if (parent !== dir) await makeDirectoryAll(deps, parent);
  try {
    await deps.fs.mkdir(dir, { mode: 0o700 });
  } catch (error) {
    if (!(await statIfExists(deps.fs, dir).catch(() => undefined))?.isDirectory()) throw error;
  }
}

/**
 * A writer killed mid-write (SIGKILL, OOM, power loss) leaves its temp file: a full copy of the
 * kubeconfig, credentials included. We hold the lock, so no live writer of ours owns one; still,
 * only files whose pid is gone (or that are older than a stale lock) are removed, in case another
 * tool or an NFS peer uses the same names.
 */
async function removeAbandonedTempFiles(deps: StoreDeps, target: string): Promise<void> {
  const dir = dirname(target);
  const prefix = tempFilePrefix(basename(target));
  let names: string[];
  try {
    names = await deps.fs.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length)) : null;
    const pid = Number(match?.[1]);
    if (!match || pid === deps.pid) continue;
    const path = join(dir, name);
    if (deps.processAlive?.(pid) ?? true) {
      const stat = await deps.fs.lstat(path).catch(() => undefined);
      if (!stat || deps.now().getTime() - stat.mtimeMs < STALE_AFTER_MS) continue;
    }
    await deps.fs.unlink(path).catch(() => undefined);
  }
}

/** Temp file in the same directory, exact mode (umask-proof), fsync, rename, fsync the directory. */
export async function writeFileAtomic(
  deps: Pick<Deps, 'fs' | 'pid'>,
  target: string,
  content: string,
  mode: number,
  owner?: { readonly uid: number; readonly gid: number },
  options: { readonly inPlaceOf?: InPlaceTarget; readonly directory?: { readonly dev: number; readonly ino: number } } = {},
): Promise<void> {
  const dir = dirname(target);
  const temp = join(dir, tempFileName(basename(target), deps.pid));
  try {
    const handle = await deps.fs.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(content, 'utf8');
      // Keep the owner of a file we replace (rename would otherwise hand it to us, e.g. root).
      if (owner) await handle.chown(owner.uid, owner.gid).catch(() => undefined);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.directory) {
      const now = await deps.fs.stat(dir);
      if (now.dev !== options.directory.dev || now.ino !== options.directory.ino) {
        throw new CliError('ERR_KUBECONFIG_UNWRITABLE', `cannot write kubeconfig ${target}: its directory was replaced while it was being written`, {
          hint: 'run again; if it persists, something is moving the directory (a kubeconfig under a directory another user controls is not safe to write as root)',
        });
      }
    }
    await deps.fs.rename(temp, target);
  } catch (error) {
    await deps.fs.unlink(temp).catch(() => undefined);
    if (isCliError(error)) throw error;
    // A single-file bind mount (docker run -v ~/.kube/config:…, a Kubernetes subPath) cannot be
    // renamed onto (EBUSY); kubectl, which always writes in place (os.WriteFile), works there.
    if (errnoCode(error) === 'EBUSY' && options.inPlaceOf) return writeFileInPlace(deps, target, content, mode, options.inPlaceOf);
    throw new CliError('ERR_KUBECONFIG_UNWRITABLE', `cannot write kubeconfig ${target}: ${describeErrno(error)}`, {
      hint: unwritableHint(error),
      cause: error,
    });
  }
  try {
    const directory = await deps.fs.open(dir, 'r');
    await directory.sync().catch(() => undefined);
    await directory.close();
  } catch {
    /* fsync of a directory is best effort (not supported everywhere) */
  }
}

/** The file that was read (device and inode), and whether writing it in place would show a secret to others. */
interface InPlaceTarget {
  readonly dev: number;
  readonly ino: number;
  readonly exposesSecret: boolean;
}

/**
 * Writes a mount point in place, still under the lock (not crash-atomic, as kubectl never is).
 * Through one descriptor opened without following a symlink, and only if it is the file that
 * was read: a name swapped for a link to another file in between is refused, not written through.
 * A group- or other-readable file that is to hold a token is refused too: chmod stops new
 * readers only, and whoever has it open already would read the token.
 */
async function writeFileInPlace(deps: Pick<Deps, 'fs'>, target: string, content: string, mode: number, read: InPlaceTarget): Promise<void> {
  if (read.exposesSecret) {
    throw new CliError('ERR_KUBECONFIG_UNWRITABLE', `cannot write kubeconfig ${target} in place: it is a mount point (rename reports EBUSY) that others may read, and it would hold a token`, {
      hint: `chmod 600 ${target} on the host and run again (or use a kubeconfig that is not a single-file mount)`,
    });
  }
  try {
    const handle = await deps.fs.open(target, constants.O_RDWR | constants.O_NOFOLLOW);
    try {
      const stat = await handle.stat();
      if (!stat.isFile() || stat.dev !== read.dev || stat.ino !== read.ino) {
        throw new CliError('ERR_KUBECONFIG_UNWRITABLE', `cannot write kubeconfig ${target}: it changed while it was being written (another file is there now)`, {
          hint: 'run again; if it persists, something is replacing the file',
        });
      }
      // Only a change needs fchmod, which needs the file's owner: a mounted file writable by
      // its mode (owned by another uid, as often in a container) is written as kubectl writes it.
      if ((stat.mode & 0o7777) !== mode) await handle.chmod(mode);
      await handle.writeFile(content, 'utf8');
      await handle.truncate(Buffer.byteLength(content, 'utf8'));
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (isCliError(error)) throw error;
    throw new CliError('ERR_KUBECONFIG_UNWRITABLE', `cannot write kubeconfig ${target}: ${describeErrno(error)}`, {
      hint: 'check that the file is writable, or choose another file with --kubeconfig',
      cause: error,
    });
  }
}

/** A standalone kubeconfig with our entries only (for --stdout); credentials must already be embedded. */
export async function renderStandaloneKubeconfig(entries: ServiceAccountEntries): Promise<string> {
  return encodeKubeconfig({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [entries.cluster],
    users: [entries.user],
    contexts: [entries.context],
    'current-context': entries.context.name,
  });
}

/**
 * codec.ts's stringifyKubeconfig (what the tests hold to js-yaml and kubectl), without loading
 * codec.ts and js-yaml when emitter.ts can write the file alone, which is stringify's own first
 * step.
 */
async function encodeKubeconfig(config: Kubeconfig): Promise<string> {
  return emitKubeconfig(config) ?? (await import('./codec.js')).stringifyKubeconfig(config);
}
