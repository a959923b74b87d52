// A path with `..` in it as the kernel resolves it. client-go opens paths as given, so the kernel
// takes `link/../x` after following link (the x beside what link points at), where path.resolve
// and path.join fold `..` by text (the x beside link). Used for kubeconfig paths (store.ts) and
// the service-account mount (serviceaccount/read.ts).
import { isAbsolute, join, sep } from 'node:path';
import type { FileSystem } from './deps.js';

/**
 * `path` (absolute, or relative to `cwd`) with everything up to its last `..` resolved by
 * realpath, the rest joined to it; a path without `..` is returned as it is. Rejects as realpath
 * does when the part up to the last `..` does not exist (the kernel cannot go up from it); what
 * follows may be missing. Windows folds `..` by text itself: there, paths are taken as they are.
 */
export async function resolveParentSegments(fs: Pick<FileSystem, 'realpath'>, cwd: string, path: string): Promise<string> {
  const parts = path.split(sep);
  const last = parts.lastIndexOf('..');
  if (last === -1 || sep === '\\') return path;
  const upTo = parts.slice(0, last + 1).join(sep);
  return join(await fs.realpath(isAbsolute(upTo) ? upTo : `${cwd}${sep}${upTo}`), ...parts.slice(last + 1));
}
