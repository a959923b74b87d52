// The probe's stages against the emulated API server, a black hole, a closed port and a CONNECT
// proxy: real sockets, real TLS, real HTTP — each stage passing and each failing.
import * as fsp from 'node:fs/promises';
import { mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { Socket, createServer } from 'node:net';
import { createServer as createTlsServer, type TlsOptions as TlsServerOptions } from 'node:tls';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnProcess } from '../../../src/children.js';
import { createSecretRegistry } from '../../../src/output.js';
import { nodeNetwork, type Network } from '../../../src/probe/connect.js';
import { createApiClient } from '../../../src/probe/http.js';
import { probeExitCode, type ProbeResult } from '../../../src/probe/result.js';
import { probeTarget } from '../../../src/probe/stages.js';
import type { ProbeTarget } from '../../../src/probe/target.js';
import type { Cluster, User } from '../../../src/kubeconfig/schema.js';
import { startApiServer, startBlackholeServer, startConnectProxy, startSocksProxy, type ApiServer, type BlackholeServer, type ConnectProxy, type SocksProxy } from '../../support/apiserver.js';
import { generateCa, generatePki, issueClientCert, issueIntermediateCa, issueServerCert, pemToBase64, type Pki } from '../../support/certs.js';

let pki: Pki;
let api: ApiServer;
let prefixed: ApiServer;
let otherCa: ApiServer;
let expiredCert: ApiServer;
let wrongSan: ApiServer;
let noReview: ApiServer;
let blackhole: BlackholeServer;
let proxy: ConnectProxy;
let refusingProxy: ConnectProxy;
let socks: SocksProxy;
let socksWithPassword: SocksProxy;
let refusingSocks: SocksProxy;
let closedPort: number;
let dir: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  pki = await generatePki();
  [api, prefixed, otherCa, expiredCert, wrongSan, noReview, blackhole, proxy, refusingProxy] = await Promise.all([
    startApiServer({ pki, redirects: { '/api/v1/namespaces/moved/pods': 'https://login.example/sso' } }),
    startApiServer({ pki, pathPrefix: '/k8s/clusters/c-1' }),
    startApiServer({ pki, serverCertificate: 'other-ca' }),
    startApiServer({ pki, serverCertificate: 'expired' }),
    startApiServer({ pki, serverCertificate: 'wrong-san' }),
    startApiServer({ pki, selfSubjectReview: false }),
    startBlackholeServer(),
    startConnectProxy(),
    startConnectProxy({ refuse: true }),
  ]);
  [socks, socksWithPassword, refusingSocks] = await Promise.all([startSocksProxy(), startSocksProxy({ credentials: { username: 'tunnel', password: 's3cret' } }), startSocksProxy({ refuse: true })]);
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  tokens['deployer'] = api.mintToken({ namespace: 'team-a', serviceAccount: 'deployer' });
  tokens['viewer'] = api.mintToken({ namespace: 'team-a', serviceAccount: 'viewer' });
  tokens['expired'] = api.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', expired: true });
  tokens['forged'] = api.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', wrongKey: true });
  dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-probe-'));
  writeFileSync(join(dir, 'ca.crt'), pki.ca.cert);
  writeFileSync(join(dir, 'token'), `${tokens['deployer']}\n`);
  writeFileSync(join(dir, 'admin.crt'), pki.admin.cert);
  writeFileSync(join(dir, 'admin.key'), pki.admin.key, { mode: 0o600 });
  for (const version of ['v1', 'v1beta1']) {
    const script = join(dir, `plugin-${version}.mjs`);
    writeFileSync(
      script,
      `#!/usr/bin/env node
const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);
if (info.kind !== 'ExecCredential' || info.spec.interactive !== false) process.exit(9);
if (${version === 'v1' ? 'true' : 'false'} && !info.spec.cluster?.server) process.exit(10);
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/${version}', kind: 'ExecCredential', status: { token: process.env.PLUGIN_TOKEN } }));
`,
    );
    chmodSync(script, 0o755);
  }
}, 60_000);

afterAll(async () => {
  await Promise.all([api, prefixed, otherCa, expiredCert, wrongSan, noReview, blackhole, proxy, refusingProxy, socks, socksWithPassword, refusingSocks].map((server) => server?.close()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const caData = () => pemToBase64(pki.ca.cert);

/** A bare TLS server with the usual serving certificate and the given options; it never answers HTTP. */
async function startTlsServer(options: TlsServerOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createTlsServer({ key: pki.server.key, cert: pki.server.cert, ...options });
  server.on('connection', (socket) => sockets.add(socket));
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const close = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `https://127.0.0.1:${port}`, close };
}
/** Each emulated server signs with its own key: a token is only good for the server that minted it. */
const tokenFor = (server: ApiServer) => server.mintToken({ namespace: 'team-a', serviceAccount: 'deployer' });

async function probe(
  cluster: Cluster,
  user: User,
  options: { timeoutMs?: number; timeoutFlag?: string; path?: string; env?: Record<string, string>; network?: Network; warn?: (line: string) => void; platform?: NodeJS.Platform } = {},
): Promise<ProbeResult> {
  const target: ProbeTarget = { label: 'test', namespace: 'team-a', cluster, user, userName: 'u', userFound: true };
  const secrets = createSecretRegistry();
  return probeTarget(
    {
      fs: fsp,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...options.env },
      spawn: spawnProcess,
      now: () => new Date(),
      platform: options.platform,
      network: options.network ?? nodeNetwork,
      createApiClient,
    },
    'test',
    () => Promise.resolve(target),
    { timeoutMs: options.timeoutMs ?? 5000, timeoutFlag: options.timeoutFlag, secrets, warn: options.warn ?? (() => {}), path: options.path },
  );
}

function summary(result: ProbeResult): string {
  return result.stages.map((stage) => `${stage.name}:${stage.status}`).join(' ');
}

function failure(result: ProbeResult) {
  return result.stages.find((stage) => stage.status === 'fail');
}

const ALL_OK = 'config:ok dns:ok tcp:ok tls:ok version:ok authn:ok authz:ok request:ok';

describe('probe stages against the emulated API server', () => {
  it('passes every stage with a valid token and reports the identity', async () => {
    const result = await probe({ server: api.url, 'certificate-authority-data': caData() }, { token: tokens['deployer'] });
    expect(summary(result)).toBe(ALL_OK);
    expect(probeExitCode(result)).toBe(0);
    expect(result.identity?.username).toBe('system:serviceaccount:team-a:deployer');
    expect(result.stages.find((s) => s.name === 'authz')?.detail).toBe('may list pods in team-a: yes');
  });

  it('reuses one TLS connection for every HTTP request', async () => {
    const before = api.requests.length;
    let connects = 0;
    const counting: Network = { ...nodeNetwork, connect: (address, port) => ((connects += 1), nodeNetwork.connect(address, port)) };
    const result = await probe({ server: api.url, 'certificate-authority-data': caData() }, { token: tokens['deployer'] }, { network: counting });
    expect(probeExitCode(result)).toBe(0);
    expect(connects).toBe(1);
    const ours = api.requests.slice(before);
    expect(ours.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /version',
      'POST /apis/authentication.k8s.io/v1/selfsubjectreviews',
      'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      'GET /api/v1/namespaces/team-a/pods',
    ]);
    expect(ours[0]?.hasAuthorization).toBe(false);
    expect(ours.slice(1).every((r) => r.hasAuthorization)).toBe(true);
  });

  it.each([
    ['an unknown host name', () => ({ server: 'https://no-such-api.invalid:6443', 'certificate-authority-data': caData() }), 'dns', 5, /cannot resolve no-such-api\.invalid/],
    ['a closed port', () => ({ server: `https://127.0.0.1:${closedPort}`, 'certificate-authority-data': caData() }), 'tcp', 5, /connection refused/],
    ['a server that never answers', () => ({ server: blackhole.url, 'certificate-authority-data': caData() }), 'tls', 5, /no answer within/],
    ['a certificate from another CA', () => ({ server: otherCa.url, 'certificate-authority-data': caData() }), 'tls', 6, /unknown authority/],
    ['an expired server certificate', () => ({ server: expiredCert.url, 'certificate-authority-data': caData() }), 'tls', 6, /expired at \d{4}-/],
    ['a hostname not in the SANs', () => ({ server: wrongSan.url, 'certificate-authority-data': caData() }), 'tls', 6, /not valid for 127\.0\.0\.1: it is valid for DNS:wrong\.example/],
    ['a refusing proxy', () => ({ server: api.url, 'certificate-authority-data': caData(), 'proxy-url': refusingProxy.url }), 'tcp', 5, /refused CONNECT/],
    ['a socks4 proxy-url (kubectl: unsupported scheme)', () => ({ server: api.url, 'certificate-authority-data': caData(), 'proxy-url': 'socks4://127.0.0.1:1080' }), 'config', 3, /unsupported scheme "socks4", must be http, https, or socks5/],
    ['a SOCKS5 proxy that refuses the destination', () => ({ server: api.url, 'certificate-authority-data': caData(), 'proxy-url': refusingSocks.url }), 'tcp', 5, /refused CONNECT 127\.0\.0\.1:\d+: SOCKS5 connection not allowed by ruleset/],
    ['a SOCKS5 proxy given the wrong password', () => ({ server: api.url, 'certificate-authority-data': caData(), 'proxy-url': socksWithPassword.url.replace('s3cret', 'wrong') }), 'tcp', 5, /SOCKS5 username\/password authentication failed/],
    // kubectl: invalid 'proxy-url' "127.0.0.1:PORT" for cluster "c": could not parse (client-go assumes no http:// there); the probe went through the proxy and passed.
    ['a proxy-url without a scheme', () => ({ server: api.url, 'certificate-authority-data': caData(), 'proxy-url': `127.0.0.1:${proxy.port}` }), 'config', 3, /^invalid 'proxy-url' "127\.0\.0\.1:\d+" for cluster "[^"]+": could not parse: 127\.0\.0\.1:\d+$/],
    ['insecure-skip-tls-verify together with a CA', () => ({ server: api.url, 'certificate-authority-data': caData(), 'insecure-skip-tls-verify': true }), 'config', 3, /specifying a root certificates file with the insecure flag is not allowed/],
  ])('fails at the right stage for %s', async (_name, cluster, stage, exitCode, message) => {
    const result = await probe(cluster(), { token: tokens['deployer'] }, { timeoutMs: 1500 });
    expect(failure(result)?.name).toBe(stage);
    expect(probeExitCode(result)).toBe(exitCode);
    expect(failure(result)?.error?.message).toMatch(message);
    expect(failure(result)?.error?.hint ?? '').not.toBe('');
  });

  it.each([
    ['without authentication', () => socks],
    ['with username and password (RFC 1929)', () => socksWithPassword],
  ])('goes through a socks5:// proxy-url %s, as kubectl does (net/http dials through SOCKS5)', async (_name, which) => {
    const through = which();
    const before = through.connects.length;
    const result = await probe({ server: api.url, 'certificate-authority-data': caData(), 'proxy-url': through.url }, { token: tokens['deployer'] });
    expect(probeExitCode(result), JSON.stringify(result.stages)).toBe(0);
    expect(result.stages.find((stage) => stage.name === 'tcp')?.detail).toMatch(/via proxy socks5:\/\/.*127\.0\.0\.1:\d+ \(cluster proxy-url\) at 127\.0\.0\.1:\d+: SOCKS5 CONNECT 127\.0\.0\.1:\d+ established/);
    expect(through.connects.slice(before)).toEqual([api.url.replace('https://', '')]);
  });

  it('hands a host name to the SOCKS5 proxy as a name (the proxy resolves it), as Go does', async () => {
    const before = socks.connects.length;
    const port = new URL(api.url).port;
    const result = await probe({ server: `https://localhost:${port}`, 'certificate-authority-data': caData(), 'proxy-url': socks.url }, { token: tokens['deployer'] });
    expect(probeExitCode(result), JSON.stringify(result.stages)).toBe(0);
    expect(socks.connects.slice(before)).toEqual([`localhost:${port}`]);
  });

  it('refuses a certificate that names the host only in its Common Name, as Go ≥1.15 does (exit 6)', async () => {
    const cnOnly = await startApiServer({ pki, serverCertificate: await issueServerCert(pki.ca, { commonName: 'localhost', dnsNames: [], ips: [] }) });
    try {
      const result = await probe({ server: cnOnly.url, 'certificate-authority-data': caData(), 'tls-server-name': 'localhost' }, { token: tokenFor(cnOnly) });
      expect(failure(result)?.name).toBe('tls');
      expect(probeExitCode(result)).toBe(6);
      expect(failure(result)?.error?.message).toContain('x509: certificate relies on legacy Common Name field, use SANs instead');
      expect(failure(result)?.error?.hint).toMatch(/subjectAltNames/);
    } finally {
      await cnOnly.close();
    }
  });

  // Go's dialParallel dials IPv4 300 ms after a silent IPv6 address (Happy Eyeballs); the probe dialled serially and gave
  // the dead IPv6 address the whole of --timeout 2s (partialDeadline's 2 s minimum): tcp failed, exit 5, where kubectl connects.
  it('connects over IPv4 when the host\'s IPv6 address never answers, as kubectl does (Happy Eyeballs)', async () => {
    const attempts: string[] = [];
    const dual: Network = {
      lookup: () => Promise.resolve([{ address: '2001:db8::dead', family: 6 }, { address: '127.0.0.1', family: 4 }]),
      connect: (address, port) => {
        attempts.push(address);
        return address === '127.0.0.1' ? nodeNetwork.connect(address, port) : new Socket();
      },
    };
    const result = await probe({ server: `https://api.dual.test:${api.port}`, 'certificate-authority-data': caData(), 'tls-server-name': 'localhost' }, { token: tokens['deployer'] }, { network: dual, timeoutMs: 2000 });
    expect(summary(result)).toBe(ALL_OK);
    expect(attempts.slice(0, 2)).toEqual(['2001:db8::dead', '127.0.0.1']);
    expect(result.stages.find((stage) => stage.name === 'tcp')?.detail).toMatch(/^connected to 127\.0\.0\.1:\d+ \(after \[2001:db8::dead\]:\d+: no answer yet from \[2001:db8::dead\]:\d+ when the other address family connected/);
    expect(result.stages.find((stage) => stage.name === 'tcp')?.ms).toBeLessThan(1500);
  });

  // kubectl: "x509: certificate has expired or is not yet valid: current time … is after <the CA's notAfter>"; the probe said
  // "server certificate expired at <the server certificate's notAfter, a year ahead>".
  it('names the lapsed CA when the CA, not the server certificate, has expired (exit 6)', async () => {
    const lapsed = await generateCa({ notBefore: new Date(Date.now() - 40 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const server = await startApiServer({ pki, serverCertificate: await issueServerCert(lapsed) });
    try {
      const result = await probe({ server: server.url, 'certificate-authority-data': pemToBase64(lapsed.cert) }, { token: tokenFor(server) });
      expect(failure(result)?.name).toBe('tls');
      expect(probeExitCode(result)).toBe(6);
      expect(failure(result)?.error?.message).toMatch(/^the CA certificate CN=kubernetes of certificate-authority-data expired at \d{4}-.*; the server certificate itself is valid until /);
    } finally {
      await server.close();
    }
  });

  // Go's hostnameInSNI drops trailing dots (every one: a loop); the probe sent "localhost." as SNI, which an SNI-routing balancer does not match.
  it.each(['localhost.', 'localhost..'])('sends a tls-server-name %s without its trailing dots as SNI, as Go does', async (tlsServerName) => {
    const names: string[] = [];
    const server = await startTlsServer({ SNICallback: (name, done) => (names.push(name), done(null)) });
    try {
      await probe({ server: server.url, 'certificate-authority-data': caData(), 'tls-server-name': tlsServerName }, { token: tokens['deployer'] }, { timeoutMs: 1000 });
      expect(names[0]).toBe('localhost');
    } finally {
      await server.close();
    }
  });

  // kubectl: "x509: certificate is valid for k*.example.test, not kube.example.test" (Go matches only a whole "*" label); Node's check took it, exit 0.
  it('refuses a certificate whose only SAN has a wildcard inside a label, as Go does (exit 6)', async () => {
    const partial = await startApiServer({ pki, serverCertificate: await issueServerCert(pki.ca, { dnsNames: ['k*.example.test'], ips: [] }) });
    try {
      const result = await probe({ server: partial.url, 'certificate-authority-data': caData(), 'tls-server-name': 'kube.example.test' }, { token: tokenFor(partial) });
      expect(failure(result)?.name).toBe('tls');
      expect(probeExitCode(result)).toBe(6);
      expect(failure(result)?.error?.message).toBe('server certificate is not valid for kube.example.test: it is valid for DNS:k*.example.test');
    } finally {
      await partial.close();
    }
  });

  it('trusts an intermediate CA as the certificate-authority, as Go does (any certificate in the pool is an anchor)', async () => {
    const intermediate = await issueIntermediateCa(pki.ca);
    const leaf = await issueServerCert(intermediate);
    const viaIntermediate = await startApiServer({ pki, serverCertificate: { cert: `${leaf.cert.trim()}\n${intermediate.cert.trim()}\n`, key: leaf.key } });
    try {
      for (const ca of [intermediate.cert, pki.ca.cert]) {
        const result = await probe({ server: viaIntermediate.url, 'certificate-authority-data': pemToBase64(ca) }, { token: tokenFor(viaIntermediate) });
        expect(result.stages.find((stage) => stage.name === 'tls')?.status, ca === pki.ca.cert ? 'the root' : 'the intermediate').toBe('ok');
      }
    } finally {
      await viaIntermediate.close();
    }
  });

  it.each([
    ['a corrupt first block', () => `-----BEGIN CERTIFICATE-----\nMIIBbroken\n-----END CERTIFICATE-----\n${pki.ca.cert}`],
    ['a first block cut off', () => `-----BEGIN CERTIFICATE-----\nMIIBcutoff\n${pki.ca.cert}`],
  ])('trusts the CA after %s in the bundle, as Go\'s AppendCertsFromPEM does, and warns', async (_name, bundle) => {
    const result = await probe({ server: api.url, 'certificate-authority-data': pemToBase64(bundle()) }, { token: tokens['deployer'] });
    expect(summary(result)).toBe(ALL_OK.replace('config:ok', 'config:warn'));
    expect(result.stages[0]?.detail).toMatch(/1 PEM block of the CA certificate-authority-data is not a certificate that parses and was skipped/);
  });

  it('offers only Go\'s default cipher suites: a TLS 1.2 server without an ECDHE suite fails at tls (exit 6), as kubectl does', async () => {
    // ECDHE-ECDSA-AES128-SHA256 is implemented by crypto/tls but not among its defaults (like the RSA key-exchange suites).
    const server = await startTlsServer({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256' });
    try {
      const result = await probe({ server: server.url, 'certificate-authority-data': caData() }, { token: tokens['deployer'] }, { timeoutMs: 1000 });
      expect(failure(result)?.name).toBe('tls');
      expect(probeExitCode(result)).toBe(6);
    } finally {
      await server.close();
    }
  });

  it('accepts a TLS 1.2 server that offers a Go default suite', async () => {
    const server = await startTlsServer({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA' });
    try {
      const result = await probe({ server: server.url, 'certificate-authority-data': caData() }, { token: tokens['deployer'] }, { timeoutMs: 1000 });
      expect(result.stages.find((stage) => stage.name === 'tls')?.detail).toMatch(/^TLSv1\.2, /);
    } finally {
      await server.close();
    }
  });

  describe('a server that requires a client certificate', () => {
    let strangerCert: { cert: string; key: string };
    beforeAll(async () => {
      strangerCert = await issueClientCert(await generateCa({ commonName: 'stranger-ca' }), { commonName: 'stranger' });
    });
    const requireClientCert = (extra: TlsServerOptions = {}) => startTlsServer({ requestCert: true, rejectUnauthorized: true, ca: pki.ca.cert, ...extra });

    it.each([
      ['TLS 1.3, no client certificate', {}, () => ({ token: tokens['deployer'] }), 'version', /^version: the server ended the TLS connection: remote error: tls: certificate required$/, /wants a client certificate it trusts and got none/],
      ['TLS 1.2, no client certificate', { maxVersion: 'TLSv1.2' as const }, () => ({ token: tokens['deployer'] }), 'tls', /^TLS handshake failed: remote error: tls: handshake failure$/, /client certificate/],
    ])('fails with a TLS error (exit 6) on one line: %s', async (_name, extra, user, stage, message, hint) => {
      const server = await requireClientCert(extra);
      try {
        const result = await probe({ server: server.url, 'certificate-authority-data': caData() }, user(), { timeoutMs: 2000 });
        expect(failure(result)?.name).toBe(stage);
        expect(probeExitCode(result)).toBe(6);
        expect(failure(result)?.error?.message).toMatch(message);
        expect(failure(result)?.error?.hint).toMatch(hint);
      } finally {
        await server.close();
      }
    });

    it('does not call the client certificate accepted in the tls row', async () => {
      const server = await requireClientCert();
      try {
        const result = await probe({ server: server.url, 'certificate-authority-data': caData() }, { 'client-certificate-data': pemToBase64(strangerCert.cert), 'client-key-data': pemToBase64(strangerCert.key) }, { timeoutMs: 2000 });
        const tlsRow = result.stages.find((stage) => stage.name === 'tls');
        expect(tlsRow?.status).toBe('ok');
        expect(tlsRow?.detail).toMatch(/client certificate from client-certificate-data sent \(not yet accepted: a TLS 1\.3 server judges it after the handshake/);
      } finally {
        await server.close();
      }
    });
  });

  it('accepts a wrong-SAN certificate once tls-server-name names a SAN (SNI and hostname check)', async () => {
    const result = await probe({ server: wrongSan.url, 'certificate-authority-data': caData(), 'tls-server-name': 'wrong.example' }, { token: tokenFor(wrongSan) });
    expect(summary(result)).toBe(ALL_OK);
    expect(result.stages.find((s) => s.name === 'tls')?.detail).toContain('wrong.example (tls-server-name)');
  });

  it('hints at tls-server-name with the SAN the certificate has', async () => {
    const result = await probe({ server: wrongSan.url, 'certificate-authority-data': caData() }, { token: tokens['deployer'] });
    expect(failure(result)?.error?.hint).toContain('tls-server-name: wrong.example');
  });

  it.each([
    ['a forged token', 'forged', /invalid for this cluster/],
    ['an expired token', 'expired', /token expired at \d{4}-/],
  ])('fails authn with exit 7 for %s', async (_name, which, hint) => {
    const result = await probe({ server: api.url, 'certificate-authority-data': caData() }, { token: tokens[which] });
    expect(failure(result)?.name).toBe('authn');
    expect(probeExitCode(result)).toBe(7);
    expect(failure(result)?.error?.hint).toMatch(hint);
  });

  it('refuses a token with a trailing newline at config (exit 3), as net/http refuses the Authorization header, without printing it', async () => {
    const token = tokens['deployer'] ?? '';
    const result = await probe({ server: api.url, 'certificate-authority-data': caData() }, { token: `${token}\n` });
    expect(failure(result)?.name).toBe('config');
    expect(probeExitCode(result)).toBe(3);
    expect(failure(result)?.error?.message).toContain('invalid header field value for "Authorization"');
    expect(JSON.stringify(result)).not.toContain(token.slice(-20));
  });

  it.each([
    ['basic auth', () => ({ username: 'admin', password: 'wrong' }), /username and password of user "admin"/],
    ['a tokenFile', () => ({ tokenFile: join(dir, 'forged-token') }), /the token in tokenFile .*forged-token is invalid/],
  ])('fails authn (exit 7) with a hint about the credential used: %s', async (_name, user, hint) => {
    writeFileSync(join(dir, 'forged-token'), tokens['forged'] ?? '');
    const result = await probe({ server: api.url, 'certificate-authority-data': caData() }, user());
    expect(failure(result)?.name).toBe('authn');
    expect(probeExitCode(result)).toBe(7);
    expect(failure(result)?.error?.hint).toMatch(hint);
  });

  describe('an oidc auth-provider', () => {
    const idToken = (expSecondsFromNow: number) =>
      `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'https://idp.invalid', exp: Math.floor(Date.now() / 1000) + expSecondsFromNow })).toString('base64url')}.c2ln`;
    const oidc = (config: Record<string, string>) => ({ 'auth-provider': { name: 'oidc', config: { 'idp-issuer-url': 'https://idp.invalid', 'client-id': 'k8s', ...config } } });

    it.each([
      ['an expired id-token and no refresh-token', () => oidc({ 'id-token': idToken(-3600) }), /No valid id-token, and cannot refresh without refresh-token/],
      ['an id-token that is not a JWT', () => oidc({ 'id-token': 'opaque-token', 'refresh-token': 'r' }), /ID Token is not a valid JWT/],
    ])('fails at config (exit 3) with %s, as kubectl fails before sending anything', async (_name, user, message) => {
      const before = api.requests.length;
      const result = await probe({ server: api.url, 'certificate-authority-data': caData() }, user());
      expect(failure(result)?.name).toBe('config');
      expect(probeExitCode(result)).toBe(3);
      expect(failure(result)?.error?.message).toMatch(message);
      expect(api.requests.length).toBe(before);
    });

    it('sends no expired id-token when kubectl would refresh it, and warns that the probe does not', async () => {
      const before = api.requests.length;
      const result = await probe({ server: api.url, 'certificate-authority-data': caData() }, oidc({ 'id-token': idToken(-3600), 'refresh-token': 'refresh-abc' }));
      expect(result.stages[0]?.status).toBe('warn');
      expect(result.stages[0]?.detail).toMatch(/kubectl would first refresh it with the refresh-token at https:\/\/idp\.invalid, which the probe does not do, so no token is sent/);
      expect(api.requests.slice(before).every((request) => !request.hasAuthorization)).toBe(true);
      expect(failure(result)?.error?.hint ?? '').toMatch(/oidc id-token needs a refresh/);
    });
  });

  it('warns before sending an expired token', async () => {
    const result = await probe({ server: api.url, 'certificate-authority-data': caData() }, { token: tokens['expired'] });
    expect(result.stages[0]?.status).toBe('warn');
    expect(result.stages[0]?.detail).toMatch(/the token expired at/);
  });

  it('reports an authz "no", still runs the request, and shows the server\'s 403 message (exit 8)', async () => {
    const result = await probe({ server: api.url, 'certificate-authority-data': caData() }, { token: tokens['viewer'] });
    expect(summary(result)).toBe('config:ok dns:ok tcp:ok tls:ok version:ok authn:ok authz:denied request:fail');
    expect(probeExitCode(result)).toBe(8);
    expect(failure(result)?.error?.message).toContain('pods is forbidden: User "system:serviceaccount:team-a:viewer" cannot list resource "pods" in API group "" in the namespace "team-a"');
  });

  it('exits 0 when authz says no but the request (--path) succeeds', async () => {
    const result = await probe({ server: api.url, 'certificate-authority-data': caData() }, { token: tokens['viewer'] }, { path: '/version' });
    expect(result.stages.find((s) => s.name === 'authz')?.status).toBe('ok');
    expect(probeExitCode(result)).toBe(0);
  });

  it.each([
    ['tokenFile (trailing newline trimmed)', () => ({ tokenFile: join(dir, 'token') })],
    ['tokenFile winning over a bad token', () => ({ tokenFile: join(dir, 'token'), token: tokens['forged'] })],
    ['client certificate files', () => ({ 'client-certificate': join(dir, 'admin.crt'), 'client-key': join(dir, 'admin.key') })],
    ['client certificate data', () => ({ 'client-certificate-data': pemToBase64(pki.admin.cert), 'client-key-data': pemToBase64(pki.admin.key) })],
    ['an exec plugin (v1)', () => ({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: join(dir, 'plugin-v1.mjs'), provideClusterInfo: true, interactiveMode: 'Never', env: [{ name: 'PLUGIN_TOKEN', value: tokens['deployer'] }] } })],
    ['an exec plugin (v1beta1)', () => ({ exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: join(dir, 'plugin-v1beta1.mjs'), env: [{ name: 'PLUGIN_TOKEN', value: tokens['deployer'] }] } })],
  ])('authenticates with %s', async (_name, user) => {
    const result = await probe({ server: api.url, 'certificate-authority': join(dir, 'ca.crt') }, user());
    expect(summary(result)).toBe(ALL_OK);
    expect(result.identity?.username).toMatch(/^(system:serviceaccount:team-a:deployer|admin-user)$/);
  });

  // net/http speaks TLS to an https:// proxy of a plain http:// server with Go's defaults (client-go
  // sets no TLS config for it): on Linux the system roots Go reads, which the probe used for the
  // server but not there (it verified that proxy against Node's bundled roots and failed).
  it('verifies an https:// proxy of a plain http:// server against the system roots Go reads on Linux', async () => {
    const proxyCa = await generateCa({ commonName: 'proxy-ca' });
    const serving = await issueServerCert(proxyCa);
    const sockets = new Set<Socket>();
    const server = createTlsServer({ cert: serving.cert, key: serving.key }, (client) => {
      sockets.add(client);
      client.on('error', () => undefined);
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      writeFileSync(join(dir, 'proxy-roots.crt'), proxyCa.cert);
      const roots = { SSL_CERT_FILE: join(dir, 'proxy-roots.crt'), SSL_CERT_DIR: join(dir, 'no-such-dir') };
      const result = await probe({ server: 'http://api.internal.test:8080', 'proxy-url': `https://localhost:${(server.address() as { port: number }).port}` }, {}, { env: roots, platform: 'linux', timeoutMs: 2000 });
      const tcp = result.stages.find((stage) => stage.name === 'tcp');
      expect(tcp?.status, JSON.stringify(tcp)).not.toBe('fail');
      expect(tcp?.detail).toMatch(/no CONNECT for a plain http:\/\/ server/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('talks plain http to a server without a scheme, without credentials, as kubectl does, and says so', async () => {
    const warnings: string[] = [];
    const result = await probe({ server: api.url.replace(/^https:\/\//, ''), 'certificate-authority-data': caData() }, { token: tokens['deployer'] }, { warn: (line: string) => warnings.push(line) });
    expect(warnings.join('\n')).toMatch(/has no scheme: kubectl talks plain http:\/\/ to it and sends no credentials/);
    expect(failure(result)?.name).toBe('version');
    expect(probeExitCode(result)).toBe(5);
    expect(failure(result)?.error?.message).toMatch(/./);
  });

  it('fails config with exit 3 and the installHint when the exec command is missing', async () => {
    const result = await probe(
      { server: api.url, 'certificate-authority-data': caData() },
      { exec: { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', command: 'no-such-auth-plugin-xyz', installHint: 'install it with: brew install no-such' } },
    );
    expect(failure(result)?.name).toBe('config');
    expect(probeExitCode(result)).toBe(3);
    expect(failure(result)?.error?.message).toBe('exec: executable no-such-auth-plugin-xyz not found');
    expect(failure(result)?.error?.hint).toBe('install it with: brew install no-such');
  });

  it('goes through the cluster proxy-url with one CONNECT', async () => {
    const before = proxy.connects.length;
    const result = await probe({ server: api.url, 'certificate-authority-data': caData(), 'proxy-url': proxy.url }, { token: tokens['deployer'] });
    expect(summary(result)).toBe(ALL_OK);
    expect(proxy.connects.slice(before)).toEqual([`127.0.0.1:${api.port}`]);
    expect(result.stages.find((s) => s.name === 'tcp')?.detail).toContain('via proxy');
  });

  it('tries the next address of a host when the first never answers, after its share of the time (Go partialDeadline), and names it', async () => {
    // api.multi.test resolves to an address that swallows the SYN, then to the API server.
    const multi: Network = {
      lookup: () => Promise.resolve([{ address: '192.0.2.1', family: 4 }, { address: '127.0.0.1', family: 4 }]),
      connect: (address, port) => (address === '192.0.2.1' ? new Socket() : nodeNetwork.connect(address, port)),
    };
    const result = await probe({ server: `https://api.multi.test:${api.port}`, 'certificate-authority-data': caData(), 'tls-server-name': 'localhost' }, { token: tokens['deployer'] }, { network: multi, timeoutMs: 5000 });
    expect(summary(result)).toBe(ALL_OK.replace('tcp:ok', 'tcp:warn'));
    // Its share: half of what was left of the 5 s when the tcp stage began.
    expect(result.stages.find((stage) => stage.name === 'tcp')?.detail).toMatch(new RegExp(`^connected to 127\\.0\\.0\\.1:${api.port} \\(after 192\\.0\\.2\\.1:${api.port}: i/o timeout after 2\\.\\ds\\), direct \\(no proxy configured\\)$`));
  });

  it.each([undefined, '--probe-timeout'])('names the flag that sets the limit (%s) when the dial or an exec plugin runs out of time', async (timeoutFlag) => {
    const flag = timeoutFlag ?? '--timeout';
    // Every address swallows the SYN: the connect deadline runs out.
    const silent: Network = { lookup: () => Promise.resolve([{ address: '192.0.2.1', family: 4 }]), connect: () => new Socket() };
    const dial = await probe({ server: 'https://api.silent.test:6443', 'certificate-authority-data': caData() }, { token: tokens['deployer'] }, { network: silent, timeoutMs: 600, timeoutFlag });
    const tcp = dial.stages.find((stage) => stage.name === 'tcp');
    expect(tcp?.status).toBe('fail');
    expect(tcp?.error?.hint).toMatch(new RegExp(`raise ${flag} only if the link is really slow$`));
    // A credential plugin that never answers.
    const plugin = await probe({ server: api.url, 'certificate-authority-data': caData() }, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sleep', args: ['30'], interactiveMode: 'Never' } }, { timeoutMs: 600, timeoutFlag });
    const config = plugin.stages.find((stage) => stage.status === 'fail');
    expect(config?.error?.hint).toMatch(new RegExp(`raise ${flag}$`));
  });

  it('fails authn (exit 8) when the server refuses the impersonation, with a hint about the impersonate verb', async () => {
    const { createServer: createHttpsServer } = await import('node:https');
    // What kube-apiserver's impersonation filter answers to every request of a user who may not impersonate.
    const server = createHttpsServer({ key: pki.server.key, cert: pki.server.cert }, (req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/version') return void res.end(JSON.stringify({ gitVersion: 'v1.32.4' }));
      res.statusCode = 403;
      res.end(JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: `users "${String(req.headers['impersonate-user'])}" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope` }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const result = await probe({ server: `https://127.0.0.1:${port}`, 'certificate-authority-data': caData() }, { token: tokens['deployer'], as: 'jane' });
      expect(failure(result)?.name).toBe('authn');
      expect(probeExitCode(result)).toBe(8);
      expect(failure(result)?.error?.message).toBe('authn: HTTP 403: users "jane" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope');
      expect(failure(result)?.error?.hint).toMatch(/--verb=impersonate --resource=users, .*--user=bob; or remove the impersonation/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it.each([
    ['closes the connection after the request', (socket: import('node:tls').TLSSocket) => socket.on('data', () => socket.end()), /^version: EOF: the server closed the connection without answering$/, /closed the connection after the request/],
    ['answers with something that is not HTTP', (socket: import('node:tls').TLSSocket) => socket.on('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\nnot http\r\n\r\n')), /^version: net\/http: HTTP\/1\.x transport connection broken: malformed HTTP response "SSH-2\.0-OpenSSH_9\.6"$/, /not an HTTP server/],
  ])('fails version in kubectl\'s words, with a hint, when the TLS server %s', async (_name, behave, message, hint) => {
    const sockets = new Set<import('node:net').Socket>();
    const server = createTlsServer({ key: pki.server.key, cert: pki.server.cert }, (socket) => {
      socket.on('error', () => {});
      behave(socket);
    });
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const result = await probe({ server: `https://127.0.0.1:${port}`, 'certificate-authority-data': caData() }, { token: tokens['deployer'] });
      expect(failure(result)?.name).toBe('version');
      expect(probeExitCode(result)).toBe(5);
      expect(failure(result)?.error?.message).toMatch(message);
      expect(failure(result)?.error?.hint).toMatch(hint);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('names the client certificate first when a TLS 1.3 server closes the connection without an alert after the handshake', async () => {
    // As a server that judges the certificate after a TLS 1.3 handshake and hangs up without saying why.
    const server = createTlsServer({ key: pki.server.key, cert: pki.server.cert }, (socket) => {
      socket.on('error', () => {});
      socket.on('data', () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const result = await probe({ server: `https://127.0.0.1:${port}`, 'certificate-authority-data': caData() }, { 'client-certificate': join(dir, 'admin.crt'), 'client-key': join(dir, 'admin.key') });
      expect(failure(result)?.error?.message).toMatch(/^version: EOF: the server closed the connection without answering/);
      expect(failure(result)?.error?.hint).toMatch(/^the server may have refused the client certificate from .*admin\.crt/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  describe('429 and 5xx with Retry-After, retried as client-go retries them', () => {
    /** An API server whose pod list answers `answers` in turn (then 200), recording what it got. */
    async function throttled(answers: readonly { status: number; retryAfter?: string }[]) {
      const { createServer: createHttpsServer } = await import('node:https');
      const podRequests: string[] = [];
      const server = createHttpsServer({ key: pki.server.key, cert: pki.server.cert }, (req, res) => {
        res.setHeader('content-type', 'application/json');
        const url = req.url ?? '';
        if (url === '/version') return void res.end(JSON.stringify({ gitVersion: 'v1.32.4' }));
        if (url.includes('selfsubjectreviews')) return void ((res.statusCode = 201), res.end(JSON.stringify({ status: { userInfo: { username: 'bob', groups: [] } } })));
        if (url.includes('selfsubjectaccessreviews')) return void ((res.statusCode = 201), res.end(JSON.stringify({ status: { allowed: true } })));
        const answer = answers[podRequests.length];
        podRequests.push(url);
        if (answer === undefined) return void res.end(JSON.stringify({ kind: 'PodList', items: [] }));
        res.statusCode = answer.status;
        if (answer.retryAfter !== undefined) res.setHeader('retry-after', answer.retryAfter);
        res.setHeader('x-kubernetes-pf-flowschema-uid', 'fs-uid-1');
        res.end(JSON.stringify({ kind: 'Status', code: answer.status, message: answer.status === 429 ? 'Too many requests, please try again later.' : 'etcd is down' }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      return { url: `https://127.0.0.1:${port}`, podRequests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    }

    it.each([
      ['429s', [{ status: 429, retryAfter: '0' }, { status: 429, retryAfter: '0' }], /; retried 2 times after HTTP 429 with Retry-After, as kubectl does$/],
      ['a 503', [{ status: 503, retryAfter: '0' }], /; retried 1 time after HTTP 503 with Retry-After, as kubectl does$/],
    ])('passes (with a warning) when the request succeeds after %s with Retry-After', async (_name, answers, detail) => {
      const server = await throttled(answers);
      try {
        const result = await probe({ server: server.url, 'certificate-authority-data': caData() }, { token: tokens['deployer'] });
        expect(probeExitCode(result)).toBe(0);
        expect(result.stages.at(-1)).toMatchObject({ name: 'request', status: 'warn' });
        expect(result.stages.at(-1)?.detail).toMatch(detail);
        expect(server.podRequests).toHaveLength(answers.length + 1);
      } finally {
        await server.close();
      }
    });

    it('gives up after 10 retries, as client-go does, with a hint about API Priority and Fairness', async () => {
      const server = await throttled(Array.from({ length: 20 }, () => ({ status: 429, retryAfter: '0' })));
      try {
        const result = await probe({ server: server.url, 'certificate-authority-data': caData() }, { token: tokens['deployer'] });
        expect(failure(result)?.name).toBe('request');
        expect(probeExitCode(result)).toBe(5);
        expect(server.podRequests).toHaveLength(11);
        expect(failure(result)?.error?.message).toBe('request: unexpected HTTP 429: Too many requests, please try again later. (retried 10 times after HTTP 429 with Retry-After, as kubectl does)');
        expect(failure(result)?.error?.hint).toMatch(/throttling .*API Priority and Fairness.*FlowSchema \(uid fs-uid-1\)/);
      } finally {
        await server.close();
      }
    });

    it.each([
      ['a 429 without Retry-After', { status: 429 }, /\.$/],
      ['a 500 without Retry-After', { status: 500 }, /etcd is down$/],
      ['a Retry-After past the deadline', { status: 429, retryAfter: '30' }, /\(the server asked to retry after 30s, past the probe's deadline \(kubectl would wait, up to 10 retries\)\)$/],
    ])('does not retry %s', async (_name, answer, message) => {
      const server = await throttled([answer]);
      try {
        const result = await probe({ server: server.url, 'certificate-authority-data': caData() }, { token: tokens['deployer'] }, { timeoutMs: 3000 });
        expect(failure(result)?.name).toBe('request');
        expect(server.podRequests).toHaveLength(1);
        expect(failure(result)?.error?.message).toMatch(message);
      } finally {
        await server.close();
      }
    });
  });

  it('probes an IPv6 server URL ([::1]) with the IP checked against the certificate', async () => {
    const v6 = await startApiServer({ pki, host: '::1' });
    try {
      const result = await probe({ server: v6.url.replace('127.0.0.1', '[::1]'), 'certificate-authority-data': caData() }, { token: tokenFor(v6) });
      expect(summary(result)).toBe(ALL_OK);
      expect(result.stages.find((s) => s.name === 'tls')?.detail).toContain('valid for ::1');
    } finally {
      await v6.close();
    }
  });

  describe('HTTPS_PROXY and NO_PROXY from the environment', () => {
    // Go never proxies loopback, so this needs the machine's own non-loopback address.
    const externalIp = Object.values(networkInterfaces())
      .flat()
      .find((entry) => entry !== undefined && !entry.internal && entry.family === 'IPv4')?.address;

    it.skipIf(externalIp === undefined).each([
      ['goes through HTTPS_PROXY', {}, 1],
      ['goes direct when NO_PROXY names the address', { NO_PROXY: externalIp ?? '' }, 0],
      ['goes direct when NO_PROXY has a CIDR containing it', { no_proxy: `${externalIp ?? ''}/32` }, 0],
    ])('%s', async (_name, noProxy, connects) => {
      const everywhere = await startApiServer({ pki, host: '::' });
      try {
        const before = proxy.connects.length;
        const result = await probe(
          { server: `https://${externalIp ?? ''}:${everywhere.port}`, 'certificate-authority-data': caData(), 'tls-server-name': 'localhost' },
          { token: tokenFor(everywhere) },
          { env: { HTTPS_PROXY: proxy.url, ...noProxy } },
        );
        expect(summary(result)).toBe(ALL_OK);
        expect(proxy.connects.length - before).toBe(connects);
        expect(result.stages.find((s) => s.name === 'tcp')?.detail).toMatch(connects ? /via proxy .* \(HTTPS_PROXY\)/ : /direct \((NO_PROXY|no_proxy) entry/);
      } finally {
        await everywhere.close();
      }
    });
  });

  it.each([
    ['sends https://LOCALHOST through HTTPS_PROXY (only lowercase localhost is exempt)', 'LOCALHOST', 1],
    ['connects to https://[::ffff:127.0.0.1] directly (an IPv4-mapped loopback address)', '[::ffff:127.0.0.1]', 0],
  ])('%s, as Go\'s ProxyFromEnvironment does', async (_name, host, connects) => {
    const everywhere = await startApiServer({ pki, host: '::' });
    try {
      const before = proxy.connects.length;
      const result = await probe(
        { server: `https://${host}:${everywhere.port}`, 'certificate-authority-data': caData(), 'tls-server-name': 'localhost' },
        { token: tokenFor(everywhere) },
        { env: { HTTPS_PROXY: proxy.url } },
      );
      expect(summary(result)).toBe(ALL_OK);
      expect(proxy.connects.length - before).toBe(connects);
    } finally {
      await everywhere.close();
    }
  });

  it('prefixes every path with the server URL path', async () => {
    const result = await probe({ server: prefixed.url, 'certificate-authority-data': caData() }, { token: tokenFor(prefixed) });
    expect(summary(result)).toBe(ALL_OK);
  });

  it('passes with a loud warning when verification is off', async () => {
    const result = await probe({ server: otherCa.url, 'insecure-skip-tls-verify': true }, { token: tokenFor(otherCa) });
    expect(result.stages.find((s) => s.name === 'tls')?.status).toBe('warn');
    expect(result.stages.find((s) => s.name === 'tls')?.detail).toContain('NOT VERIFIED');
    expect(probeExitCode(result)).toBe(0);
  });

  it('reports an unknown identity on a server without SelfSubjectReview and carries on', async () => {
    const result = await probe({ server: noReview.url, 'certificate-authority-data': caData() }, { token: tokenFor(noReview) });
    expect(result.stages.find((s) => s.name === 'authn')?.status).toBe('warn');
    expect(probeExitCode(result)).toBe(0);
  });

  it('falls back to the v1beta1 SelfSubjectReview on a 1.27 server', async () => {
    const old = await startApiServer({ pki, gitVersion: 'v1.27.9' });
    try {
      const result = await probe({ server: old.url, 'certificate-authority-data': caData() }, { token: tokenFor(old) });
      expect(summary(result)).toBe(ALL_OK);
      expect(result.stages.find((s) => s.name === 'authn')?.detail).toMatch(/^system:serviceaccount:team-a:deployer .*\[via v1beta1\]$/);
    } finally {
      await old.close();
    }
  });

  // kubectl auth whoami tries v1, v1beta1, then v1alpha1; the probe stopped after v1beta1 and said "identity unknown".
  it('falls back to the v1alpha1 SelfSubjectReview on a 1.26 server with the alpha API on, as kubectl auth whoami does', async () => {
    const alpha = await startApiServer({ pki, gitVersion: 'v1.26.15', selfSubjectReview: 'v1alpha1' });
    try {
      const result = await probe({ server: alpha.url, 'certificate-authority-data': caData() }, { token: tokenFor(alpha) });
      expect(summary(result)).toBe(ALL_OK);
      expect(result.stages.find((s) => s.name === 'authn')?.detail).toMatch(/^system:serviceaccount:team-a:deployer .*\[via v1alpha1\]$/);
    } finally {
      await alpha.close();
    }
  });

  it('never follows a redirect and names the Location', async () => {
    const result = await probe({ server: api.url, 'certificate-authority-data': caData() }, { token: tokens['deployer'] }, { path: '/api/v1/namespaces/moved/pods' });
    expect(failure(result)?.name).toBe('request');
    expect(failure(result)?.error?.message).toContain('https://login.example/sso');
  });

  it.each([
    ['a user without credentials', {}, true, /^user "u" has no credentials .*kubectl prompts for a username and password \("Please enter Username: "\) and, without a terminal .*fails with "error: EOF"$/],
    ['a user with only impersonation (as)', { as: 'jane' }, true, /^user "u" has no credentials/],
    ['a user the kubeconfig lacks', {}, false, /^context "test" names user "u", which is not in the kubeconfig: kubectl prompts for a username and password/],
  ])('fails config (exit 3) for %s over https, because kubectl would prompt for basic auth (client-go canIdentifyUser)', async (_name, user, found, message) => {
    const before = api.requests.length;
    const target: ProbeTarget = { label: 'test', namespace: 'team-a', cluster: { server: api.url, 'certificate-authority-data': caData() }, user, userName: 'u', userFound: found };
    const result = await probeTarget(
      { fs: fsp, env: {}, spawn: spawnProcess, now: () => new Date(), network: nodeNetwork, createApiClient },
      'test',
      () => Promise.resolve(target),
      { timeoutMs: 5000, secrets: createSecretRegistry(), warn: () => {} },
    );
    expect(summary(result)).toBe('config:fail');
    expect(probeExitCode(result)).toBe(3);
    expect(failure(result)?.error?.message).toMatch(message);
    expect(failure(result)?.error?.hint).toMatch(/kubectl config set-credentials u --token=/);
    expect(api.requests.length).toBe(before);
  });
});
