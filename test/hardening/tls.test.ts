// TLS strictness: no path turns verification off silently, an http:// server never receives a
// token, and a redirect is never followed with credentials. Local servers record every request's
// headers, so "never received" is observed, not assumed.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { makeMount, tempDir, type Mount } from '../support/mount.js';
import { runCli } from '../support/run-cli.js';
import { createKubectlWorld, type KubectlWorld } from '../support/fake-kubectl-world.js';
import { cliCommand } from './built-cli.js';

interface Recorder {
  readonly url: string;
  readonly requests: { url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** A plain-http server that records every request and answers like an API server would over http. */
async function startRecorder(): Promise<Recorder> {
  const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.4' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let command: readonly string[];
let dir: string;
let mount: Mount;
let recorder: Recorder;
let api: ApiServer;
let authnRedirect: ApiServer;
let token: string;
const b64 = (text: string) => Buffer.from(text).toString('base64');

beforeAll(async () => {
  command = await cliCommand();
  dir = tempDir('sa-kubeconfig-tls-');
  recorder = await startRecorder();
  // Every path a probe sends credentials to is redirected to the recorder (answered before authentication).
  const target = `${recorder.url}/stolen`;
  api = await startApiServer({ redirects: { '/api/v1/namespaces/team-a/configmaps': target } });
  authnRedirect = await startApiServer({ pki: api.pki, redirects: { '/apis/authentication.k8s.io/v1/selfsubjectreviews': target } });
  token = api.mintToken({ namespace: 'team-a', serviceAccount: 'deployer' });
  mount = await makeMount(dir, { token, caPem: api.caPem });
});
afterAll(async () => {
  await recorder?.close();
  await api?.close();
  await authnRedirect?.close();
  rmSync(dir, { recursive: true, force: true });
});

function kubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown> = { token }): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u', namespace: 'team-a' } }],
      'current-context': 'c',
    }),
    { mode: 0o600 },
  );
  return file;
}

const sentToken = (headers: IncomingHttpHeaders) => JSON.stringify(headers).includes(token) || headers.authorization !== undefined;

describe('http:// servers never receive a token', () => {
  it('init refuses an http:// server (exit 2) and writes nothing', async () => {
    const file = join(dir, 'http-refused.kubeconfig');
    const run = await runCli(['init', '--sa-dir', mount.dir, '--server', recorder.url, '--kubeconfig', file], { command });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: server http:\/\/127\.0\.0\.1:\d+ is plain http/m);
    expect(() => readFileSync(file)).toThrow();
  });

  it('init --insecure-allow-http writes it with a warning that kubectl will not send the token', async () => {
    const file = join(dir, 'http-allowed.kubeconfig');
    const run = await runCli(['init', '--sa-dir', mount.dir, '--server', recorder.url, '--insecure-allow-http', '--kubeconfig', file], { command });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^warning: server .* is plain http/m);
  });

  it.each([
    ['from-secret', 'deployer-token'],
    ['from-serviceaccount', 'deployer'],
  ])('%s refuses an http:// --server (exit 2) before running kubectl', async (subcommand, name) => {
    const run = await runCli([subcommand, name, '-n', 'team-a', '--server', recorder.url, '--kubectl', '/nonexistent/kubectl', '--kubeconfig', join(dir, 'never.kubeconfig')], { command });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/plain http/);
  });

  it.each(['token', 'tokenFile'] as const)('probe of an http:// server with a %s sends no Authorization header', async (kind) => {
    recorder.requests.length = 0;
    const user = kind === 'token' ? { token } : { tokenFile: join(mount.dir, 'token') };
    const file = kubeconfig(`http-${kind}.kubeconfig`, { server: recorder.url }, user);
    const run = await runCli(['probe', '--kubeconfig', file, '--timeout', '5s'], { command });
    expect(run.code).not.toBeNull();
    expect(`${run.stdout}${run.stderr}`).not.toContain(token);
    expect(recorder.requests.length).toBeGreaterThan(0); // it did talk to the server, without credentials
    expect(recorder.requests.filter((request) => sentToken(request.headers))).toEqual([]);
  });

  it('probe --in-cluster against an http:// server sends no Authorization header', async () => {
    recorder.requests.length = 0;
    const run = await runCli(['probe', '--in-cluster', '--sa-dir', mount.dir, '--server', recorder.url, '--timeout', '5s'], { command });
    expect(run.code).not.toBe(0);
    expect(recorder.requests.length).toBeGreaterThan(0); // it did talk to the server, without credentials
    expect(recorder.requests.filter((request) => sentToken(request.headers))).toEqual([]);
  });
});

describe('redirects are not followed with credentials', () => {
  it.each(['authn', 'request'] as const)('probe reports a redirect in the %s stage and the target never sees the token', async (stage) => {
    recorder.requests.length = 0;
    const server = stage === 'authn' ? authnRedirect : api;
    const file = kubeconfig('redirect.kubeconfig', { server: server.url, 'certificate-authority-data': b64(api.caPem) });
    const extra = stage === 'request' ? ['--path', '/api/v1/namespaces/team-a/configmaps'] : [];
    const run = await runCli(['probe', '--kubeconfig', file, '--timeout', '5s', ...extra], { command });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toMatch(new RegExp(`✗ ${stage} .*HTTP 302 redirect to .* not followed, credentials are never sent to another place`));
    expect(server.requests.some((request) => request.status === 302 && request.hasAuthorization)).toBe(true);
    expect(recorder.requests).toEqual([]);
  });
});

describe('no path turns TLS verification off silently', () => {
  let world: KubectlWorld;
  beforeAll(async () => {
    world = await createKubectlWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it.each(['other-ca', 'expired', 'wrong-san'] as const)('probe fails with exit 6 against a server certificate that is %s', async (choice) => {
    const bad = await startApiServer({ serverCertificate: choice, pki: api.pki });
    try {
      const file = kubeconfig(`bad-${choice}.kubeconfig`, { server: bad.url, 'certificate-authority-data': b64(api.caPem) });
      const run = await runCli(['probe', '--kubeconfig', file, '--timeout', '5s'], { command });
      expect(run.code, run.stdout).toBe(6);
      expect(bad.requests.filter((request) => request.hasAuthorization)).toEqual([]);
    } finally {
      await bad.close();
    }
  });

  it('probe says loudly when a kubeconfig turns verification off', async () => {
    const file = kubeconfig('insecure.kubeconfig', { server: api.url, 'insecure-skip-tls-verify': true });
    const run = await runCli(['probe', '--kubeconfig', file, '--timeout', '5s'], { command });
    expect(run.stderr).toMatch(/^warning: .*TLS verification is OFF/m);
    expect(run.stdout).toMatch(/NOT VERIFIED/);
  });

  it('init removes insecure-skip-tls-verify from a same-named cluster it replaces', async () => {
    const file = join(dir, 'was-insecure.kubeconfig');
    writeFileSync(file, 'clusters:\n- name: replaced\n  cluster: {server: "https://old:6443", insecure-skip-tls-verify: true, proxy-url: "http://proxy:3128"}\n', { mode: 0o600 });
    const run = await runCli(['init', '--sa-dir', mount.dir, '--server', api.url, '--cluster', 'replaced', '--kubeconfig', file], { command });
    expect(run.code, run.stderr).toBe(0);
    const cluster = (load(readFileSync(file, 'utf8')) as { clusters: { name: string; cluster: Record<string, unknown> }[] }).clusters[0]?.cluster;
    expect(cluster).toEqual({ server: api.url, 'certificate-authority': join(mount.dir, 'ca.crt'), 'proxy-url': 'http://proxy:3128' });
  });

  it('from-secret from an insecure source context writes a verifying cluster (the Secret CA), not insecure-skip-tls-verify', async () => {
    const source = world.path('insecure-source.kubeconfig');
    const admin = load(readFileSync(world.source, 'utf8')) as { clusters: { cluster: Record<string, unknown> }[] };
    for (const entry of admin.clusters) {
      delete entry.cluster['certificate-authority-data'];
      entry.cluster['insecure-skip-tls-verify'] = true;
    }
    writeFileSync(source, JSON.stringify(admin), { mode: 0o600 });
    const out = world.path('from-insecure.kubeconfig');
    const run = await world.run(['from-secret', 'deployer-token', '-n', 'team-a', '--kubeconfig', out], { env: { KUBECONFIG: source } });
    expect(run.code, run.stderr).toBe(0);
    const written = load(readFileSync(out, 'utf8')) as { clusters: { cluster: Record<string, unknown> }[] };
    expect(written.clusters[0]?.cluster['insecure-skip-tls-verify']).toBeUndefined();
    expect(Buffer.from(String(written.clusters[0]?.cluster['certificate-authority-data']), 'base64').toString()).toContain('-----BEGIN CERTIFICATE-----');
  });
});
