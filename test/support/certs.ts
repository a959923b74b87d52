// TLS material generated per run (never committed): a CA, a server certificate with the SANs a real
// API server has (kubeadm GetAPIServerAltNames plus localhost/127.0.0.1/::1), client certificates
// for an admin identity, and the broken variants probe tests need (expired, wrong SANs, other CA).
// ECDSA P-256 keeps generation in the low milliseconds. Node built-ins + @peculiar/x509 only.
import { webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';

// @peculiar/x509 2.x uses tsyringe, which refuses to load without a Reflect metadata polyfill
// ("tsyringe requires a reflect polyfill"). Rather than adding reflect-metadata as a dependency,
// install the few functions tsyringe/tslib call, then load x509 (a static import would be
// evaluated before this code runs). Loaded on first use rather than with a top-level await: the
// shipped `demo` bundles this file, and the single-file CommonJS build cannot hold a top-level
// await. A bundled CommonJS x509 may arrive as the default export only, hence the unwrap.
let x509Loaded: Promise<typeof X509> | undefined;
function loadX509(): Promise<typeof X509> {
  x509Loaded ??= (async () => {
    installReflectMetadata();
    const imported = await import('@peculiar/x509');
    const x509 = 'cryptoProvider' in imported ? imported : (imported as unknown as { default: typeof X509 }).default;
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })();
  return x509Loaded;
}

function installReflectMetadata(): void {
  const reflect = Reflect as unknown as Record<string, unknown>;
  if (typeof reflect.getMetadata === 'function') return;
  const store = new WeakMap<object, Map<unknown, unknown>>();
  const define = (key: unknown, value: unknown, target: object): void => {
    let map = store.get(target);
    if (!map) store.set(target, (map = new Map()));
    map.set(key, value);
  };
  const get = (key: unknown, target: object): unknown => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const map = store.get(t);
      if (map?.has(key)) return map.get(key);
    }
    return undefined;
  };
  const getOwn = (key: unknown, target: object): unknown => store.get(target)?.get(key);
  reflect.defineMetadata = define;
  reflect.getMetadata = get;
  reflect.getOwnMetadata = getOwn;
  reflect.hasOwnMetadata = (key: unknown, target: object): boolean => store.get(target)?.has(key) ?? false;
  reflect.hasMetadata = (key: unknown, target: object): boolean => get(key, target) !== undefined;
  reflect.metadata = (key: unknown, value: unknown) => (target: object) => define(key, value, target);
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_SERVER_DNS_NAMES = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
  'localhost',
] as const;
export const DEFAULT_SERVER_IPS = ['127.0.0.1', '::1'] as const;

/** A certificate and its PKCS#8 key, both PEM. */
export interface KeyPairPem {
  readonly cert: string;
  readonly key: string;
}

/** A CA that can sign more certificates. `cert`/`key` are PEM. */
export interface CertificateAuthority extends KeyPairPem {
  readonly subject: string;
  readonly certificate: X509.X509Certificate;
  readonly keys: CryptoKeyPair;
}

export interface Pki {
  readonly ca: CertificateAuthority;
  readonly server: KeyPairPem;
  /** CN=admin-user, O=system:masters, signed by `ca`. */
  readonly admin: KeyPairPem;
}

type CryptoKeyPair = webcrypto.CryptoKeyPair;

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // keep it positive
  return Buffer.from(bytes).toString('hex');
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
}

async function exportKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const x509 = await loadX509();
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

function escapeDnValue(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}

function distinguishedName(commonName: string, organizations: readonly string[] = []): string {
  return [...organizations.map((o) => `O=${escapeDnValue(o)}`), `CN=${escapeDnValue(commonName)}`].join(', ');
}

export interface CaOptions {
  readonly commonName?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

/** A self-signed CA, like kubeadm's `kubernetes` CA. */
export async function generateCa(options: CaOptions = {}): Promise<CertificateAuthority> {
  const x509 = await loadX509();
  const keys = await generateKeys();
  const subject = `CN=${escapeDnValue(options.commonName ?? 'kubernetes')}`;
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: subject,
    notBefore: options.notBefore ?? new Date(now - DAY_MS),
    notAfter: options.notAfter ?? new Date(now + 3650 * DAY_MS),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: certificate.toString('pem'), key: await exportKeyPem(keys.privateKey), subject, certificate, keys };
}

/** An intermediate CA signed by `ca` (as an organisation's issuing CA below its root). */
export async function issueIntermediateCa(ca: CertificateAuthority, commonName = 'intermediate'): Promise<CertificateAuthority> {
  const x509 = await loadX509();
  const keys = await generateKeys();
  const subject = `CN=${escapeDnValue(commonName)}`;
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: ca.certificate.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 3650 * DAY_MS),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  return { cert: certificate.toString('pem'), key: await exportKeyPem(keys.privateKey), subject, certificate, keys };
}

interface LeafOptions {
  readonly subject: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly usage: 'server' | 'client';
  readonly dnsNames?: readonly string[];
  readonly ips?: readonly string[];
}

async function issueLeaf(ca: CertificateAuthority, options: LeafOptions): Promise<KeyPairPem> {
  const x509 = await loadX509();
  const keys = await generateKeys();
  const now = Date.now();
  const sans: X509.JsonGeneralName[] = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: options.subject,
    issuer: ca.certificate.subject,
    notBefore: options.notBefore ?? new Date(now - 60 * 60 * 1000),
    notAfter: options.notAfter ?? new Date(now + 365 * DAY_MS),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(
        [options.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
      ...(sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans, false)] : []),
    ],
  });
  return { cert: certificate.toString('pem'), key: await exportKeyPem(keys.privateKey) };
}

export interface ServerCertOptions {
  /** Replaces the default DNS SANs (DEFAULT_SERVER_DNS_NAMES). */
  readonly dnsNames?: readonly string[];
  /** Replaces the default IP SANs (DEFAULT_SERVER_IPS). */
  readonly ips?: readonly string[];
  /** Added to the DNS/IP SANs (after the defaults or the replacements). */
  readonly extraDnsNames?: readonly string[];
  readonly extraIps?: readonly string[];
  readonly commonName?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

/** A serving certificate like kube-apiserver's (CN=kube-apiserver, EKU serverAuth). */
export async function issueServerCert(ca: CertificateAuthority, options: ServerCertOptions = {}): Promise<KeyPairPem> {
  return issueLeaf(ca, {
    subject: `CN=${escapeDnValue(options.commonName ?? 'kube-apiserver')}`,
    usage: 'server',
    dnsNames: [...(options.dnsNames ?? DEFAULT_SERVER_DNS_NAMES), ...(options.extraDnsNames ?? [])],
    ips: [...(options.ips ?? DEFAULT_SERVER_IPS), ...(options.extraIps ?? [])],
    ...(options.notBefore ? { notBefore: options.notBefore } : {}),
    ...(options.notAfter ? { notAfter: options.notAfter } : {}),
  });
}

/** A server certificate with the usual SANs that expired yesterday (valid from 30 days ago). */
export async function issueExpiredServerCert(ca: CertificateAuthority): Promise<KeyPairPem> {
  const now = Date.now();
  return issueServerCert(ca, { notBefore: new Date(now - 30 * DAY_MS), notAfter: new Date(now - DAY_MS) });
}

/** A valid server certificate whose only SAN is DNS `wrong.example` (no localhost, no IPs). */
export async function issueWrongSanServerCert(ca: CertificateAuthority): Promise<KeyPairPem> {
  return issueServerCert(ca, { commonName: 'wrong.example', dnsNames: ['wrong.example'], ips: [] });
}

export interface ClientCertOptions {
  readonly commonName: string;
  readonly organizations?: readonly string[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

/** A client certificate: the API server's x509 authenticator maps CN → username, O → groups. */
export async function issueClientCert(ca: CertificateAuthority, options: ClientCertOptions): Promise<KeyPairPem> {
  return issueLeaf(ca, {
    subject: distinguishedName(options.commonName, options.organizations),
    usage: 'client',
    ...(options.notBefore ? { notBefore: options.notBefore } : {}),
    ...(options.notAfter ? { notAfter: options.notAfter } : {}),
  });
}

export interface PkiOptions {
  readonly extraDnsNames?: readonly string[];
  readonly extraIps?: readonly string[];
}

/** A fresh CA, a server certificate for it, and the admin client certificate. */
export async function generatePki(options: PkiOptions = {}): Promise<Pki> {
  const ca = await generateCa();
  const [server, admin] = await Promise.all([
    issueServerCert(ca, {
      ...(options.extraDnsNames ? { extraDnsNames: options.extraDnsNames } : {}),
      ...(options.extraIps ? { extraIps: options.extraIps } : {}),
    }),
    issueClientCert(ca, { commonName: 'admin-user', organizations: ['system:masters'] }),
  ]);
  return { ca, server, admin };
}

/** base64 of a PEM, as kubeconfig `certificate-authority-data` / `client-*-data` want it. */
export function pemToBase64(pem: string): string {
  return Buffer.from(pem).toString('base64');
}
