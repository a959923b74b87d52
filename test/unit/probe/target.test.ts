import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCliError } from '../../../src/errors.js';
import { loadGoSystemRoots, loadTrust, parseCaBundle, planConnection, type ProbeTarget } from '../../../src/probe/target.js';
import { generateCa, type CertificateAuthority } from '../../support/certs.js';
import type { Cluster, User } from '../../../src/kubeconfig/schema.js';
import { nodeFileSystem, type FileSystem } from '../../../src/deps.js';

const target = (cluster: Cluster, user: User = {}): ProbeTarget => ({ label: 'ctx', namespace: 'default', cluster, user });

function errorCodeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isCliError(error) ? error.code : 'not a CliError';
  }
  return undefined;
}

describe('planConnection', () => {
  it.each([
    ['https://api.example.com', 'https', 'api.example.com', 443, '', 'https://api.example.com:443'],
    ['https://api.example.com:6443/', 'https', 'api.example.com', 6443, '', 'https://api.example.com:6443'],
    ['https://rancher.example.com/k8s/clusters/c-1/', 'https', 'rancher.example.com', 443, '/k8s/clusters/c-1', 'https://rancher.example.com:443'],
    ['https://[fd00::1]:6443', 'https', 'fd00::1', 6443, '', 'https://[fd00::1]:6443'],
    ['http://127.0.0.1:8080', 'http', '127.0.0.1', 8080, '', 'http://127.0.0.1:8080'],
  ])('%s', (server, scheme, host, port, prefix, origin) => {
    const plan = planConnection(target({ server }), {});
    expect(plan).toMatchObject({ scheme, host, port, pathPrefix: prefix, origin, checkedName: host });
  });

  it('checks the certificate against tls-server-name when set', () => {
    expect(planConnection(target({ server: 'https://10.0.0.1:6443', 'tls-server-name': 'kubernetes' }), {}).checkedName).toBe('kubernetes');
  });

  it.each([
    ['no server', { server: '' }, 'ERR_CONFIG_INVALID'],
    ['insecure together with a CA file', { server: 'https://a', 'insecure-skip-tls-verify': true, 'certificate-authority': '/ca.crt' }, 'ERR_CONFIG_INVALID'],
    ['insecure together with CA data', { server: 'https://a', 'insecure-skip-tls-verify': true, 'certificate-authority-data': 'eA==' }, 'ERR_CONFIG_INVALID'],
    ['a socks4 proxy-url', { server: 'https://a', 'proxy-url': 'socks4://p:1080' }, 'ERR_CONFIG_INVALID'],
    // kubectl: invalid 'proxy-url' "10.0.0.1:3128" for cluster "c": could not parse (the probe used to assume http:// and pass).
    ['a proxy-url without a scheme', { server: 'https://a', 'proxy-url': '10.0.0.1:3128' }, 'ERR_CONFIG_INVALID'],
    ['an ftp server', { server: 'ftp://a' }, 'ERR_CONFIG_INVALID'],
    ['a server URL carrying a user and password', { server: 'https://admin:s3cret@a:6443' }, 'ERR_CONFIG_INVALID'],
    // kubectl takes the server as written and cannot connect: the probe used to trim it and pass.
    ['a server with a space in front', { server: ' https://a:6443' }, 'ERR_CONFIG_INVALID'],
    ['a server with a space at the end', { server: 'https://a:6443 ' }, 'ERR_CONFIG_INVALID'],
  ])('rejects %s (exit 3)', (_name, cluster, code) => {
    expect(errorCodeOf(() => planConnection(target(cluster), {}))).toBe(code);
  });

  it.each([
    ['no TLS settings', {}, {}],
    ['a CA', { 'certificate-authority-data': 'Q0E=' }, {}],
    ['a client certificate', {}, { 'client-certificate': '/c.crt' }],
  ])('takes a scheme-less server with %s as plain http, as kubectl does (TLS is judged before the CA is read)', (_name, cluster, user) => {
    const plan = planConnection(target({ server: '10.0.0.1:6443', ...cluster }, user), {});
    expect(plan.scheme).toBe('http');
    expect(plan.origin).toBe('http://10.0.0.1:6443');
    expect(plan.warnings.join(' ')).toContain('has no scheme: kubectl talks plain http:// to it and sends no credentials');
  });

  it.each([
    // kubectl takes socks5:// in proxy-url (not socks5h://, which only HTTPS_PROXY may carry): the hint said to use a CONNECT proxy.
    ['socks5h:// in proxy-url', { 'proxy-url': 'socks5h://p:1080' }, {}, 'write socks5:// in proxy-url (kubectl refuses socks5h:// there): proxy-url: socks5://p:1080'],
    ['socks4:// in proxy-url', { 'proxy-url': 'socks4://p:1080' }, {}, 'use an http://, https:// (CONNECT) or socks5:// proxy in proxy-url'],
    ['socks4:// in HTTPS_PROXY', {}, { HTTPS_PROXY: 'socks4://p:1080' }, 'use an http://, https:// (CONNECT) or socks5:// proxy in HTTPS_PROXY'],
  ])('hints at the proxy schemes kubectl speaks, SOCKS5 among them, for %s', (_name, cluster, env, hint) => {
    try {
      planConnection(target({ server: 'https://a', ...cluster }), env);
      expect.unreachable();
    } catch (error) {
      expect(isCliError(error) && error.hint).toBe(hint);
    }
  });

  it('refuses certificate-authority and certificate-authority-data together, as kubectl does', () => {
    expect(errorCodeOf(() => planConnection(target({ server: 'https://a', 'certificate-authority': '/ca.crt', 'certificate-authority-data': 'Q0E=' }), {}))).toBe('ERR_CONFIG_INVALID');
  });

  it('names the user but never the password of a server URL with credentials', () => {
    try {
      planConnection(target({ server: 'https://admin:s3cret@a:6443' }), {});
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('admin:…@a:6443');
      expect((error as Error).message).not.toContain('s3cret');
    }
  });

  it.each([
    ['https://LOCALHOST:6443', 'proxy'],
    ['https://localhost:6443', 'direct'],
    ['https://[::ffff:127.0.0.1]:6443', 'direct'],
  ])('decides on the proxy for %s with the host as written, as Go does (%s)', (server, kind) => {
    expect(planConnection(target({ server }), { HTTPS_PROXY: 'http://proxy:3128' }).proxy.kind).toBe(kind);
  });

  it('warns that an http:// server never receives credentials', () => {
    expect(planConnection(target({ server: 'http://a:8080' }), {}).warnings.join(' ')).toMatch(/credentials are not sent/);
  });
});

let ca: CertificateAuthority;
let otherCa: CertificateAuthority;
beforeAll(async () => {
  [ca, otherCa] = await Promise.all([generateCa(), generateCa({ commonName: 'other' })]);
});

describe('loadTrust', () => {
  let pem = '';
  beforeAll(() => {
    pem = ca.cert;
  });
  const fs = { readFile: (path: string) => (path === '/ca.crt' ? Promise.resolve(pem) : Promise.reject(Object.assign(new Error('nope'), { code: 'ENOENT' }))) } as unknown as FileSystem;

  it.each([
    ['data over file', () => ({ 'certificate-authority-data': Buffer.from(pem).toString('base64'), 'certificate-authority': '/other.crt' }), 'certificate-authority-data'],
    ['the file', () => ({ 'certificate-authority': '/ca.crt' }), '/ca.crt'],
    ['system roots', () => ({}), 'system roots'],
  ])('uses %s', async (_name, cluster, source) => {
    expect((await loadTrust({ fs, env: {} }, target({ server: 'https://a', ...cluster() }))).caSource).toBe(source);
  });

  it.each([
    ['a missing file', { 'certificate-authority': '/missing.crt' }],
    ['data that is not PEM', { 'certificate-authority-data': Buffer.from('hello').toString('base64') }],
    ['PEM whose only block does not parse', { 'certificate-authority-data': Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64') }],
  ])('fails with exit 3 for %s', async (_name, cluster) => {
    await expect(loadTrust({ fs, env: {} }, target({ server: 'https://a', ...cluster }))).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' });
  });

  it('trusts the certificates after a corrupt block and counts the skipped one', async () => {
    const bundle = `-----BEGIN CERTIFICATE-----\nMIIBnotacert\n-----END CERTIFICATE-----\n${ca.cert}`;
    const trust = await loadTrust({ fs, env: {} }, target({ server: 'https://a', 'certificate-authority-data': Buffer.from(bundle).toString('base64') }));
    expect(trust.caCertificates).toHaveLength(1);
    expect(trust.skippedBlocks).toBe(1);
    expect(trust.caPem).toBe(bundle);
  });
});

describe('parseCaBundle (x509 AppendCertsFromPEM: blocks that fail are skipped)', () => {
  const body = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, '');
  const subjects = (pem: string) => parseCaBundle(pem).certificates.map((cert) => new X509Certificate(cert).subject);
  it.each([
    ['one certificate', () => ca.cert, ['CN=kubernetes'], 0],
    ['two certificates', () => `${otherCa.cert}\n${ca.cert}`, ['CN=other', 'CN=kubernetes'], 0],
    ['a comment before the block', () => `# my cluster CA\n${ca.cert}`, ['CN=kubernetes'], 0],
    ['CRLF line ends', () => ca.cert.replace(/\n/g, '\r\n'), ['CN=kubernetes'], 0],
    ['a corrupt first block (bad base64)', () => `-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n${ca.cert}`, ['CN=kubernetes'], 1],
    ['a first block that is base64 but not DER', () => `-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n${ca.cert}`, ['CN=kubernetes'], 1],
    ['a first block cut off (no END line)', () => `-----BEGIN CERTIFICATE-----\n${body(otherCa.cert).slice(0, 128)}\n${ca.cert}`, ['CN=kubernetes'], 1],
    ['a last block cut off', () => `${ca.cert}\n-----BEGIN CERTIFICATE-----\n${body(otherCa.cert).slice(0, 128)}\n`, ['CN=kubernetes'], 1],
    ['a private key first', () => `${ca.key}\n${ca.cert}`, ['CN=kubernetes'], 1],
    ['a block with headers', () => ca.cert.replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\n\n'), [], 1],
    ['no PEM at all', () => 'hello', [], 0],
  ])('%s', (_name, bundle, expected, skipped) => {
    expect(subjects(bundle())).toEqual(expected);
    expect(parseCaBundle(bundle()).skipped).toBe(skipped);
  });
});

describe('loadGoSystemRoots (crypto/x509 root_unix.go loadSystemRoots on Linux)', () => {
  let dir = '';
  let other: CertificateAuthority;
  let third: CertificateAuthority;
  beforeAll(async () => {
    [other, third] = await Promise.all([generateCa({ commonName: 'other' }), generateCa({ commonName: 'third' })]);
    dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-roots-'));
    mkdirSync(join(dir, 'certs'));
    writeFileSync(join(dir, 'bundle.crt'), ca.cert);
    writeFileSync(join(dir, 'certs', 'dropped-in.pem'), other.cert);
    // An OpenSSL hash link to a name in the same directory: Go skips it (readUniqueDirectoryEntries).
    writeFileSync(join(dir, 'elsewhere.pem'), third.cert);
    symlinkSync('dropped-in.pem', join(dir, 'certs', 'abcd1234.0'));
    symlinkSync(join(dir, 'elsewhere.pem'), join(dir, 'certs', 'via-link.pem'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const subjects = (pems: readonly string[]) => pems.map((pem) => new X509Certificate(pem).subject).sort();

  it('reads SSL_CERT_FILE and every file of SSL_CERT_DIR, each certificate once', async () => {
    const roots = await loadGoSystemRoots({ fs: nodeFileSystem, env: { SSL_CERT_FILE: join(dir, 'bundle.crt'), SSL_CERT_DIR: `${join(dir, 'missing')}:${join(dir, 'certs')}` } });
    expect(subjects(roots)).toEqual(['CN=kubernetes', 'CN=other', 'CN=third']);
  });

  it('reads the store once per process and setting, as Go\'s sync.Once (probe --all-contexts asks for every context)', async () => {
    let reads = 0;
    const counting = { ...nodeFileSystem, readFile: ((path: string, encoding: 'utf8') => {
      reads += 1;
      return nodeFileSystem.readFile(path, encoding);
    }) as typeof nodeFileSystem.readFile };
    const env = { SSL_CERT_FILE: join(dir, 'bundle.crt'), SSL_CERT_DIR: join(dir, 'certs') };
    const first = await loadGoSystemRoots({ fs: counting, env });
    const once = reads;
    expect(await loadGoSystemRoots({ fs: counting, env })).toBe(first);
    expect(reads).toBe(once);
    await loadGoSystemRoots({ fs: counting, env: { ...env, SSL_CERT_DIR: join(dir, 'none') } });
    expect(reads).toBe(once + 1);
  });

  it('is an empty pool when nothing is there, as in Go (no certificate is then trusted)', async () => {
    expect(await loadGoSystemRoots({ fs: nodeFileSystem, env: { SSL_CERT_FILE: join(dir, 'none.crt'), SSL_CERT_DIR: join(dir, 'none') } })).toEqual([]);
  });

  it('is what loadTrust trusts on Linux when the cluster names no CA (not Node\'s bundled roots)', async () => {
    const trust = await loadTrust({ fs: nodeFileSystem, env: { SSL_CERT_FILE: join(dir, 'bundle.crt'), SSL_CERT_DIR: join(dir, 'none') }, platform: 'linux' }, target({ server: 'https://a' }));
    expect(trust.caSource).toBe('system roots');
    expect(subjects(trust.caCertificates ?? [])).toEqual(['CN=kubernetes']);
    expect((await loadTrust({ fs: nodeFileSystem, env: {}, platform: 'darwin' }, target({ server: 'https://a' }))).caCertificates).toBeUndefined();
  });
});
