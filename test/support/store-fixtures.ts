// What the store tests on real files share: Deps over the real file system in a temp dir (a home
// of its own, a fixed host name, every lock owner alive), and entries that embed a token.
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { buildServiceAccountEntries } from '../../src/kubeconfig/entry.js';
import type { StoreDeps } from '../../src/kubeconfig/store.js';

export function storeDeps(dir: string, extra: Partial<StoreDeps> = {}): StoreDeps {
  return {
    fs: fsp,
    env: {},
    cwd: dir,
    homeDir: join(dir, 'home'),
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    pid: process.pid,
    hostname: 'test-host',
    processAlive: () => true,
    ...extra,
  };
}

/** Cluster c-NAME, user u-NAME (an embedded token), context x-NAME. */
export const tokenEntries = (name: string) =>
  buildServiceAccountEntries({
    names: { cluster: `c-${name}`, user: `u-${name}`, context: `x-${name}` },
    server: 'https://k:6443',
    namespace: 'ns',
    ca: { kind: 'data', pem: '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n' },
    credential: { kind: 'token', token: `token-${name}-0123456789` },
  });
