// The built CLI's `probe` as a user runs it: kubeconfig targets, --all-contexts, --in-cluster,
// JSON output, exit codes, secrets kept out of the output, and curl as the oracle for the request
// stage (curl --cacert with the Authorization header read from a file; never -k).
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { connect as netConnect, createServer, type AddressInfo, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, startBlackholeServer, startSocksProxy, type ApiServer, type BlackholeServer } from '../support/apiserver.js';
import { generateCa, generatePki, issueServerCert, pemToBase64, type Pki } from '../support/certs.js';
import { makeMount } from '../support/mount.js';
import { runCli } from '../support/run-cli.js';

const execFileAsync = promisify(execFile);

let pki: Pki;
let api: ApiServer;
let wrongSan: ApiServer;
let blackhole: BlackholeServer;
let dir: string;
let closedPort: number;
let deployer: string;
let viewer: string;
let expired: string;

interface Ctx {
  readonly name: string;
  readonly server: string;
  readonly user: Record<string, unknown>;
  readonly cluster?: Record<string, unknown>;
  readonly namespace?: string;
}

/** A kubeconfig document (apiVersion and kind added) written to FILE in the test dir, mode 0600. */
function writeKubeconfig(file: string, doc: Record<string, unknown>): string {
  const path = join(dir, file);
  writeFileSync(path, yaml.dump({ apiVersion: 'v1', kind: 'Config', ...doc }), { mode: 0o600 });
  return path;
}

function kubeconfig(file: string, contexts: readonly Ctx[], current?: string): string {
  return writeKubeconfig(file, {
    clusters: contexts.map((c) => ({ name: c.name, cluster: { server: c.server, ...(c.cluster ?? { 'certificate-authority-data': pemToBase64(pki.ca.cert) }) } })),
    users: contexts.map((c) => ({ name: c.name, user: c.user })),
    contexts: contexts.map((c) => ({ name: c.name, context: { cluster: c.name, user: c.name, namespace: c.namespace ?? 'team-a' } })),
    'current-context': current ?? contexts[0]?.name ?? '',
  });
}

const env = (kubeconfigPath: string, extra: Record<string, string> = {}) => ({ KUBECONFIG: kubeconfigPath, NO_COLOR: '1', ...extra });

beforeAll(async () => {
  pki = await generatePki();
  [api, wrongSan, blackhole] = await Promise.all([startApiServer({ pki }), startApiServer({ pki, serverCertificate: 'wrong-san' }), startBlackholeServer()]);
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  deployer = api.mintToken({ namespace: 'team-a', serviceAccount: 'deployer' });
  viewer = api.mintToken({ namespace: 'team-a', serviceAccount: 'viewer' });
  expired = api.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', expired: true });
  dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-probe-e2e-'));
  writeFileSync(join(dir, 'ca.crt'), pki.ca.cert);
}, 60_000);

afterAll(async () => {
  await Promise.all([api?.close(), wrongSan?.close(), blackhole?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('sa-kubeconfig probe (built CLI)', () => {
  it('passes every stage for the current context and never prints the token', async () => {
    const path = kubeconfig('good.yaml', [{ name: 'deployer', server: api.url, user: { token: deployer } }]);
    const result = await runCli(['probe'], { env: env(path) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const stage of ['config', 'dns', 'tcp', 'tls', 'version', 'authn', 'authz', 'request']) expect(result.stdout).toMatch(new RegExp(`✓ ${stage}\\b`));
    expect(result.stdout).toContain('system:serviceaccount:team-a:deployer');
    expect(result.stdout).toContain('may list pods in team-a: yes');
    expect(result.stdout).not.toContain('\u001b[');
    expect(result.stdout + result.stderr).not.toContain(deployer);
  });

  it('reads the first of several YAML documents, as kubectl does (was: refused at config, a writer\'s rule)', async () => {
    const path = kubeconfig('multi.yaml', [{ name: 'deployer', server: api.url, user: { token: deployer } }]);
    appendFileSync(path, '---\ncurrent-context: elsewhere\n');
    const result = await runCli(['probe'], { env: env(path) });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^probe deployer\b/m);
  });

  it('takes an empty -n as none, as kubectl does: the context\'s namespace (was: exit 2)', async () => {
    const path = kubeconfig('empty-namespace.yaml', [{ name: 'deployer', server: api.url, user: { token: deployer } }]);
    const result = await runCli(['probe', '-n', ''], { env: env(path) });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain('may list pods in team-a: yes');
  });

  it('takes an empty --context as none, as kubectl does: the current context (was: "no current context is set")', async () => {
    const path = kubeconfig('empty-context.yaml', [{ name: 'deployer', server: api.url, user: { token: deployer } }]);
    const result = await runCli(['probe', '--context='], { env: env(path) });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^probe deployer\b/m);
  });

  it('refuses an empty --sa-dir (exit 2; was: the working directory, silently)', async () => {
    expect(await runCli(['probe', '--in-cluster', '--sa-dir='], { env: env(join(dir, 'none.yaml')) })).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: --sa-dir must name a directory\n/) });
  });

  it('prints the JSON document with stages and identity', async () => {
    const path = kubeconfig('json.yaml', [{ name: 'deployer', server: api.url, user: { token: deployer } }]);
    const result = await runCli(['probe', '-o', 'json'], { env: env(path) });
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ ok: true, exitCode: 0, identity: { username: 'system:serviceaccount:team-a:deployer' } });
    expect(doc.identity.groups).toContain('system:authenticated');
    expect(doc.stages.map((s: { name: string }) => s.name)).toEqual(['config', 'dns', 'tcp', 'tls', 'version', 'authn', 'authz', 'request']);
    for (const stage of doc.stages) {
      expect(Object.keys(stage).sort()).toEqual(expect.arrayContaining(['name', 'ok', 'ms']));
      expect(typeof stage.ms).toBe('number');
      expect(stage.ok).toBe(true);
    }
  });

  it('exits 8 for a viewer and prints the server\'s own 403 message with a hint, in text and in JSON', async () => {
    const path = kubeconfig('viewer.yaml', [{ name: 'viewer', server: api.url, user: { token: viewer } }]);
    const text = await runCli(['probe'], { env: env(path) });
    expect(text.code).toBe(8);
    expect(text.stdout).toMatch(/! authz .*may list pods in team-a: no/);
    expect(text.stdout).toContain('pods is forbidden: User "system:serviceaccount:team-a:viewer" cannot list resource "pods"');
    // The subject is the one the server named, not a placeholder.
    expect(text.stdout).toMatch(/^hint: grant the permission with RBAC, e\.g\. kubectl create rolebinding NAME --clusterrole=view --serviceaccount=team-a:viewer -n team-a$/m);
    const json = await runCli(['probe', '-o', 'json'], { env: env(path) });
    expect(json.code).toBe(8);
    const doc = JSON.parse(json.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.stages.at(-1)).toMatchObject({ name: 'request', ok: false, error: { code: 'ERR_FORBIDDEN', exitCode: 8 } });
    expect(JSON.stringify(doc.stages.find((stage: { name: string }) => stage.name === 'authz'))).toContain('--serviceaccount=team-a:viewer -n team-a');
  });

  it('fails with exit 5 at the timeout when the server never answers', async () => {
    const path = kubeconfig('blackhole.yaml', [{ name: 'hole', server: blackhole.url, user: { token: deployer } }]);
    const result = await runCli(['probe', '--timeout', '800ms', '-o', 'json'], { env: env(path) });
    expect(result.code).toBe(5);
    const doc = JSON.parse(result.stdout);
    expect(doc.stages.at(-1)).toMatchObject({ name: 'tls', ok: false, error: { code: 'ERR_TIMEOUT' } });
    expect(result.stderr).toBe('');
  });

  it('says on a first run that there is no kubeconfig at all, naming the files it looked for (was: "no current context")', async () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const none = await runCli(['probe'], { env: { HOME: home, NO_COLOR: '1' } });
    expect(none.code).toBe(3);
    expect(none.stdout).toContain(`✗ config`);
    expect(none.stdout).toContain(`no kubeconfig to read: ${join(home, '.kube', 'config')} does not exist`);
    const two = await runCli(['probe'], { env: env(`${join(home, 'a')}:${join(home, 'b')}`) });
    expect(two.stdout).toContain(`no kubeconfig to read: none of ${join(home, 'a')}, ${join(home, 'b')} exists`);
    // A file that exists but sets no current context is named too.
    const empty = join(home, 'empty.yaml');
    writeFileSync(empty, 'apiVersion: v1\nkind: Config\n');
    const unset = await runCli(['probe'], { env: env(`${join(home, 'missing')}:${empty}`) });
    expect(unset.code).toBe(3);
    expect(unset.stdout).toContain(`no current context is set in ${empty}\n`);
    // A context asked for by name, with no kubeconfig at all: the same first-run message.
    const named = await runCli(['probe', '--context', 'prod'], { env: { HOME: home, NO_COLOR: '1' } });
    expect(named.stdout).toContain(`no kubeconfig to read: ${join(home, '.kube', 'config')} does not exist`);
    // In a pod (the kubelet sets KUBERNETES_SERVICE_HOST) with no token mounted on this machine:
    // kubectl would have fallen back to the in-cluster config with one; the hint says what is missing.
    // (Where the tests themselves run in a pod with a token, the probe falls back instead: covered
    // with a mount of our own in test/integration/probe/run.test.ts.)
    const inPod = await runCli(['probe'], { env: { HOME: home, NO_COLOR: '1', KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' } });
    if (!existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) expect(inPod.stdout).toMatch(/^hint: this looks like a pod \(KUBERNETES_SERVICE_HOST is set\), but kubectl's in-cluster fallback is not possible: no service-account token is mounted/m);
  });

  it('refuses a --timeout longer than a timer holds (exit 2; was: every stage timed out at once)', async () => {
    const result = await runCli(['probe', '--timeout', '1000h'], { env: env(join(dir, 'none.yaml')) });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: --timeout 1000h is longer than the longest wait a timer takes (24d20h31m24s)\nhint: use a shorter duration, such as 1h\n');
  });

  it('fails config with exit 3 for a context that does not exist, still printing the table', async () => {
    const path = kubeconfig('missing.yaml', [{ name: 'deployer', server: api.url, user: { token: deployer } }]);
    const result = await runCli(['probe', '--context', 'nope'], { env: env(path) });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/✗ config .*context "nope" was not found/);
    // A failed probe reports on stdout only (README "Exit status").
    expect(result.stdout).toMatch(/^failed at config \(exit 3\)$/m);
    expect(result.stderr).toBe('');
  });

  it('probes every context concurrently with one row each; the exit code is the first failing row\'s', async () => {
    const plugin = join(dir, 'plugin.mjs');
    writeFileSync(
      plugin,
      `#!/usr/bin/env node\nprocess.stdout.write(JSON.stringify({apiVersion:'client.authentication.k8s.io/v1',kind:'ExecCredential',status:{token:process.env.T}}));\n`,
    );
    chmodSync(plugin, 0o755);
    const path = kubeconfig('mix.yaml', [
      { name: 'a-good', server: api.url, user: { token: deployer } },
      { name: 'b-exec', server: api.url, user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, env: [{ name: 'T', value: deployer }], interactiveMode: 'Never' } } },
      { name: 'c-viewer', server: api.url, user: { token: viewer } },
      { name: 'd-closed', server: `https://127.0.0.1:${closedPort}`, user: { token: deployer } },
      { name: 'e-unknown-host', server: 'https://api.cluster.invalid', user: { token: deployer } },
      { name: 'f-wrong-san', server: wrongSan.url, user: { token: deployer } },
      { name: 'g-missing-exec', server: api.url, user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'no-such-plugin-xyz', installHint: 'get it from example.com' } } },
      { name: 'h-expired', server: api.url, user: { token: expired } },
    ]);
    const result = await runCli(['probe', '--all-contexts', '-o', 'json'], { env: env(path) });
    const doc = JSON.parse(result.stdout);
    const codes = Object.fromEntries(doc.results.map((r: { context: string; exitCode: number }) => [r.context, r.exitCode]));
    expect(codes).toEqual({ 'a-good': 0, 'b-exec': 0, 'c-viewer': 8, 'd-closed': 5, 'e-unknown-host': 5, 'f-wrong-san': 6, 'g-missing-exec': 3, 'h-expired': 7 });
    expect(result.code).toBe(8);
    expect(doc.ok).toBe(false);
    const text = await runCli(['probe', '--all-contexts'], { env: env(path) });
    expect(text.code).toBe(8);
    expect(text.stdout.split('\n').filter((line) => /^[a-h]-/.test(line))).toHaveLength(8);
    expect(text.stdout).toContain('6 of 8 contexts failed');
    expect(text.stdout + text.stderr).not.toContain(deployer);
  });

  it('shows each context\'s warnings in the --all-contexts text, and counts one context in the singular', async () => {
    const soon = api.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', expirationSeconds: 300 });
    const path = kubeconfig('warned.yaml', [
      { name: 'a-expiring', server: api.url, user: { token: soon } },
      { name: 'b-insecure', server: api.url, user: { token: deployer }, cluster: { 'insecure-skip-tls-verify': true } },
    ]);
    const result = await runCli(['probe', '--all-contexts'], { env: env(path) });
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const expiring = lines.findIndex((line) => line.startsWith('a-expiring '));
    expect(lines[expiring]).toMatch(/^a-expiring +! ok /);
    expect(lines[expiring + 1]).toMatch(/^ {2}! config: the token expires in [45]m(\d+s)? \(at /);
    const insecure = lines.findIndex((line) => line.startsWith('b-insecure '));
    expect(lines[insecure + 1]).toMatch(/^ {2}! tls: TLS verification is OFF \(insecure-skip-tls-verify\)/);
    expect(result.stdout).toMatch(/^2 contexts ok$/m);
    const single = kubeconfig('one.yaml', [{ name: 'only', server: api.url, user: { token: deployer } }]);
    expect((await runCli(['probe', '--all-contexts'], { env: env(single) })).stdout).toMatch(/^1 context ok$/m);
  });

  it.each([
    ['does not load', 'clusters: [unclosed\n', 'ERR_KUBECONFIG_'],
    ['has no contexts', 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n', 'ERR_CONTEXT_NOT_FOUND'],
  ])('prints a JSON document for --all-contexts -o json when the kubeconfig %s (exit 3, as without -o json)', async (name, content, code) => {
    const path = join(dir, `broken-${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(path, content, { mode: 0o600 });
    const text = await runCli(['probe', '--all-contexts'], { env: env(path) });
    const json = await runCli(['probe', '--all-contexts', '-o', 'json'], { env: env(path) });
    expect(text.code).toBe(3);
    expect(json.code).toBe(3);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ ok: false, exitCode: 3, results: [], error: { exitCode: 3 } });
    expect(doc.error.code).toContain(code);
    expect(doc.error.message).toMatch(/./);
  });

  it('probes straight from a service-account mount with --in-cluster, writing nothing', async () => {
    const mountRoot = mkdtempSync(join(dir, 'pod-'));
    const mount = await makeMount(mountRoot, { token: deployer, caPem: pki.ca.cert });
    const home = mkdtempSync(join(dir, 'home-'));
    const result = await runCli(['probe', '--in-cluster', '--sa-dir', mount.dir, '--server', api.url], { env: { HOME: home, NO_COLOR: '1' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('system:serviceaccount:team-a:deployer');
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(home)).toEqual([]);
  });

  it('never sends a loopback server through HTTPS_PROXY (as Go) and says so in the tcp row', async () => {
    const path = kubeconfig('proxyenv.yaml', [{ name: 'deployer', server: api.url, user: { token: deployer } }]);
    const result = await runCli(['probe'], { env: env(path, { HTTPS_PROXY: `http://127.0.0.1:${closedPort}` }) });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/tcp .*HTTPS_PROXY set, but 127\.0\.0\.1 is loopback/);
  });
});

describe('init --probe (probeWrittenContext)', () => {
  it.each([
    ['deployer', 0],
    ['viewer', 8],
  ])('writes the kubeconfig, probes the new context and exits with the probe\'s code (%s → %i)', async (account, code) => {
    const token = api.mintToken({ namespace: 'team-a', serviceAccount: account });
    const mount = await makeMount(mkdtempSync(join(dir, 'pod-')), { token, caPem: pki.ca.cert, serviceAccount: account });
    const target = join(dir, `init-probe-${account}.yaml`);
    const result = await runCli(['init', '--sa-dir', mount.dir, '--server', api.url, '--kubeconfig', target, '--probe'], { env: { NO_COLOR: '1' } });
    expect(result.code).toBe(code);
    expect(result.stdout).toMatch(/^Wrote context /);
    expect(result.stdout).toMatch(code === 0 ? /✓ request/ : /✗ request .*pods is forbidden/);
    expect(result.stdout + result.stderr).not.toContain(token);
  });

  it('a server that completes TLS and then says nothing: the hint names --probe-timeout, the flag that was given', async () => {
    // TLS with the emulated server's own certificate, then silence: the version stage runs out of time.
    const sockets = new Set<Socket>();
    const mute = createTlsServer({ key: pki.server.key, cert: pki.server.cert }, (socket) => socket.on('error', () => undefined));
    mute.on('connection', (socket: Socket) => sockets.add(socket));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', () => resolve()));
    try {
      const server = `https://127.0.0.1:${(mute.address() as AddressInfo).port}`;
      const token = api.mintToken({ namespace: 'team-a', serviceAccount: 'deployer' });
      const mount = await makeMount(mkdtempSync(join(dir, 'pod-')), { token, caPem: pki.ca.cert, serviceAccount: 'deployer' });
      const result = await runCli(['init', '--sa-dir', mount.dir, '--server', server, '--kubeconfig', join(dir, 'init-probe-mute.yaml'), '--probe', '--probe-timeout', '700ms'], { env: { NO_COLOR: '1' } });
      expect(result.code).toBe(5);
      expect(result.stdout).toMatch(/✓ tls .*\n✗ version .*no answer within 700ms \(probe timeout\)/);
      expect(result.stdout).toMatch(/^hint: .*a too-short --probe-timeout$/m);
      expect(result.stdout).not.toMatch(/--timeout\b/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => mute.close(resolve));
    }
  });

  it('with -o json prints one object: the summary plus the probe report', async () => {
    const token = api.mintToken({ namespace: 'team-a', serviceAccount: 'viewer' });
    const mount = await makeMount(mkdtempSync(join(dir, 'pod-')), { token, caPem: pki.ca.cert, serviceAccount: 'viewer' });
    const target = join(dir, 'init-probe-json.yaml');
    const result = await runCli(['init', '--sa-dir', mount.dir, '--server', api.url, '--kubeconfig', target, '--probe', '-o', 'json'], { env: { NO_COLOR: '1' } });
    expect(result.code).toBe(8);
    const doc = JSON.parse(result.stdout) as { context: string; probe: { ok: boolean; stages: { name: string; ok: boolean }[] } };
    expect(doc.context).toBe(`team-a/viewer@${new URL(api.url).host}`);
    expect(doc.probe.ok).toBe(false);
    expect(doc.probe.stages.find((stage) => stage.name === 'request')?.ok).toBe(false);
    expect(result.stdout + result.stderr).not.toContain(token);
  });
});

describe('curl agrees with the request stage', () => {
  const targets: readonly [string, boolean, () => { server: string; token: string; caFile: string }][] = [
    ['a deployer token', true, () => ({ server: api.url, token: deployer, caFile: join(dir, 'ca.crt') })],
    ['a viewer token (403)', false, () => ({ server: api.url, token: viewer, caFile: join(dir, 'ca.crt') })],
    ['an expired token (401)', false, () => ({ server: api.url, token: expired, caFile: join(dir, 'ca.crt') })],
    ['a forged token (401)', false, () => ({ server: api.url, token: api.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', wrongKey: true }), caFile: join(dir, 'ca.crt') })],
    ['a certificate without the host in its SANs', false, () => ({ server: wrongSan.url, token: deployer, caFile: join(dir, 'ca.crt') })],
    ['a closed port', false, () => ({ server: `https://127.0.0.1:${closedPort}`, token: deployer, caFile: join(dir, 'ca.crt') })],
  ];

  it.each(targets)('for %s (request passes: %s)', async (name, expected, make) => {
    const target = make();
    const slug = name.replace(/\W+/g, '-');
    const path = kubeconfig(`curl-${slug}.yaml`, [{ name: 'c', server: target.server, user: { token: target.token }, cluster: { 'certificate-authority': target.caFile } }]);
    const probe = await runCli(['probe', '-o', 'json'], { env: env(path) });
    const doc = JSON.parse(probe.stdout);
    const requestOk = doc.stages.some((s: { name: string; ok: boolean }) => s.name === 'request' && s.ok);
    const headerFile = join(dir, `header-${slug}`);
    writeFileSync(headerFile, `Authorization: Bearer ${target.token}\n`, { mode: 0o600 });
    const curlOk = await execFileAsync('curl', ['-sS', '-f', '-o', '/dev/null', '--max-time', '5', '--cacert', target.caFile, '-H', `@${headerFile}`, `${target.server}/api/v1/namespaces/team-a/pods?limit=1`]).then(
      () => true,
      () => false,
    );
    expect(requestOk).toBe(curlOk);
    expect(curlOk).toBe(expected);
  });
});

describe('basic auth is redacted like a token', () => {
  // base64("admin:hunter2"): what Go (and the probe) put after "Basic ".
  const encoded = Buffer.from('admin:hunter2').toString('base64');
  let echo: { url: string; close: () => Promise<void> };
  let echoProxy: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    const { createServer: createHttpsServer } = await import('node:https');
    // An "API server" whose 401 echoes the Authorization header it got, as some proxies and
    // hand-written servers do.
    const server = createHttpsServer({ key: pki.server.key, cert: pki.server.cert }, (req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/version') return void res.end(JSON.stringify({ gitVersion: 'v1.32.4' }));
      res.statusCode = 401;
      res.end(JSON.stringify({ kind: 'Status', code: 401, message: `invalid credential: ${req.headers.authorization ?? '(none)'}` }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    echo = { url: `https://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
    // A proxy that refuses CONNECT and echoes the Proxy-Authorization it got in its status line.
    const proxyServer = createServer((socket) => {
      socket.once('data', (chunk: Buffer) => {
        const header = /^proxy-authorization: (.*)$/im.exec(chunk.toString('latin1'))?.[1]?.trim() ?? '(none)';
        socket.end(`HTTP/1.1 407 Proxy Authentication Required for ${header}\r\nContent-Length: 0\r\n\r\n`);
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => proxyServer.listen(0, '127.0.0.1', resolve));
    echoProxy = { url: `http://admin:hunter2@127.0.0.1:${(proxyServer.address() as { port: number }).port}`, close: () => new Promise((resolve) => proxyServer.close(() => resolve())) };
  });

  afterAll(async () => {
    await Promise.all([echo?.close(), echoProxy?.close()]);
  });

  it.each([['text'], ['json']])('never prints the Authorization value of username/password echoed by the server (-o %s)', async (output) => {
    const path = kubeconfig(`basic-echo-${output}.yaml`, [{ name: 'basic', server: echo.url, user: { username: 'admin', password: 'hunter2' } }]);
    const result = await runCli(['probe', '-o', output], { env: env(path) });
    expect(result.code).toBe(7);
    expect(result.stdout).toContain('invalid credential: ');
    expect(result.stdout + result.stderr).not.toContain(encoded);
    expect(result.stdout + result.stderr).not.toContain('hunter2');
  });

  it.each([['text'], ['json']])('never prints the Proxy-Authorization value of a proxy-url with user:password@ (-o %s)', async (output) => {
    const path = kubeconfig(`proxy-echo-${output}.yaml`, [{ name: 'proxied', server: api.url, user: { token: deployer }, cluster: { 'certificate-authority-data': pemToBase64(pki.ca.cert), 'proxy-url': echoProxy.url } }]);
    const result = await runCli(['probe', '-o', output], { env: env(path) });
    expect(result.code).toBe(5);
    expect(result.stdout).toContain('407 Proxy Authentication Required for ');
    expect(result.stdout + result.stderr).not.toContain(encoded);
    expect(result.stdout + result.stderr).not.toContain('hunter2');
  });
});

describe('a client certificate whose key does not load, judged as kubectl judges it', () => {
  const KUBECTL = '/usr/bin/kubectl';
  let mine: { cert: string; key: string };
  let strangerKey: string;

  beforeAll(async () => {
    const { generateCa, issueClientCert } = await import('../support/certs.js');
    const ca = await generateCa({ commonName: 'client-ca' });
    const [a, b] = await Promise.all([issueClientCert(ca, { commonName: 'me' }), issueClientCert(ca, { commonName: 'stranger' })]);
    mine = a;
    strangerKey = b.key;
  });

  it.skipIf(!existsSync(KUBECTL)).each([
    ['the key of another certificate', () => strangerKey, 'tls: private key does not match public key'],
    ['a key that is the base64 of text', () => 'garbage-key-hunter2\n', 'tls: failed to find any PEM data in key input'],
  ])('fails config (exit 3) before connecting for %s, with kubectl\'s words', async (name, key, words) => {
    const slug = name.replace(/\W+/g, '-');
    const path = kubeconfig(`keypair-${slug}.yaml`, [{ name: 'cc', server: api.url, user: { 'client-certificate-data': pemToBase64(mine.cert), 'client-key-data': pemToBase64(key()) } }]);
    const before = api.requests.length;
    const result = await runCli(['probe', '-o', 'json'], { env: env(path) });
    expect(result.code).toBe(3);
    const doc = JSON.parse(result.stdout);
    expect(doc.stages).toHaveLength(1);
    expect(doc.stages[0]).toMatchObject({ name: 'config', ok: false, error: { code: 'ERR_CREDENTIALS_INVALID', exitCode: 3 } });
    expect(doc.stages[0].error.hint).toMatch(/./);
    expect(api.requests.length).toBe(before);
    // The oracle: kubectl refuses the same pair, before connecting, with the same words.
    const kubectl = await execFileAsync(KUBECTL, ['--kubeconfig', path, 'get', '--raw', '/version', '--request-timeout=5s'], { env: { PATH: '/usr/bin:/bin', HOME: dir } }).then(
      () => ({ stderr: '' }),
      (error: { stderr: string }) => error,
    );
    expect(kubectl.stderr.trim()).toBe(`error: ${words}`);
    expect(doc.stages[0].error.message).toContain(words);
  });
});

describe.skipIf(!existsSync('/usr/bin/kubectl'))('a context without credentials over https, as kubectl sees it', () => {
  const writeConfig = (file: string, users: readonly Record<string, unknown>[]) =>
    writeKubeconfig(file, {
      clusters: [{ name: 'c', cluster: { server: api.url, 'certificate-authority-data': pemToBase64(pki.ca.cert) } }],
      users,
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'team-a' } }],
      'current-context': 'x',
    });

  it.each([
    ['user: {}', [{ name: 'u', user: {} }], /user "u" has no credentials/],
    ['a user the kubeconfig does not define', [{ name: 'other', user: { token: 'x' } }], /names user "u", which is not in the kubeconfig/],
  ])('fails config (exit 3) for %s, where kubectl prompts for a username and fails with EOF', async (name, users, message) => {
    const path = writeConfig(`nocreds-${name.replace(/\W+/g, '-')}.yaml`, users);
    const before = api.requests.length;
    const result = await runCli(['probe', '-o', 'json'], { env: env(path) });
    expect(result.code).toBe(3);
    const doc = JSON.parse(result.stdout);
    expect(doc.stages).toHaveLength(1);
    expect(doc.stages[0].error.message).toMatch(message);
    expect(doc.stages[0].error.message).toContain('Please enter Username: ');
    expect(api.requests.length).toBe(before);
    // The oracle: kubectl with no terminal (stdin is /dev/null), against the same kubeconfig.
    const { spawn } = await import('node:child_process');
    const child = spawn('/usr/bin/kubectl', ['--kubeconfig', path, 'get', '--raw', '/version', '--request-timeout=5s'], { env: { PATH: '/usr/bin:/bin', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).not.toBe(0);
    expect(output.trim()).toBe('Please enter Username: error: EOF');
  });
});

describe.skipIf(!existsSync('/usr/bin/kubectl'))('a plain http:// server behind a proxy, as kubectl reaches it', () => {
  it('sends absolute-form requests to the proxy (GET http://host/…), no CONNECT, with Proxy-Authorization on each, as kubectl does', async () => {
    const { createServer: createHttpServer } = await import('node:http');
    const seen: { line: string; proxyAuthorization: string | undefined; agent: string }[] = [];
    const connects: string[] = [];
    // A forward proxy that is also the "API server" behind it: it records each request line.
    const proxy = createHttpServer((req, res) => {
      seen.push({ line: `${req.method ?? ''} ${req.url ?? ''}`, proxyAuthorization: req.headers['proxy-authorization'], agent: req.headers['user-agent'] ?? '' });
      res.setHeader('content-type', 'application/json');
      const url = req.url ?? '';
      if (url.endsWith('/version')) return void res.end(JSON.stringify({ gitVersion: 'v1.32.4' }));
      if (url.includes('selfsubjectreviews')) return void ((res.statusCode = 201), res.end(JSON.stringify({ status: { userInfo: { username: 'system:anonymous', groups: ['system:unauthenticated'] } } })));
      if (url.includes('selfsubjectaccessreviews')) return void ((res.statusCode = 201), res.end(JSON.stringify({ status: { allowed: true } })));
      res.end(JSON.stringify({ kind: 'PodList', items: [] }));
    });
    proxy.on('connect', (req, socket: import('node:net').Socket) => {
      connects.push(req.url ?? '');
      socket.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (proxy.address() as { port: number }).port;
      const path = kubeconfig('http-behind-proxy.yaml', [{ name: 'plain', server: 'http://api.internal.test:8080', user: {}, cluster: { 'proxy-url': `http://scott:tiger-pass@127.0.0.1:${port}` } }]);
      const result = await runCli(['probe', '-o', 'json'], { env: env(path) });
      expect(result.code).toBe(0);
      const probeLines = seen.filter((request) => request.agent.startsWith('sa-kubeconfig'));
      expect(probeLines[0]?.line).toBe('GET http://api.internal.test:8080/version');
      expect(probeLines.at(-1)?.line).toBe('GET http://api.internal.test:8080/api/v1/namespaces/team-a/pods?limit=1');
      const basic = `Basic ${Buffer.from('scott:tiger-pass').toString('base64')}`;
      expect(probeLines.every((request) => request.proxyAuthorization === basic)).toBe(true);
      expect(connects).toEqual([]);
      expect(result.stdout).not.toContain(basic.slice(6));
      // The oracle: kubectl through the same proxy.
      const before = seen.length;
      await execFileAsync('/usr/bin/kubectl', ['--kubeconfig', path, 'get', '--raw', '/version', '--request-timeout=5s'], { env: { PATH: '/usr/bin:/bin', HOME: dir } });
      // (kubectl's --request-timeout adds ?timeout=5s; the dispatcher in front of it asks the same.)
      const kubectlLines = seen.slice(before).filter((request) => request.agent.startsWith('kubectl/'));
      expect(kubectlLines.map((request) => request.line)).toEqual(['GET http://api.internal.test:8080/version?timeout=5s']);
      expect(kubectlLines.every((request) => request.proxyAuthorization === basic)).toBe(true);
      expect(connects).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});

describe.skipIf(!existsSync('/usr/bin/kubectl'))('a socks5:// proxy-url (an ssh -D tunnel), as kubectl goes through it', () => {
  const kubectl = (path: string) =>
    execFileAsync('/usr/bin/kubectl', ['--kubeconfig', path, 'get', '--raw', '/version', '--request-timeout=5s'], { env: { PATH: '/usr/bin:/bin', HOME: dir } }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );

  // Was: "socks5 proxies are not supported by the probe" (exit 3), where kubectl connects.
  it('passes through a SOCKS5 proxy with username and password, where kubectl passes too', async () => {
    const socks = await startSocksProxy({ credentials: { username: 'tunnel', password: 'not-a-secret-pw' } });
    try {
      const path = kubeconfig('socks5.yaml', [{ name: 'tunnelled', server: api.url, user: { token: deployer }, cluster: { 'certificate-authority-data': pemToBase64(pki.ca.cert), 'proxy-url': socks.url } }]);
      const result = await runCli(['probe'], { env: env(path) });
      expect(result.code, result.stdout).toBe(0);
      expect(result.stdout).toMatch(/via proxy socks5:\/\/REDACTED@127\.0\.0\.1:\d+ \(cluster proxy-url\)/);
      expect(result.stdout).not.toContain('not-a-secret-pw');
      expect((await kubectl(path)).code).toBe(0);
      // Each went through the proxy: the probe's connections, then kubectl's.
      expect(socks.connects.length).toBeGreaterThanOrEqual(2);
    } finally {
      await socks.close();
    }
  });

  it('fails at tcp (exit 5) with the SOCKS5 reply when the proxy refuses the destination, where kubectl fails too', async () => {
    const socks = await startSocksProxy({ refuse: true });
    try {
      const path = kubeconfig('socks5-refused.yaml', [{ name: 'tunnelled', server: api.url, user: { token: deployer }, cluster: { 'certificate-authority-data': pemToBase64(pki.ca.cert), 'proxy-url': socks.url } }]);
      const result = await runCli(['probe', '-o', 'json'], { env: env(path) });
      const doc = JSON.parse(result.stdout) as { stages: { name: string; error?: { message: string } }[] };
      expect(result.code).toBe(5);
      expect(doc.stages.at(-1)).toMatchObject({ name: 'tcp', error: { message: expect.stringMatching(/refused CONNECT 127\.0\.0\.1:\d+: SOCKS5 connection not allowed by ruleset$/) } });
      const oracle = await kubectl(path);
      expect(oracle.code).not.toBe(0);
      expect(oracle.stderr).toContain('connection not allowed by ruleset');
    } finally {
      await socks.close();
    }
  });
});

describe.skipIf(!existsSync('/usr/bin/kubectl'))('an https:// proxy, verified as kubectl verifies it', () => {
  let proxyCa: Awaited<ReturnType<typeof generateCa>>;
  let proxyUrl: string;
  let closeProxy: () => Promise<void>;
  beforeAll(async () => {
    proxyCa = await generateCa({ commonName: 'proxy-ca' });
    const serving = await issueServerCert(proxyCa);
    const sockets = new Set<Socket>();
    // An https:// CONNECT proxy: TLS to the proxy, then a plain tunnel to the target.
    const server = createTlsServer({ cert: serving.cert, key: serving.key }, (client) => {
      sockets.add(client);
      client.on('error', () => undefined);
      client.once('data', (chunk: Buffer) => {
        const target = /^CONNECT \[?([^\]\s]+?)\]?:(\d+) /.exec(chunk.toString('latin1'));
        if (!target?.[1] || !target[2]) return void client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
        const upstream = netConnect(Number(target[2]), target[1], () => {
          client.write('HTTP/1.1 200 Connection established\r\n\r\n');
          upstream.pipe(client);
          client.pipe(upstream);
        });
        sockets.add(upstream);
        upstream.on('error', () => client.destroy());
      });
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxyUrl = `https://localhost:${(server.address() as AddressInfo).port}`;
    closeProxy = () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    };
  });
  afterAll(() => closeProxy?.());

  const kubectl = (path: string) =>
    execFileAsync('/usr/bin/kubectl', ['--kubeconfig', path, 'get', '--raw', '/version', '--request-timeout=5s'], { env: { PATH: '/usr/bin:/bin', HOME: dir } }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );

  // Go's addTLS speaks TLS to the proxy with the Transport's TLSClientConfig (the cluster's CA),
  // so kubectl refuses a proxy whose certificate the cluster's CA did not sign (kubernetes/kubernetes#102079);
  // the probe trusted it against the system roots and passed (exit 0).
  it('fails tls at the proxy (exit 6) when the cluster CA does not sign the proxy certificate, as kubectl fails', async () => {
    const path = kubeconfig('https-proxy-cluster-ca.yaml', [{ name: 'proxied', server: api.url, user: { token: deployer }, cluster: { 'certificate-authority-data': pemToBase64(pki.ca.cert), 'proxy-url': proxyUrl } }]);
    // The proxy's CA is a system root here (Node and Go read these): only the cluster's CA counts.
    writeFileSync(join(dir, 'proxy-ca.crt'), proxyCa.cert);
    const roots = { SSL_CERT_FILE: join(dir, 'proxy-ca.crt'), NODE_EXTRA_CA_CERTS: join(dir, 'proxy-ca.crt') };
    const result = await runCli(['probe', '-o', 'json'], { env: env(path, roots) });
    const doc = JSON.parse(result.stdout) as { stages: { name: string; error?: { message: string; hint: string } }[] };
    expect(result.code, result.stdout).toBe(6);
    expect(doc.stages.at(-1)?.name).toBe('tcp');
    expect(doc.stages.at(-1)?.error?.message).toMatch(/^proxyconnect: TLS handshake with proxy https:\/\/localhost:\d+ failed: its certificate signed by unknown authority/);
    expect(doc.stages.at(-1)?.error?.hint).toMatch(/add the proxy's CA to the cluster's certificate-authority/);
    const oracle = await kubectl(path);
    expect(oracle.code).not.toBe(0);
    expect(oracle.stderr).toContain('proxyconnect tcp: tls: failed to verify certificate: x509: certificate signed by unknown authority');
  });

  it('passes when the cluster CA bundle also holds the proxy CA, as kubectl does', async () => {
    const bundle = `${pki.ca.cert.trim()}\n${proxyCa.cert.trim()}\n`;
    const path = kubeconfig('https-proxy-bundle.yaml', [{ name: 'proxied', server: api.url, user: { token: deployer }, cluster: { 'certificate-authority-data': pemToBase64(bundle), 'proxy-url': proxyUrl } }]);
    const result = await runCli(['probe'], { env: env(path) });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/via proxy https:\/\/localhost:\d+ \(cluster proxy-url\)/);
    expect((await kubectl(path)).code).toBe(0);
  });
});

describe.skipIf(process.platform !== 'linux' || !existsSync('/usr/bin/kubectl'))('a cluster with no CA in the kubeconfig: the system roots kubectl reads on Linux', () => {
  const kubectlCode = (path: string, roots: Record<string, string>) =>
    execFileAsync('/usr/bin/kubectl', ['--kubeconfig', path, 'get', '--raw', '/version', '--request-timeout=5s'], { env: { PATH: '/usr/bin:/bin', HOME: dir, ...roots } }).then(
      () => 0,
      (error: { code: number }) => error.code,
    );

  // Go reads SSL_CERT_FILE / SSL_CERT_DIR (else /etc/ssl/certs …), not Node's bundled roots or NODE_EXTRA_CA_CERTS:
  // the probe failed (exit 6, "not trusted by system roots") where kubectl worked, and passed where it failed.
  it.each([
    ['trusts a CA that SSL_CERT_FILE holds, as kubectl does', 'cluster' as const, 0],
    ['does not trust a CA that only NODE_EXTRA_CA_CERTS holds, as kubectl does not', 'node-only' as const, 6],
  ])('%s', async (_name, where, code) => {
    const path = kubeconfig(`system-roots-${where}.yaml`, [{ name: 'public', server: api.url, user: { token: deployer }, cluster: {} }]);
    const unrelated = join(dir, 'unrelated-roots.crt');
    writeFileSync(unrelated, (await generateCa({ commonName: 'unrelated' })).cert);
    const roots: Record<string, string> = where === 'cluster' ? { SSL_CERT_FILE: join(dir, 'ca.crt'), SSL_CERT_DIR: join(dir, 'no-such-dir') } : { SSL_CERT_FILE: unrelated, SSL_CERT_DIR: join(dir, 'no-such-dir'), NODE_EXTRA_CA_CERTS: join(dir, 'ca.crt') };
    const result = await runCli(['probe'], { env: env(path, roots) });
    expect(result.code, result.stdout).toBe(code);
    if (code === 6) expect(result.stdout).toMatch(/^✗ tls .*signed by unknown authority .*not trusted by system roots$/m);
    expect(await kubectlCode(path, roots), 'kubectl agrees').toBe(code === 0 ? 0 : 1);
  });
});
