// from-serviceaccount, end to end: the built CLI, the real kubectl (through an argv-recording
// wrapper) and the emulated API server. TokenRequest and --long-lived paths; the CA from the
// source context (data or a relative file) or kube-root-ca.crt; the real expiry; failures that
// leave every kubeconfig untouched.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startConnectProxy, type ConnectProxy } from '../support/apiserver.js';
import { createKubectlWorld, type KubectlWorld } from '../support/fake-kubectl-world.js';
import { kubectlClientMinor } from '../support/fake-kubectl.js';

let world: KubectlWorld;
let proxy: ConnectProxy;
beforeAll(async () => {
  world = await createKubectlWorld();
  proxy = await startConnectProxy();
});
afterAll(async () => {
  await world?.close();
  await proxy?.close();
});

interface WrittenKubeconfig {
  readonly 'current-context'?: string;
  readonly clusters: { name: string; cluster: Record<string, unknown> }[];
  readonly users: { name: string; user: { token?: string } }[];
  readonly contexts: { name: string; context: { namespace?: string } }[];
}

const readKubeconfig = (file: string) => load(readFileSync(file, 'utf8')) as WrittenKubeconfig;

function tokenIn(file: string): string {
  const token = readKubeconfig(file).users[0]?.user.token;
  if (!token) throw new Error(`no token in ${file}`);
  return token;
}

function claimsOf(token: string): { exp: number; iat: number; aud: string[]; sub: string } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('error:'));

/** The admin source kubeconfig with its cluster stanza rewritten. */
function sourceWith(name: string, cluster: (lines: string[]) => string[], dir = world.dir): string {
  const lines = world.server.kubeconfig({ admin: true }, { namespace: 'team-a' }).split('\n');
  const start = lines.indexOf('  cluster:');
  const end = lines.indexOf('contexts:');
  const file = join(dir, name);
  writeFileSync(file, [...lines.slice(0, start + 1), ...cluster(lines.slice(start + 1, end)), ...lines.slice(end)].join('\n'));
  return file;
}

const identity = (file: string) => world.identity(file);
/** `kubectl create token` arrived in kubectl 1.24 (Debian's kubernetes-client is 1.20). */
const hasCreateToken = kubectlClientMinor() >= 24;

describe.skipIf(!hasCreateToken)('from-serviceaccount (TokenRequest)', () => {
  it('writes a kubeconfig that lists pods as the service account, for kubectl and client-node', async () => {
    const out = world.path('deployer.kubeconfig');
    world.kubectl.clear();
    const result = await world.run(['from-serviceaccount', 'deployer', '-n', 'team-a', '--duration', '2h', '--kubeconfig', out, '-o', 'json']);
    expect(errorLines(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);

    const pods = await world.realKubectl(['--kubeconfig', out, 'get', 'pods', '-n', 'team-a', '-o', 'name']);
    expect(pods.stderr).toBe('');
    expect(pods.stdout).toContain('pod/web-6d8f7c9b5-q2x7z');
    expect(await identity(out)).toBe('system:serviceaccount:team-a:deployer');
    const config = new KubeConfig();
    config.loadFromFile(out);
    const list = await config.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'team-a' });
    expect(list.items.map((pod) => pod.metadata?.name)).toContain('web-6d8f7c9b5-q2x7z');

    const token = tokenIn(out);
    const claims = claimsOf(token);
    expect(claims.exp - claims.iat).toBe(7200);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      kubeconfig: out,
      serviceAccount: 'system:serviceaccount:team-a:deployer',
      tokenExpiresAt: new Date(claims.exp * 1000).toISOString(),
      source: 'token-request',
      caSource: 'source-context',
    });
    const calls = world.kubectl.calls();
    expect(calls).toContainEqual(['create', 'token', 'deployer', '-n', 'team-a', '--duration=7200s']);
    for (const argv of calls) expect(argv.join('\0')).not.toContain(token);
    expect(result.stdout).not.toContain(token);
    expect(result.stderr).not.toContain(token);
  });

  it('reports the real expiry and warns when the server caps the requested duration', async () => {
    const out = world.path('capped.kubeconfig');
    const result = await world.run(['from-serviceaccount', 'deployer', '-n', 'team-a', '--duration', '72h', '--kubeconfig', out, '-o', 'json']);
    expect(result.code).toBe(0);
    const claims = claimsOf(tokenIn(out));
    expect(claims.exp - claims.iat).toBe(48 * 3600);
    const summary = JSON.parse(result.stdout);
    expect(summary.tokenExpiresAt).toBe(new Date(claims.exp * 1000).toISOString());
    expect(summary.warnings).toContainEqual(expect.stringMatching(/shortened the token lifetime: requested 3d, issued 2d/));
    expect(result.stderr).toMatch(/^warning: the server shortened the token lifetime/m);
  });

  it('names the kubectl call as it was made in the text summary (--duration=259200s, not --duration 3d)', async () => {
    const out = world.path('duration-text.kubeconfig');
    const result = await world.run(['from-serviceaccount', 'deployer', '-n', 'team-a', '--duration', '72h', '--kubeconfig', out]);
    expect(result.code).toBe(0);
    const made = world.kubectl.calls().filter((argv) => argv.includes('create') && argv.includes('token')).at(-1) ?? [];
    expect(made).toContain('--duration=259200s');
    expect(result.stdout).toMatch(/^ {2}source {10}TokenRequest \(kubectl create token deployer -n team-a --duration=259200s\)$/m);
    expect(result.stdout).not.toContain('--duration 3d');
  });

  it('prints a standalone kubeconfig with --stdout, masked first on GitHub Actions, and writes nothing', async () => {
    // The default destination (KUBECONFIG, the source) and ~/.kube/config stay as they are.
    const watched = [world.source, `${world.home}/.kube/config`];
    const before = world.snapshot(watched);
    const result = await world.run(['from-serviceaccount', 'deployer', '-n', 'team-a', '--stdout'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(errorLines(result.stderr)).toEqual([]);
    expect(world.snapshot(watched)).toEqual(before);
    // stdout as it is, redirected to a file as the README shows: kubectl loads it.
    const printed = world.path('printed.kubeconfig');
    writeFileSync(printed, result.stdout);
    expect(await identity(printed)).toBe('system:serviceaccount:team-a:deployer');
    // The mask command goes to stderr (the runner reads both streams), and nothing else names the token.
    expect(result.stderr.split('\n').filter((line) => line.includes(tokenIn(printed)))).toEqual([`::add-mask::${tokenIn(printed)}`]);
  });

  it('--probe checks the written context and exits with the probe’s status (8: RBAC refuses)', async () => {
    const ok = await world.run(['from-serviceaccount', 'deployer', '-n', 'team-a', '--probe', '--kubeconfig', world.path('probed.kubeconfig')]);
    expect(errorLines(ok.stderr)).toEqual([]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/authn .*system:serviceaccount:team-a:deployer/);
    // viewer has no RBAC in the fixture: the kubeconfig is written, the probe says 403.
    const out = world.path('probed-viewer.kubeconfig');
    const refused = await world.run(['from-serviceaccount', 'viewer', '-n', 'team-a', '--probe', '--kubeconfig', out, '-o', 'json']);
    expect(refused.code).toBe(8);
    expect(JSON.parse(refused.stdout).context).toBe(`team-a/viewer@127.0.0.1:${world.server.port}`);
    expect(await identity(out)).toBe('system:serviceaccount:team-a:viewer');
  });

  it('passes every --audience to the TokenRequest', async () => {
    const out = world.path('audience.kubeconfig');
    const result = await world.run(['from-serviceaccount', 'deployer', '-n', 'team-a', '--audience', 'vault', '--audience', 'https://example.com', '--kubeconfig', out]);
    expect(result.code).toBe(0);
    expect(claimsOf(tokenIn(out)).aud).toEqual(['vault', 'https://example.com']);
    // The emulated server, as kube-apiserver, refuses a token without its own audience: said up front.
    expect(result.stderr).toMatch(/^warning: the token is for audience vault, https:\/\/example\.com only: the API server accepts it only if one of them is its own/m);
    expect((await world.realKubectl(['--kubeconfig', out, 'get', '--raw', '/api'])).code).not.toBe(0);
  });

  it('takes the CA from kube-root-ca.crt when the source context has none', async () => {
    const source = sourceWith('insecure-source.kubeconfig', (lines) => [...lines.filter((line) => !line.includes('certificate-authority-data')), '    insecure-skip-tls-verify: true']);
    const out = world.path('configmap-ca.kubeconfig');
    const result = await world.run(['from-serviceaccount', 'deployer', '--kubeconfig', out, '-o', 'json'], { env: { KUBECONFIG: source } });
    expect(errorLines(result.stderr)).toEqual([]);
    expect(JSON.parse(result.stdout).caSource).toBe('configmap');
    const cluster = readKubeconfig(out).clusters[0]?.cluster ?? {};
    expect(cluster['insecure-skip-tls-verify']).toBeUndefined();
    expect(Buffer.from(String(cluster['certificate-authority-data']), 'base64').toString('utf8')).toBe(world.server.caPem);
    expect(await identity(out)).toBe('system:serviceaccount:team-a:deployer');
  });

  it('reads a certificate-authority file relative to the kubeconfig that names it', async () => {
    const dir = world.path('relative');
    mkdirSync(join(dir, 'certs'), { recursive: true });
    writeFileSync(join(dir, 'certs', 'ca.pem'), world.server.caPem);
    const source = sourceWith('config', (lines) => [...lines.filter((line) => !line.includes('certificate-authority-data')), '    certificate-authority: certs/ca.pem'], dir);
    const out = world.path('relative-ca.kubeconfig');
    const result = await world.run(['from-serviceaccount', 'deployer', '--source-kubeconfig', source, '--kubeconfig', out, '-o', 'json']);
    expect(errorLines(result.stderr)).toEqual([]);
    expect(JSON.parse(result.stdout).caSource).toBe('source-context');
    expect(await identity(out)).toBe('system:serviceaccount:team-a:deployer');
  });

  it("keeps the source cluster's tls-server-name and proxy-url", async () => {
    const source = sourceWith('proxied-source.kubeconfig', (lines) => [...lines, '    tls-server-name: kubernetes.default.svc', `    proxy-url: ${proxy.url}`]);
    const out = world.path('proxied.kubeconfig');
    const result = await world.run(['from-serviceaccount', 'deployer', '--kubeconfig', out], { env: { KUBECONFIG: source } });
    expect(errorLines(result.stderr)).toEqual([]);
    const cluster = readKubeconfig(out).clusters[0]?.cluster ?? {};
    expect(cluster).toMatchObject({ server: world.server.url, 'tls-server-name': 'kubernetes.default.svc', 'proxy-url': proxy.url });
    const connectsBefore = proxy.connects.length;
    expect(await identity(out)).toBe('system:serviceaccount:team-a:deployer');
    expect(proxy.connects.length).toBeGreaterThan(connectsBefore);
  });

  it('writes the --server given instead of the source server, without its tls-server-name', async () => {
    const source = sourceWith('tls-name-source.kubeconfig', (lines) => [...lines, '    tls-server-name: kubernetes.default.svc']);
    const out = world.path('explicit-server.kubeconfig');
    const server = `https://localhost:${world.server.port}`;
    const result = await world.run(['from-serviceaccount', 'deployer', '--server', server, '--kubeconfig', out, '-o', 'json'], { env: { KUBECONFIG: source } });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ server, caSource: 'configmap', cluster: `localhost:${world.server.port}` });
    expect(readKubeconfig(out).clusters[0]?.cluster['tls-server-name']).toBeUndefined();
    expect(await identity(out)).toBe('system:serviceaccount:team-a:deployer');
  });
});

describe('from-serviceaccount with a source that skips TLS verification', () => {
  it('warns that nothing verified the CA it writes, and says the shared cluster entry lost insecure-skip-tls-verify', async () => {
    // The admin's cluster is named as our default cluster name for the same server, so it is updated.
    const clusterName = `127.0.0.1:${world.server.port}`;
    const source = world.path('insecure-admin.kubeconfig');
    writeFileSync(source, world.server.kubeconfig({ admin: true }, { name: clusterName, namespace: 'team-a' }).replace(/^ {4}certificate-authority-data: .*$/m, '    insecure-skip-tls-verify: true'));
    const result = await world.run(['from-serviceaccount', 'deployer', '-n', 'team-a', '--source-kubeconfig', source, '--kubeconfig', source]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^warning: source context "127\.0\.0\.1:\d+" skips TLS verification \(insecure-skip-tls-verify\), so nothing has checked that https:\/\/127\.0\.0\.1:\d+ presents a certificate ConfigMap kube-root-ca\.crt verifies; .*--probe checks it\)$/m);
    expect(result.stderr).toMatch(new RegExp(`^warning: existing cluster "${clusterName.replace(/\./g, '\\.')}" had insecure-skip-tls-verify; it now verifies the server's certificate, for every context that uses it`, 'm'));
    expect(result.stdout).toMatch(new RegExp(`^ {2}updated existing cluster "${clusterName.replace(/\./g, '\\.')}" in \\S+ \\(replaced insecure-skip-tls-verify\\)$`, 'm'));
  });
});

describe('from-serviceaccount --long-lived', () => {
  it('creates a token Secret (manifest on stdin), waits for it, then reuses it', async () => {
    world.kubectl.clear();
    const out = world.path('ci.kubeconfig');
    const first = await world.run(['from-serviceaccount', 'ci', '-n', 'team-a', '--long-lived', '--kubeconfig', out, '-o', 'json']);
    expect(errorLines(first.stderr)).toEqual([]);
    expect(JSON.parse(first.stdout)).toMatchObject({ source: 'created-secret', secret: 'team-a/ci-long-lived-token', tokenExpiresAt: null });
    const secret = world.server.getObject('secrets', 'team-a', 'ci-long-lived-token');
    expect(secret?.['type']).toBe('kubernetes.io/service-account-token');
    expect(secret?.metadata.annotations?.['kubernetes.io/service-account.name']).toBe('ci');
    expect(await identity(out)).toBe('system:serviceaccount:team-a:ci');
    expect(world.kubectl.calls()).toContainEqual(['create', '-f', '-', '-n', 'team-a', '-o', 'json', '--validate=false']);
    const token = tokenIn(out);
    for (const argv of world.kubectl.calls()) expect(argv.join('\0')).not.toContain(token);

    const again = await world.run(['from-serviceaccount', 'ci', '-n', 'team-a', '--long-lived', '--kubeconfig', out]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/source +existing token Secret team-a\/ci-long-lived-token/);
    expect(tokenIn(out)).toBe(token);
  });

  it('says that the Secret it created is kept when the write fails after it (a locked kubeconfig)', async () => {
    const out = world.path('locked-long.kubeconfig');
    writeFileSync(out, world.server.kubeconfig({ admin: true }, { name: 'mine' }));
    writeFileSync(`${out}.lock`, '');
    const result = await world.run(['from-serviceaccount', 'viewer', '-n', 'team-a', '--long-lived', '--kubeconfig', out, '--lock-timeout', '1s']);
    expect(result.code).toBe(3);
    expect(errorLines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^hint: .*this run created secret team-a\/viewer-long-lived-token, which is kept: a rerun reuses it \(kubectl delete secret viewer-long-lived-token -n team-a removes it\)$/m);
    expect(world.server.getObject('secrets', 'team-a', 'viewer-long-lived-token')).toBeDefined();
    rmSync(`${out}.lock`);
  });

  it('finds its token Secret beside 17 MiB of other Secrets (Helm releases) (was: exit 4, "more output than sa-kubeconfig reads")', async () => {
    // Helm keeps every release revision in a Secret of up to 1 MiB; only token Secrets are asked for.
    const names = Array.from({ length: 17 }, (_, i) => `sh.helm.release.v1.web.v${i + 1}`);
    for (const name of names) world.server.addSecret({ namespace: 'team-a', name, type: 'helm.sh/release.v1', dataBase64: { release: 'A'.repeat(1024 * 1024) } });
    try {
      world.kubectl.clear();
      const out = world.path('beside-helm.kubeconfig');
      const result = await world.run(['from-serviceaccount', 'deployer', '-n', 'team-a', '--long-lived', '--kubeconfig', out, '-o', 'json']);
      expect(errorLines(result.stderr)).toEqual([]);
      expect(JSON.parse(result.stdout)).toMatchObject({ source: 'existing-secret', secret: 'team-a/deployer-token' });
      expect(world.kubectl.calls()).toContainEqual(['get', 'secrets', '-n', 'team-a', '--field-selector', 'type=kubernetes.io/service-account-token', '-o', 'json']);
      expect(await identity(out)).toBe('system:serviceaccount:team-a:deployer');
    } finally {
      for (const name of names) world.server.state.objects.secrets.delete(`team-a/${name}`);
    }
  });

  it('reuses the populated Secret annotated for the account rather than an empty one', async () => {
    const out = world.path('deployer-long.kubeconfig');
    const result = await world.run(['from-serviceaccount', 'deployer', '-n', 'team-a', '--long-lived', '--kubeconfig', out, '-o', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ source: 'existing-secret', secret: 'team-a/deployer-token' });
  });
});

describe('from-serviceaccount refuses bad local input before kubectl touches the cluster', () => {
  it.each([
    ['a malformed destination kubeconfig (--long-lived would have created a Secret)', ['--long-lived'], 'MALFORMED', 3, /error loading config file/],
    ['a malformed destination kubeconfig (a token would have been minted)', [], 'MALFORMED', 3, /error loading config file/],
    ['a service account name that is no Kubernetes name', [], 'OK', 2, /serviceaccount name "Bad Name" is not a valid Kubernetes name/],
    ['a name that would reach kubectl as a flag', [], 'OK', 2, /serviceaccount name "--namespace=team-b" is not a valid Kubernetes name/],
    ['a FIFO as the destination (never read: it would wait forever)', ['--long-lived'], 'FIFO', 3, /not a regular file/],
    ['/dev/null as the destination', ['--long-lived'], 'DEVNULL', 3, /not a regular file/],
    ['a bad --kubectl-timeout beside a malformed destination: the flag first (exit 2)', ['--kubectl-timeout', 'abc'], 'MALFORMED', 2, /invalid duration "abc" for --kubectl-timeout/],
    ['a bad --lock-timeout (checked before kubectl, not after the token exists)', ['--lock-timeout', 'soon'], 'OK', 2, /invalid duration "soon" for --lock-timeout/],
  ])('%s → exit %i, no kubectl call', async (name, extra, destination, code, line) => {
    let out = world.path(`refused-${code}-${extra.join('')}-${destination}.kubeconfig`);
    if (destination === 'FIFO') execFileSync('mkfifo', [out]);
    else if (destination === 'DEVNULL') out = '/dev/null';
    else writeFileSync(out, destination === 'MALFORMED' ? 'clusters:\n  - name: [unclosed\n' : 'apiVersion: v1\nkind: Config\n');
    const account = name.includes('no Kubernetes name') ? 'Bad Name' : name.includes('reach kubectl as a flag') ? '--namespace=team-b' : 'deployer';
    const before = world.kubectl.calls().length;
    const result = await world.run(['from-serviceaccount', '-n', 'team-a', ...extra, '--kubeconfig', out, '--', account]);
    expect(result.code).toBe(code);
    expect(errorLines(result.stderr)[0]).toMatch(line);
    expect(world.kubectl.calls().slice(before)).toEqual([]);
  });
});

describe.skipIf(!hasCreateToken)('from-serviceaccount through a kubectl that prints the token and then fails', () => {
  it('exits 4 without quoting the token (was: the token as the error line)', async () => {
    // A wrapper (an alias, a version manager's shim) that runs the real kubectl and then exits 1:
    // stderr is empty, so the only text is the token that kubectl printed on stdout.
    const wrapper = world.path('fails-after-create-token');
    writeFileSync(wrapper, `#!/bin/sh\n"${world.kubectl.path}" "$@"\nstatus=$?\ncase "$*" in *"create token"*) exit 1;; esac\nexit $status\n`, { mode: 0o755 });
    world.kubectl.clear();
    const out = world.path('wrapper-fails.kubeconfig');
    const result = await world.run(['from-serviceaccount', 'deployer', '-n', 'team-a', '--kubectl', wrapper, '--kubeconfig', out]);
    expect(world.kubectl.calls()).toContainEqual(['create', 'token', 'deployer', '-n', 'team-a']);
    expect(result.code).toBe(4);
    expect(errorLines(result.stderr)).toHaveLength(1);
    expect(errorLines(result.stderr)[0]).toMatch(/^error: \S+fails-after-create-token create token deployer -n team-a failed: REDACTED/);
    expect(result.stderr + result.stdout).not.toMatch(/eyJ[\w-]{8,}/);
  });
});

describe('from-serviceaccount failures', () => {
  const sourceAs = (account: string) => {
    const file = world.path(`${account}-source.kubeconfig`);
    writeFileSync(file, world.server.kubeconfig({ token: world.server.mintToken({ namespace: 'team-a', serviceAccount: account }) }, { namespace: 'team-a' }));
    return file;
  };
  const bogusSource = () => {
    const file = world.path('bogus-source.kubeconfig');
    writeFileSync(file, world.server.kubeconfig({ token: world.server.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', wrongKey: true }) }, { namespace: 'team-a' }));
    return file;
  };

  it.each([
    { name: 'a service account that does not exist', tokenRequest: true, args: ['from-serviceaccount', 'nobody'], code: 4, line: /serviceaccounts "nobody" not found, in namespace "team-a" \(the source context's; pass -n for another\)$/ },
    { name: 'a source kubeconfig that does not exist', args: ['from-serviceaccount', 'deployer', '--source-kubeconfig', 'MISSING'], code: 3, line: /^error: source kubeconfig \/.*missing-source\.kubeconfig does not exist$/ },
    { name: 'a source kubeconfig that does not exist (--long-lived)', args: ['from-serviceaccount', 'deployer', '--long-lived', '--source-kubeconfig', 'MISSING'], code: 3, line: /^error: source kubeconfig \/.*missing-source\.kubeconfig does not exist$/ },
    { name: 'a service account that does not exist (--long-lived)', args: ['from-serviceaccount', 'nobody', '--long-lived'], code: 4, line: /serviceaccounts "nobody" not found/ },
    { name: 'a duration below 10 minutes', args: ['from-serviceaccount', 'deployer', '--duration', '5m'], code: 2, line: /--duration 5m is below the 10 minute minimum/ },
    { name: 'a duration in fractions of a second', args: ['from-serviceaccount', 'deployer', '--duration', '600500ms'], code: 2, line: /not a whole number of seconds/ },
    { name: '--long-lived with --duration', args: ['from-serviceaccount', 'deployer', '--long-lived', '--duration', '1h'], code: 2, line: /--long-lived cannot be combined/ },
    { name: '--wait without --long-lived (it would be ignored)', args: ['from-serviceaccount', 'deployer', '--wait', '10s'], code: 2, line: /^error: --wait applies only with --long-lived/ },
    { name: '--wait=30s (the default, given) without --long-lived', args: ['from-serviceaccount', 'deployer', '--wait=30s'], code: 2, line: /^error: --wait applies only with --long-lived/ },
    { name: '--kubectl-timeout 0', args: ['from-serviceaccount', 'deployer', '--kubectl-timeout', '0'], code: 2, line: /^error: --kubectl-timeout must be positive$/ },
    { name: 'a --server without "//"', args: ['from-serviceaccount', 'deployer', '--server', 'https:127.0.0.1:46443'], code: 2, line: /^error: server "https:127\.0\.0\.1:46443" must start with https:\/\// },
    { name: 'kubectl missing', args: ['from-serviceaccount', 'deployer', '--kubectl', '/nonexistent/kubectl'], code: 4, line: /kubectl not found/ },
    { name: 'kubectl unauthorized', tokenRequest: true, args: ['from-serviceaccount', 'deployer', '--source-kubeconfig', 'BOGUS'], code: 4, line: /failed to create token: Unauthorized/ },
    { name: 'a source context without RBAC for TokenRequest', tokenRequest: true, args: ['from-serviceaccount', 'deployer', '--source-kubeconfig', 'VIEWER'], code: 4, line: /cannot create resource "serviceaccounts\/token"/ },
    { name: 'a kubectl older than 1.24 (no create token)', oldKubectl: true, args: ['from-serviceaccount', 'deployer'], code: 4, line: /unknown command "token/ },
  ].filter((row) => ('tokenRequest' in row ? hasCreateToken : 'oldKubectl' in row ? !hasCreateToken : true)))('$name → exit $code with one clear line, no kubeconfig touched', async ({ args, code, line }) => {
    const out = world.path('untouched.kubeconfig');
    writeFileSync(out, world.server.kubeconfig({ admin: true }, { name: 'existing' }));
    const watched = [out, world.source, `${world.home}/.kube/config`];
    const before = world.snapshot(watched);
    const realArgs = args.map((arg) => (arg === 'BOGUS' ? bogusSource() : arg === 'VIEWER' ? sourceAs('viewer') : arg === 'MISSING' ? world.path('missing-source.kubeconfig') : arg));
    const result = await world.run([...realArgs, '--kubeconfig', out]);
    expect(result.code).toBe(code);
    expect(errorLines(result.stderr)).toHaveLength(1);
    expect(errorLines(result.stderr)[0]).toMatch(line);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
    expect(world.snapshot(watched)).toEqual(before);
  });
});
