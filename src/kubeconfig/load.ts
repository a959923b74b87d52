// Loading exactly as kubectl does (client-go tools/clientcmd/loader.go ClientConfigLoadingRules and
// config.go PathOptions): --kubeconfig alone, else the KUBECONFIG list, else ~/.kube/config;
// first file to define a name wins the whole entry; first non-empty current-context wins; relative
// paths resolve against the directory of the file that defined them.
import { basename, delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { statIfExists, type Deps } from '../deps.js';
import { CliError, describeErrno, errnoCode, isCliError } from '../errors.js';
import { tempFileName } from './nonce.js';
import type { Cluster, Context, Kubeconfig, User } from './schema.js';
import type { ParseOptions } from './reader.js';

/** Refuse to read a kubeconfig bigger than this (a 5,000-context file is about 9 MB). */
export const MAX_KUBECONFIG_BYTES = 64 * 1024 * 1024;

export type LoadDeps = Pick<Deps, 'fs' | 'env' | 'homeDir' | 'cwd'>;

export interface LoadedFile {
  readonly path: string;
  readonly exists: boolean;
  readonly config?: Kubeconfig;
}

export interface Origin<T> {
  readonly value: T;
  readonly file: string;
}

export interface MergedKubeconfig {
  readonly clusters: ReadonlyMap<string, Origin<Cluster>>;
  readonly users: ReadonlyMap<string, Origin<User>>;
  readonly contexts: ReadonlyMap<string, Origin<Context>>;
  readonly currentContext?: string;
}

export interface LoadedKubeconfigs {
  readonly explicitPath?: string;
  /** The files in precedence order (absolute, de-duplicated, empty entries dropped). */
  readonly precedence: readonly string[];
  readonly files: readonly LoadedFile[];
  readonly merged: MergedKubeconfig;
}

export interface ResolvedContext {
  readonly contextName: string;
  readonly clusterName: string;
  readonly userName: string;
  /** The context's namespace, or "default" (client-go DirectClientConfig.Namespace). */
  readonly namespace: string;
  readonly namespaceExplicit: boolean;
  readonly cluster: Cluster;
  /** An empty object when the context names a user that does not exist (client-go then sends no credentials). */
  readonly user: User;
  readonly userFound: boolean;
  readonly contextFile: string;
  readonly clusterFile: string;
  readonly userFile?: string;
}

/** The loading precedence (client-go NewDefaultClientConfigLoadingRules + deduplicate). */
export function kubeconfigPrecedence(deps: Pick<Deps, 'env' | 'homeDir' | 'cwd'>, explicitPath?: string): readonly string[] {
  if (explicitPath !== undefined && explicitPath !== '') return [absoluteKubeconfigPath(deps.cwd, checkFileName(explicitPath, '--kubeconfig'))];
  const fromEnv = deps.env['KUBECONFIG'];
  if (fromEnv !== undefined && fromEnv !== '') {
    const seen = new Set<string>();
    const files: string[] = [];
    // client-go keeps empty entries (and then tries to lock ".lock"); we drop them on purpose.
    for (const entry of fromEnv.split(delimiter)) {
      if (entry === '') continue;
      // A path that names a directory (a trailing "/", "/." or "/..") is kept as it is, so that
      // reading behaves as kubectl's does (a missing one is skipped, a directory is an error);
      // writing to one is refused (checkWritableName).
      const absolute = absoluteKubeconfigPath(deps.cwd, entry);
      if (!seen.has(absolute)) {
        seen.add(absolute);
        files.push(absolute);
      }
    }
    // Only separators (KUBECONFIG=":"): kubectl then loads no file at all, not ~/.kube/config, and
    // cannot write ("open : no such file or directory"). Writing ~/.kube/config would report a
    // success that kubectl, in the same environment, never sees.
    if (files.length === 0) {
      throw new CliError('ERR_KUBECONFIG_NOT_FOUND', `KUBECONFIG=${JSON.stringify(fromEnv)} names no file`, {
        hint: 'unset KUBECONFIG to use ~/.kube/config, or set it to a list of files',
      });
    }
    return files;
  }
  // client-go RecommendedHomeFile: $HOME/.kube/config (relative to the cwd when HOME is empty).
  return [resolve(deps.cwd, join(deps.homeDir, '.kube', 'config'))];
}

/**
 * A --kubeconfig or KUBECONFIG path made absolute so that it names the file the kernel opens for
 * it, as client-go opens the path as given (loader.go LoadFromFile, WriteToFile, lockFile).
 * path.resolve folds `..` by text: with `link` a symlink to another directory, `link/../config`
 * is the config beside the link's target to the kernel, the one beside the link to resolve(). So a
 * path with a `..` segment, or one that names a directory (a trailing separator, `/.`), is kept as
 * given (the kernel resolves it at each open; store.ts resolves its directory before it writes);
 * any other is folded (`.` segments and repeated separators mean the same to both). Windows folds
 * `..` by text itself. (~/.kube/config is client-go's filepath.Join, which folds by text: resolve.)
 */
export function absoluteKubeconfigPath(cwd: string, path: string): string {
  // Windows folds `..` by text itself; a path that names a directory keeps its ending there too.
  if (sep === '\\') return resolve(cwd, path) + (namesDirectory(path) ? sep : '');
  if (!(hasParentSegment(path) || namesDirectory(path))) return resolve(cwd, path);
  return isAbsolute(path) ? path : `${cwd.endsWith(sep) ? cwd : cwd + sep}${path}`;
}

/** Whether the path goes up a directory (`..` as a segment), which only the kernel resolves right. */
export function hasParentSegment(path: string): boolean {
  return segments(path).includes('..');
}

function segments(path: string): string[] {
  return path.split(sep === '\\' ? /[\\/]/ : '/');
}

/**
 * A path that ends in a separator, `/.` or `/..` names a directory: kubectl fails to write it
 * ("is a directory", or "not a directory" once a file exists there), and resolve() would drop
 * the ending and write a file of that name (or the directory's parent's file), which breaks every
 * later kubectl run. Refused instead: an explicit --kubeconfig at once, a KUBECONFIG entry when it
 * would be written.
 */
function checkFileName(path: string, from: string): string {
  if (namesDirectory(path)) {
    const last = segments(path).at(-1) ?? '';
    const ending = endsInSeparator(path) ? `ends in "${sep}"` : path === last ? `is "${last}"` : `ends in "${sep}${last}"`;
    throw new CliError('ERR_KUBECONFIG_UNREADABLE', `${from} path "${path}" ${ending}, so it names a directory, not a kubeconfig file`, {
      hint: 'name the file, e.g. ~/.kube/config',
    });
  }
  return path;
}

function namesDirectory(path: string): boolean {
  const last = segments(path).at(-1);
  return endsInSeparator(path) || last === '.' || last === '..';
}

/** For the file a write goes to (store.ts). */
export function checkWritableName(path: string): string {
  return checkFileName(path, 'KUBECONFIG');
}

function endsInSeparator(path: string): boolean {
  return path.endsWith(sep) || path.endsWith('/');
}

/** Reads one kubeconfig file; a missing file is `undefined`, anything else unreadable is an error. */
export async function readKubeconfigFile(deps: Pick<Deps, 'fs'>, path: string, options: ParseOptions = {}): Promise<Kubeconfig | undefined> {
  let text: string;
  try {
    const stat = await deps.fs.stat(path);
    if (stat.isDirectory()) {
      throw new CliError('ERR_KUBECONFIG_UNREADABLE', `error loading config file "${path}": is a directory`, {
        hint: 'point --kubeconfig or KUBECONFIG at a file',
      });
    }
    if (stat.size > MAX_KUBECONFIG_BYTES) throw tooLarge(path, stat.size);
    // A FIFO or device (/dev/zero, <(…)) has no size to check first: read it with a cap.
    text = decodeKubeconfigBytes(stat.isFile() ? await deps.fs.readFile(path) : await readCapped(deps, path, MAX_KUBECONFIG_BYTES), path);
  } catch (error) {
    if (isCliError(error)) throw error;
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw new CliError('ERR_KUBECONFIG_UNREADABLE', `error loading config file "${path}": ${describeErrno(error)}`, { cause: error });
  }
  // reader.ts reads what kubectl and we write, and codec.ts (js-yaml, zod) anything else. Both
  // are imported on the first parse: a new kubeconfig never needs either.
  return (await import('./reader.js')).parseKubeconfigText(text, path, options);
}

/**
 * A kubeconfig file's text as go-yaml decodes it (yaml_parser_determine_encoding): a UTF-16
 * byte-order mark means UTF-16 (PowerShell 5's `>` writes UTF-16LE; kubectl reads such a file
 * and writes it back as UTF-8, as we do), anything else is UTF-8. Bytes that are not UTF-8 make
 * kubectl refuse the file ("invalid leading UTF-8 octet"); decoding them to U+FFFD and writing
 * that back would put values in the file that were never there, so the file is refused.
 */
export function decodeKubeconfigBytes(bytes: Buffer, path: string): string {
  const utf16 = bytes[0] === 0xff && bytes[1] === 0xfe ? 'le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'be' : undefined;
  if (utf16 !== undefined) {
    if (bytes.length % 2 !== 0) throw undecodable(path, 'yaml: incomplete UTF-16 character');
    const body = Buffer.from(bytes.subarray(2));
    return (utf16 === 'be' ? body.swap16() : body).toString('utf16le');
  }
  const text = bytes.toString('utf8');
  // Valid UTF-8 is exactly what survives the round trip; only a text with U+FFFD can be otherwise.
  if (text.includes('\uFFFD') && !Buffer.from(text, 'utf8').equals(bytes)) throw undecodable(path, 'yaml: the file is not valid UTF-8 (nor UTF-16 with a byte-order mark)');
  return text;
}

/** A kubeconfig over MAX_KUBECONFIG_BYTES (the reader's and the writer's limit). */
export function tooLarge(path: string, size: number): CliError {
  return new CliError('ERR_KUBECONFIG_UNREADABLE', `error loading config file "${path}": ${size} bytes is larger than the ${MAX_KUBECONFIG_BYTES / 1024 / 1024} MiB limit`);
}

function undecodable(path: string, reason: string): CliError {
  return new CliError('ERR_KUBECONFIG_MALFORMED', `error loading config file "${path}": ${reason}`, {
    hint: 'save it as UTF-8; sa-kubeconfig never overwrites a kubeconfig it cannot parse',
  });
}

async function readCapped(deps: Pick<Deps, 'fs'>, path: string, limit: number): Promise<Buffer> {
  const handle = await deps.fs.open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1024 * 1024, limit + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) return Buffer.concat(chunks, total);
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) {
        throw new CliError('ERR_KUBECONFIG_UNREADABLE', `error loading config file "${path}": more than the ${limit / 1024 / 1024} MiB limit`);
      }
    }
  } finally {
    await handle.close();
  }
}

export interface LoadOptions {
  /** For writers (kubectl config set-*): a missing --kubeconfig file is an empty config, not an error. */
  readonly allowMissingExplicit?: boolean;
  /** The caller has just migrated the legacy ~/.kube/.kubeconfig (the writer does, first). */
  readonly migrated?: boolean;
  /**
   * For readers that never write (the probe): a file of several YAML documents is read as kubectl
   * reads it, its first document, instead of refused (a writer refuses it: a rewrite would drop
   * the rest).
   */
  readonly readOnly?: boolean;
}

export async function loadKubeconfigs(deps: LoadDeps, explicitPath?: string, options: LoadOptions = {}): Promise<LoadedKubeconfigs> {
  if (!options.migrated) await migrateLegacyKubeconfig(deps);
  const precedence = kubeconfigPrecedence(deps, explicitPath);
  const files: LoadedFile[] = [];
  for (const path of precedence) {
    const config = await readKubeconfigFile(deps, path, options.readOnly ? { firstDocumentOnly: true } : {});
    files.push(config === undefined ? { path, exists: false } : { path, exists: true, config });
  }
  const explicit = explicitPath !== undefined && explicitPath !== '' ? precedence[0] : undefined;
  if (explicit !== undefined && !files[0]?.exists && !options.allowMissingExplicit) {
    throw new CliError('ERR_KUBECONFIG_NOT_FOUND', `kubeconfig ${explicit} does not exist`, {
      hint: 'check the --kubeconfig path',
    });
  }
  return { ...(explicit === undefined ? {} : { explicitPath: explicit }), precedence, files, merged: mergeKubeconfigs(files) };
}

function isPermissionError(error: unknown): boolean {
  const code = errnoCode(error);
  return code === 'EACCES' || code === 'EPERM';
}

/**
 * client-go Migrate's stat of ~/.kube/config: true when it exists, or may not be looked at
 * (skipped); false when it does not exist (migrate); any other error fails the load, as it fails
 * every kubectl command ("stat …/.kube/config: not a directory" when ~/.kube is a file).
 */
async function statMigrationDestination(deps: Pick<Deps, 'fs'>, destination: string): Promise<boolean> {
  try {
    await deps.fs.stat(destination);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    if (isPermissionError(error)) return true;
    throw new CliError('ERR_KUBECONFIG_UNREADABLE', `stat ${destination}: ${describeErrno(error)}`, {
      cause: error,
      hint: `kubectl fails every command the same way: make ${dirname(destination)} a directory (or move it away)`,
    });
  }
}

/**
 * client-go's Load() starts with Migrate() (loader.go currentMigrationRules): when ~/.kube/config
 * does not exist and the legacy ~/.kube/.kubeconfig does, the legacy file is copied there, with
 * its mode & 0666, whatever KUBECONFIG or --kubeconfig say. Without it, a first `init` wrote a
 * ~/.kube/config holding only our entries, and kubectl never migrated (nor showed) the legacy
 * file again. Unlike client-go's WriteFile, the copy appears whole or not at all (a temp file
 * linked into place, which also never replaces a file created meanwhile).
 */
export async function migrateLegacyKubeconfig(deps: Pick<Deps, 'fs' | 'homeDir' | 'cwd'> & Partial<Pick<Deps, 'pid'>>): Promise<void> {
  const destination = resolve(deps.cwd, join(deps.homeDir, '.kube', 'config'));
  const source = resolve(deps.cwd, join(deps.homeDir, '.kube', '.kubeconfig'));
  // The legacy file first: it is almost never there, so this is one stat for every load.
  let sourceStat;
  try {
    sourceStat = await statIfExists(deps.fs, source);
  } catch (error) {
    // Not ours to read: nothing to migrate (client-go skips it). Anything else (~/.kube is a
    // file: ENOTDIR) fails client-go's stat of the destination first, and with it every load.
    if (!isPermissionError(error)) await statMigrationDestination(deps, destination);
    return;
  }
  if (sourceStat === undefined) return; // missing, as nearly always
  if (await statMigrationDestination(deps, destination)) return;
  const hint = 'kubectl fails the same way: create ~/.kube/config (or make ~/.kube writable), or move ~/.kube/.kubeconfig away';
  if (sourceStat.isDirectory()) throw new CliError('ERR_KUBECONFIG_UNREADABLE', `cannot migrate ${source} to ${destination} because it is a directory`, { hint });
  if (!sourceStat.isFile()) return;
  if (sourceStat.size > MAX_KUBECONFIG_BYTES) throw tooLarge(source, sourceStat.size);
  // Named as store.ts names its temp files, so a run killed here leaves one that the next write of
  // ~/.kube/config recovers; unique, so two runs (even with one pid, in two containers) never meet.
  const temp = join(dirname(destination), tempFileName(basename(destination), deps.pid ?? 0));
  let created = false;
  try {
    const bytes = await deps.fs.readFile(source);
    const write = async (path: string) => {
      const handle = await deps.fs.open(path, 'wx', sourceStat.mode & 0o666);
      if (path === temp) created = true;
      try {
        await handle.writeFile(bytes.toString('latin1'), 'latin1');
        await handle.sync();
      } finally {
        await handle.close();
      }
    };
    await write(temp);
    try {
      await deps.fs.link(temp, destination);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EEXIST') return; // created meanwhile: that one stands
      // A file system without hard links (vfat, some SMB or FUSE homes): written in place, still
      // never over an existing file, as client-go's WriteFile would succeed there.
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV' || code === 'ENOSYS') await write(destination);
      else throw error;
    }
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return;
    throw new CliError('ERR_KUBECONFIG_UNWRITABLE', `cannot migrate ${source} to ${destination}: ${describeErrno(error)}`, { hint, cause: error });
  } finally {
    if (created) await deps.fs.unlink(temp).catch(() => undefined);
  }
}

/** Pure: client-go's merge (first file wins per name, whole entry; first non-empty current-context wins). */
export function mergeKubeconfigs(files: readonly LoadedFile[]): MergedKubeconfig {
  const clusters = new Map<string, Origin<Cluster>>();
  const users = new Map<string, Origin<User>>();
  const contexts = new Map<string, Origin<Context>>();
  let currentContext: string | undefined;
  for (const file of files) {
    const config = file.config;
    if (!config) continue;
    for (const entry of config.clusters ?? []) {
      if (!clusters.has(entry.name)) clusters.set(entry.name, { value: resolveClusterPaths(entry.cluster ?? {}, file.path), file: file.path });
    }
    for (const entry of config.users ?? []) {
      if (!users.has(entry.name)) users.set(entry.name, { value: resolveUserPaths(entry.user ?? {}, file.path), file: file.path });
    }
    for (const entry of config.contexts ?? []) {
      if (!contexts.has(entry.name)) contexts.set(entry.name, { value: entry.context ?? {}, file: file.path });
    }
    const current = config['current-context'];
    if (currentContext === undefined && current) currentContext = current;
  }
  return { clusters, users, contexts, ...(currentContext === undefined ? {} : { currentContext }) };
}

/**
 * The context to use, with its cluster and user. `files` (what was read, in order) lets the
 * message name them: on a first run there is often no kubeconfig at all, and "no current
 * context" alone does not say so.
 */
export function resolveContext(merged: MergedKubeconfig, contextName?: string, files?: readonly LoadedFile[], inClusterMissing?: string): ResolvedContext {
  const name = contextName ?? merged.currentContext;
  // Whatever the context asked for, the first thing to say on a first run is that nothing exists.
  if (files !== undefined && files.length > 0 && files.every((file) => !file.exists)) {
    const paths = files.map((file) => file.path);
    throw new CliError('ERR_CONTEXT_NOT_FOUND', `no kubeconfig to read: ${paths.length === 1 ? `${paths[0]} does not exist` : `none of ${paths.join(', ')} exists`}`, {
      hint:
        inClusterMissing !== undefined
          ? `this looks like a pod (KUBERNETES_SERVICE_HOST is set), but kubectl's in-cluster fallback is not possible: ${inClusterMissing}; or pass --kubeconfig FILE`
          : 'pass --kubeconfig FILE, or write one first (sa-kubeconfig init, from-secret or from-serviceaccount)',
    });
  }
  if (name === undefined || name === '') {
    const paths = (files ?? []).filter((file) => file.exists).map((file) => file.path);
    throw new CliError('ERR_CONTEXT_NOT_FOUND', `no current context is set in ${paths.length === 0 ? 'the kubeconfig' : paths.join(', ')}`, {
      hint: 'pass --context NAME, or set one with: kubectl config use-context NAME',
    });
  }
  const context = merged.contexts.get(name);
  if (!context) {
    const known = [...merged.contexts.keys()];
    throw new CliError('ERR_CONTEXT_NOT_FOUND', `context "${name}" was not found in the kubeconfig`, {
      hint: known.length > 0 ? `known contexts: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}` : 'the kubeconfig has no contexts',
    });
  }
  const clusterName = context.value.cluster ?? '';
  const cluster = merged.clusters.get(clusterName);
  if (!cluster) {
    throw new CliError('ERR_CLUSTER_NOT_FOUND', `cluster "${clusterName}" of context "${name}" was not found in the kubeconfig`, {
      hint: 'kubectl would silently fall back to http://localhost:8080; add the cluster or fix the context',
    });
  }
  const userName = context.value.user ?? '';
  const user = merged.users.get(userName);
  const namespace = context.value.namespace;
  return {
    contextName: name,
    clusterName,
    userName,
    namespace: namespace || 'default',
    namespaceExplicit: Boolean(namespace),
    cluster: cluster.value,
    user: user?.value ?? {},
    userFound: user !== undefined,
    contextFile: context.file,
    clusterFile: cluster.file,
    ...(user ? { userFile: user.file } : {}),
  };
}

// client-go ResolveLocalPaths: relative file references are relative to the defining file's dir.
function resolvePath(path: string | undefined, file: string): string | undefined {
  if (path === undefined || path === '' || isAbsolute(path)) return path;
  return resolve(dirname(file), path);
}

function resolveClusterPaths(cluster: Cluster, file: string): Cluster {
  const ca = resolvePath(cluster['certificate-authority'], file);
  return ca === cluster['certificate-authority'] ? cluster : { ...cluster, 'certificate-authority': ca };
}

function resolveUserPaths(user: User, file: string): User {
  const resolved: User = {
    ...user,
    'client-certificate': resolvePath(user['client-certificate'], file),
    'client-key': resolvePath(user['client-key'], file),
    tokenFile: resolvePath(user.tokenFile, file),
  };
  // exec.command is resolved only when it contains a path separator (GetAuthInfoFileReferences).
  if (user.exec?.command?.includes('/')) resolved.exec = { ...user.exec, command: resolvePath(user.exec.command, file) };
  for (const key of ['client-certificate', 'client-key', 'tokenFile'] as const) {
    if (resolved[key] === undefined) delete resolved[key];
  }
  return resolved;
}

/**
 * The file a new stanza is written to (client-go config.go PathOptions.GetDefaultFilename):
 * --kubeconfig; else a single KUBECONFIG entry; else the first existing file in the chain, or the
 * last one when none exists; without KUBECONFIG, ~/.kube/config.
 */
export function defaultWriteFile(loaded: Pick<LoadedKubeconfigs, 'explicitPath' | 'precedence' | 'files'>): string {
  if (loaded.explicitPath !== undefined) return loaded.explicitPath;
  if (loaded.precedence.length === 1) return loaded.precedence[0] as string;
  const existing = loaded.files.find((file) => file.exists);
  return existing?.path ?? (loaded.precedence[loaded.precedence.length - 1] as string);
}
