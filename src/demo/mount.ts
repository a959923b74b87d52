// A service-account mount laid out as the kubelet writes it (pkg/volume/util/atomic_writer.go):
// the files live in `..<timestamp>/`, `..data` is a symlink to it, and token, ca.crt and namespace
// are symlinks to `..data/<name>`. The demo reads it with `init --sa-dir`, exactly as in a pod.
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Deps } from '../deps.js';

export interface DemoMount {
  readonly dir: string;
  readonly tokenPath: string;
  readonly caPath: string;
  readonly namespacePath: string;
}

export interface DemoMountInput {
  readonly token: string;
  readonly caPem: string;
  readonly namespace: string;
}

/** Writes the mount under `root/serviceaccount`; the token file is 0600 like every secret we write. */
export async function writeDemoMount(deps: Pick<Deps, 'fs' | 'now'>, root: string, input: DemoMountInput): Promise<DemoMount> {
  const dir = join(root, 'serviceaccount');
  // AtomicWriter names the payload directory `..<UTC timestamp>.<random>`.
  const stamp = `..${deps.now().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace(/\..*$/, '')}.demo`;
  await deps.fs.mkdir(join(dir, stamp), { recursive: true, mode: 0o700 });
  await deps.fs.writeFile(join(dir, stamp, 'token'), input.token, { mode: 0o600 });
  await deps.fs.writeFile(join(dir, stamp, 'ca.crt'), input.caPem, { mode: 0o644 });
  await deps.fs.writeFile(join(dir, stamp, 'namespace'), input.namespace, { mode: 0o644 });
  await symlink(stamp, join(dir, '..data'));
  for (const name of ['token', 'ca.crt', 'namespace']) await symlink(join('..data', name), join(dir, name));
  return { dir, tokenPath: join(dir, 'token'), caPath: join(dir, 'ca.crt'), namespacePath: join(dir, 'namespace') };
}
