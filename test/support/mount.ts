// A service-account mount laid out the way the kubelet writes it (AtomicWriter): the files live in
// `..<timestamp>/`, `..data` is a symlink to it, and token/ca.crt/namespace are symlinks to
// `..data/<name>`. rotateMount() swaps `..data` like a token refresh does.
import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCa, type CertificateAuthority } from './certs.js';
import { boundTokenClaims, createTokenSigner, signJwt, type TokenSigner } from './jwt.js';

export interface MountOptions {
  readonly namespace?: string;
  readonly serviceAccount?: string;
  /** Use this token text verbatim instead of minting one. */
  readonly token?: string;
  /** Use this CA PEM verbatim. */
  readonly caPem?: string;
  /** Write no namespace file. */
  readonly omitNamespace?: boolean;
  readonly expirationSeconds?: number;
  readonly signer?: TokenSigner;
}

export interface Mount {
  readonly dir: string;
  readonly token: string;
  readonly caPem: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

let sharedCa: Promise<CertificateAuthority> | undefined;
/** One CA per test process is enough for mounts that are never served. */
export function testCa(): Promise<CertificateAuthority> {
  sharedCa ??= generateCa({ commonName: 'sa-kubeconfig-test-ca' });
  return sharedCa;
}

let sharedSigner: TokenSigner | undefined;
export function mintToken(namespace: string, serviceAccount: string, expirationSeconds = 3607, signer?: TokenSigner): string {
  sharedSigner ??= createTokenSigner();
  const chosen = signer ?? sharedSigner;
  return signJwt(
    chosen,
    boundTokenClaims(chosen.issuer, {
      namespace,
      serviceAccount: { name: serviceAccount, uid: '3f1c7a52-8d7e-4b0e-9f0e-1a2b3c4d5e6f' },
      pod: { name: `${serviceAccount}-pod`, uid: '0b9a8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d' },
      expirationSeconds,
    }),
  );
}

export async function makeMount(root: string, options: MountOptions = {}): Promise<Mount> {
  const namespace = options.namespace ?? 'team-a';
  const serviceAccount = options.serviceAccount ?? 'deployer';
  const token = options.token ?? mintToken(namespace, serviceAccount, options.expirationSeconds, options.signer);
  const caPem = options.caPem ?? (await testCa()).cert;
  const dir = join(root, 'serviceaccount');
  mkdirSync(dir, { recursive: true });
  const stamp = `..2026_11_28_00_00_00.${Math.random().toString(36).slice(2, 10)}`;
  mkdirSync(join(dir, stamp));
  writeFileSync(join(dir, stamp, 'token'), token);
  writeFileSync(join(dir, stamp, 'ca.crt'), caPem);
  if (!options.omitNamespace) writeFileSync(join(dir, stamp, 'namespace'), namespace);
  symlinkSync(stamp, join(dir, '..data'));
  for (const name of ['token', 'ca.crt', ...(options.omitNamespace ? [] : ['namespace'])]) symlinkSync(join('..data', name), join(dir, name));
  return { dir, token, caPem, namespace, serviceAccount };
}

/** Swap `..data` to a new timestamped dir holding a new token, atomically, as the kubelet does. */
export function rotateMount(mount: Mount, token: string): void {
  const stamp = `..2026_11_28_01_00_00.${Math.random().toString(36).slice(2, 10)}`;
  mkdirSync(join(mount.dir, stamp));
  writeFileSync(join(mount.dir, stamp, 'token'), token);
  writeFileSync(join(mount.dir, stamp, 'ca.crt'), mount.caPem);
  writeFileSync(join(mount.dir, stamp, 'namespace'), mount.namespace);
  symlinkSync(stamp, join(mount.dir, '..data_tmp'));
  renameSync(join(mount.dir, '..data_tmp'), join(mount.dir, '..data'));
}

export function tempDir(prefix = 'sa-kubeconfig-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
