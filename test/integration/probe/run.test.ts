// runProbe / probeWrittenContext with a real fs and real sockets, driven through a CommandContext
// whose output is captured: what init/from-* --probe rely on, the in-cluster path, and a plain
// http:// server that must never receive the configured credentials.
import * as fsp from 'node:fs/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../../src/context.js';
import { spawnProcess } from '../../../src/children.js';
import type { Deps } from '../../../src/deps.js';
import type { ExitCode } from '../../../src/errors.js';
import { createSecretRegistry } from '../../../src/output.js';
import { probeWrittenContext, runProbe } from '../../../src/probe/run.js';
import { startApiServer, type ApiServer } from '../../support/apiserver.js';
import { pemToBase64 } from '../../support/certs.js';
import { makeMount } from '../../support/mount.js';

let api: ApiServer;
let plain: Server;
let plainUrl: string;
const plainAuthorizations: (string | undefined)[] = [];
let dir: string;

beforeAll(async () => {
  api = await startApiServer();
  // A plain-http "API server" that answers like one and sees everything we send.
  plain = createServer((req, res) => {
    plainAuthorizations.push(req.headers.authorization);
    res.setHeader('content-type', 'application/json');
    if (req.url === '/version') return void res.end(JSON.stringify({ gitVersion: 'v1.32.4' }));
    if (req.url?.includes('selfsubjectreviews')) {
      res.statusCode = 201;
      return void res.end(JSON.stringify({ status: { userInfo: { username: 'system:anonymous', groups: ['system:unauthenticated'] } } }));
    }
    res.statusCode = 403;
    res.end(JSON.stringify({ kind: 'Status', message: 'forbidden', code: 403 }));
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  plainUrl = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
  dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-probe-run-'));
}, 60_000);

afterAll(async () => {
  await api?.close();
  await new Promise<void>((resolve) => (plain ? plain.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** node:fs/promises with the pod's fixed mount path served from `mount` (it cannot be made on this machine). */
function podFs(mount: string): typeof fsp {
  const fixed = '/var/run/secrets/kubernetes.io/serviceaccount';
  const mapped = (path: unknown) => (typeof path === 'string' && path.startsWith(fixed) ? mount + path.slice(fixed.length) : path);
  return new Proxy(fsp, {
    get: (target, key) => {
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (path: unknown, ...rest: unknown[]) => (value as (...args: unknown[]) => unknown).call(target, mapped(path), ...rest) : value;
    },
  });
}

function context(env: Record<string, string> = {}, fs: typeof fsp = fsp) {
  const out: string[] = [];
  const err: string[] = [];
  const secrets = createSecretRegistry();
  const deps: Deps = {
    fs,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    homeDir: dir,
    cwd: dir,
    pid: 1,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    stdout: (text) => out.push(secrets.redact(text)),
    stderr: (text) => err.push(secrets.redact(text)),
    isTTY: { stdout: false, stderr: false, stdin: false },
    spawn: spawnProcess,
  };
  let code: ExitCode | undefined;
  const ctx: CommandContext = {
    deps,
    secrets,
    debug: () => false,
    warn: (message) => deps.stderr(`warning: ${message}\n`),
    setExitCode: (value) => {
      code = value;
    },
    writeSecretOutput: (text) => out.push(text),
  };
  return { ctx, stdout: () => out.join(''), stderr: () => err.join(''), code: () => code };
}

function writeKubeconfig(name: string, server: string, user: Record<string, unknown>, extraCluster: Record<string, unknown> = {}): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    yaml.dump({
      clusters: [{ name: 'c', cluster: { server, ...extraCluster } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'written', context: { cluster: 'c', user: 'u', namespace: 'team-a' } }],
      'current-context': 'other',
    }),
  );
  return path;
}

describe('probeWrittenContext (for init/from-* --probe)', () => {
  it('probes the named context, prints the table on stderr and returns 0', async () => {
    const token = api.mintToken({ namespace: 'team-a', serviceAccount: 'deployer' });
    const path = writeKubeconfig('written.yaml', api.url, { token }, { 'certificate-authority-data': pemToBase64(api.caPem) });
    const run = context();
    const code = await probeWrittenContext(run.ctx, { kubeconfigPath: path, contextName: 'written' });
    expect(code).toBe(0);
    expect(run.stdout()).toBe('');
    expect(run.stderr()).toContain('✓ request');
    expect(run.stderr()).not.toContain(token);
  });

  it('returns the failing stage\'s exit code', async () => {
    const token = api.mintToken({ namespace: 'team-a', serviceAccount: 'viewer' });
    const path = writeKubeconfig('viewer.yaml', api.url, { token }, { 'certificate-authority-data': pemToBase64(api.caPem) });
    const run = context();
    expect(await probeWrittenContext(run.ctx, { kubeconfigPath: path, contextName: 'written', stream: 'stdout' })).toBe(8);
    expect(run.stdout()).toContain('pods is forbidden');
  });

  it('warns in the config row when the token expires within 10 minutes', async () => {
    const token = api.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', expirationSeconds: 300 });
    const path = writeKubeconfig('short.yaml', api.url, { token }, { 'certificate-authority-data': pemToBase64(api.caPem) });
    const run = context();
    expect(await probeWrittenContext(run.ctx, { kubeconfigPath: path, contextName: 'written' })).toBe(0);
    expect(run.stderr()).toMatch(/! config .*the token expires in [45]m/);
  });
});

describe('runProbe', () => {
  it('never sends credentials to an http:// server and fails authn as anonymous (exit 7)', async () => {
    const path = writeKubeconfig('plain.yaml', plainUrl, { token: 'a-token-that-must-not-travel' });
    const run = context();
    const code = await runProbe(run.ctx, { kubeconfig: path, context: 'written', output: 'json' });
    expect(code).toBe(7);
    expect(plainAuthorizations.length).toBeGreaterThan(0);
    expect(plainAuthorizations.every((value) => value === undefined)).toBe(true);
    const doc = JSON.parse(run.stdout());
    expect(doc.stages.find((s: { name: string }) => s.name === 'tls')).toMatchObject({ status: 'warn' });
    expect(doc.stages.at(-1)).toMatchObject({ name: 'authn', error: { code: 'ERR_UNAUTHENTICATED' } });
    expect(doc.stages.at(-1).error.hint).toMatch(/only sent over TLS/);
  });

  it('fails config with exit 3 when there is no service-account mount (--in-cluster)', async () => {
    const run = context();
    const code = await runProbe(run.ctx, { inCluster: true, saDir: join(dir, 'no-such-mount'), output: 'json' });
    expect(code).toBe(3);
    expect(JSON.parse(run.stdout()).stages).toMatchObject([{ name: 'config', ok: false, error: { code: 'ERR_SA_DIR_MISSING' } }]);
  });

  it('reads the namespace from POD_NAMESPACE in-cluster, as client-go does', async () => {
    const token = api.mintToken({ namespace: 'team-a', serviceAccount: 'deployer' });
    const mount = await makeMount(mkdtempSync(join(dir, 'pod-')), { token, caPem: api.caPem, namespace: 'default' });
    const run = context({ POD_NAMESPACE: 'team-a', KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(api.port) });
    const code = await runProbe(run.ctx, { inCluster: true, saDir: mount.dir, output: 'text' });
    expect(run.stdout()).toContain('may list pods in team-a: yes');
    expect(code).toBe(0);
  });

  it('falls back to the pod\'s service account when there is no current context, as kubectl does in a pod', async () => {
    const token = api.mintToken({ namespace: 'team-a', serviceAccount: 'deployer' });
    const mount = await makeMount(mkdtempSync(join(dir, 'pod-')), { token, caPem: api.caPem, namespace: 'team-a' });
    const inPod = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(api.port), KUBECONFIG: join(dir, 'no-kubeconfig-here') };
    const run = context(inPod, podFs(mount.dir));
    const code = await runProbe(run.ctx, { output: 'text' });
    expect(run.stdout()).toMatch(/^probe in-cluster \(no current context: kubectl falls back to the pod's service account\)$/m);
    expect(run.stdout()).toContain('bearer token from tokenFile /var/run/secrets/kubernetes.io/serviceaccount/token');
    expect(run.stdout()).toContain('may list pods in team-a: yes');
    expect(code).toBe(0);
    expect(run.stdout() + run.stderr()).not.toContain(token);
    // -o json says so too.
    const json = context(inPod, podFs(mount.dir));
    expect(await runProbe(json.ctx, { output: 'json' })).toBe(0);
    expect(JSON.parse(json.stdout())).toMatchObject({ ok: true, fallback: 'in-cluster' });
    // Not when a context is named (kubectl then reports it missing), nor without the mounted token.
    const named = context(inPod, podFs(mount.dir));
    expect(await runProbe(named.ctx, { context: 'prod', output: 'text' })).toBe(3);
    expect(named.stdout()).toContain('no kubeconfig to read');
    expect(named.stdout()).not.toMatch(/in-cluster fallback|automount/);
    const noToken = context(inPod, podFs(join(dir, 'no-such-mount')));
    expect(await runProbe(noToken.ctx, { output: 'text' })).toBe(3);
    expect(noToken.stdout()).toMatch(/hint: this looks like a pod \(KUBERNETES_SERVICE_HOST is set\), but kubectl's in-cluster fallback is not possible: no service-account token is mounted at \/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/token \(is automountServiceAccountToken off\?\)/);
    const noPort = context({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBECONFIG: inPod.KUBECONFIG }, podFs(mount.dir));
    expect(await runProbe(noPort.ctx, { output: 'text' })).toBe(3);
    expect(noPort.stdout()).toMatch(/in-cluster fallback is not possible: KUBERNETES_SERVICE_PORT is not set/);
    // A current context is what is probed, token mounted or not (this file's names "other", which
    // does not exist: kubectl reports that too, rather than falling back).
    const kubeconfig = writeKubeconfig('pod-current.yaml', api.url, { token });
    const current = context({ ...inPod, KUBECONFIG: kubeconfig }, podFs(mount.dir));
    expect(await runProbe(current.ctx, { output: 'text' })).toBe(3);
    expect(current.stdout()).toMatch(/^probe other$/m);
    expect(current.stdout()).toContain('context "other" was not found');
    expect(current.stdout()).not.toContain('in-cluster');
  });

  it.each([
    [{ inCluster: true, context: 'x' }],
    [{ saDir: '/x' }],
    [{ allContexts: true, context: 'x' }],
  ])('rejects the flag combination %j as a usage error', async (options) => {
    await expect(runProbe(context().ctx, options)).rejects.toMatchObject({ code: 'ERR_USAGE' });
  });
});
