// from-secret, end to end: the built CLI, the real kubectl (through an argv-recording wrapper) and
// the emulated API server. The written kubeconfig must work for kubectl and @kubernetes/client-node,
// the token must appear in no argv and no output of ours, and every failure must leave every
// kubeconfig byte for byte as it was.
import { spawn } from 'node:child_process';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createKubectlWorld, type KubectlWorld } from '../support/fake-kubectl-world.js';
import { REAL_KUBECTL } from '../support/fake-kubectl.js';

let world: KubectlWorld;
beforeAll(async () => {
  world = await createKubectlWorld();
});
afterAll(async () => {
  await world?.close();
});

interface WrittenKubeconfig {
  readonly 'current-context'?: string;
  readonly clusters: { name: string; cluster: Record<string, unknown> }[];
  readonly users: { name: string; user: { token?: string } }[];
  readonly contexts: { name: string; context: { namespace?: string } }[];
}

function readKubeconfig(file: string): WrittenKubeconfig {
  return load(readFileSync(file, 'utf8')) as WrittenKubeconfig;
}

function tokenIn(file: string): string {
  const token = readKubeconfig(file).users[0]?.user.token;
  if (!token) throw new Error(`no token in ${file}`);
  return token;
}

function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('error:'));
}

async function listPodsWithClientNode(file: string): Promise<string[]> {
  const config = new KubeConfig();
  config.loadFromFile(file);
  const api = config.makeApiClient(CoreV1Api);
  const list = await api.listNamespacedPod({ namespace: 'team-a' });
  return list.items.map((pod) => pod.metadata?.name ?? '');
}

describe('from-secret', () => {
  it('writes a kubeconfig that lists pods as the service account, for kubectl and client-node', async () => {
    const out = world.path('deployer.kubeconfig');
    world.kubectl.clear();
    const result = await world.run(['from-secret', 'deployer-token', '-n', 'team-a', '--kubeconfig', out]);
    expect(errorLines(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);

    const pods = await world.realKubectl(['--kubeconfig', out, 'get', 'pods', '-n', 'team-a', '-o', 'name']);
    expect(pods.stderr).toBe('');
    expect(pods.stdout).toContain('pod/web-6d8f7c9b5-q2x7z');
    expect(await world.identity(out)).toBe('system:serviceaccount:team-a:deployer');
    expect(await listPodsWithClientNode(out)).toContain('web-6d8f7c9b5-q2x7z');

    const token = tokenIn(out);
    expect(world.kubectl.calls().length).toBeGreaterThan(0);
    for (const argv of world.kubectl.calls()) expect(argv.join('\0')).not.toContain(token);
    expect(result.stdout).not.toContain(token);
    expect(result.stderr).not.toContain(token);
  });

  it('embeds the CA and takes kubectl’s current namespace when -n is absent', async () => {
    const out = world.path('embedded.kubeconfig');
    // no -n: kubectl's current namespace (team-a in the source context)
    const result = await world.run(['from-secret', 'deployer-token', '--kubeconfig', out]);
    expect(result.code).toBe(0);
    const config = readKubeconfig(out);
    expect(Buffer.from(String(config.clusters[0]?.cluster['certificate-authority-data']), 'base64').toString('utf8')).toBe(world.server.caPem);
    expect(config.clusters[0]?.cluster['server']).toBe(world.server.url);
    expect(config.contexts[0]?.context.namespace).toBe('team-a');
    expect(config['current-context']).toBe(config.contexts[0]?.name);
  });

  it('prints a JSON summary with the path taken and the warnings', async () => {
    const out = world.path('json.kubeconfig');
    const result = await world.run(['from-secret', 'deployer-token', '-n', 'team-a', '--kubeconfig', out, '-o', 'json']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      kubeconfig: out,
      server: world.server.url,
      namespace: 'team-a',
      serviceAccount: 'system:serviceaccount:team-a:deployer',
      tokenExpiresAt: null,
      currentContext: summary.context,
      source: 'secret',
      secret: 'team-a/deployer-token',
      caSource: 'source-context',
    });
    expect(summary.warnings).toEqual([expect.stringMatching(/loopback/)]);
  });

  it('embeds the Secret’s ca.crt when the source context trusts no CA', async () => {
    const lines = world.server.kubeconfig({ admin: true }, { namespace: 'team-a' }).split('\n');
    const source = world.path('insecure-source.kubeconfig');
    writeFileSync(source, lines.map((line) => (line.includes('certificate-authority-data') ? '    insecure-skip-tls-verify: true' : line)).join('\n'));
    const out = world.path('secret-ca.kubeconfig');
    const result = await world.run(['from-secret', 'deployer-token', '--kubeconfig', out, '-o', 'json'], { env: { KUBECONFIG: source } });
    expect(errorLines(result.stderr)).toEqual([]);
    expect(JSON.parse(result.stdout).caSource).toBe('secret');
    const cluster = readKubeconfig(out).clusters[0]?.cluster ?? {};
    expect(cluster['insecure-skip-tls-verify']).toBeUndefined();
    expect(Buffer.from(String(cluster['certificate-authority-data']), 'base64').toString('utf8')).toBe(world.server.caPem);
    expect(await world.identity(out)).toBe('system:serviceaccount:team-a:deployer');
  });

  it('prints a standalone kubeconfig with --stdout and writes nothing', async () => {
    // The default destination (KUBECONFIG, the source) and ~/.kube/config stay as they are.
    const before = world.snapshot([world.source, `${world.home}/.kube/config`]);
    const result = await world.run(['from-secret', 'deployer-token', '-n', 'team-a', '--stdout']);
    expect(result.code).toBe(0);
    expect(world.snapshot([world.source, `${world.home}/.kube/config`])).toEqual(before);
    const printed = load(result.stdout) as WrittenKubeconfig;
    writeFileSync(world.path('from-stdout.kubeconfig'), result.stdout);
    expect(printed.users[0]?.user.token).toBe(tokenIn(world.path('from-stdout.kubeconfig')));
    const pods = await world.realKubectl(['--kubeconfig', world.path('from-stdout.kubeconfig'), 'get', 'pods', '-n', 'team-a', '-o', 'name']);
    expect(pods.stdout).toContain('pod/web-6d8f7c9b5-q2x7z');
  });

  it('warns that an auto-generated legacy token is cleaned up after a year unused', async () => {
    const account = world.server.getObject('serviceaccounts', 'team-a', 'deployer');
    if (!account) throw new Error('fixture changed: no team-a/deployer');
    account['secrets'] = [{ name: 'deployer-token' }];
    try {
      const result = await world.run(['from-secret', 'deployer-token', '-n', 'team-a', '--kubeconfig', world.path('legacy.kubeconfig')]);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/^warning: .*auto-generated legacy token.*unused for a year/m);
    } finally {
      delete account['secrets'];
    }
  });

  it('accepts a token that is not a JWT with a warning, naming the account from the annotation', async () => {
    world.server.addSecret({
      namespace: 'team-a',
      name: 'opaque-token',
      type: 'kubernetes.io/service-account-token',
      annotations: { 'kubernetes.io/service-account.name': 'viewer' },
      data: { token: 'opaque-token-0123456789', 'ca.crt': world.server.caPem, namespace: 'team-a' },
    });
    const out = world.path('opaque.kubeconfig');
    const result = await world.run(['from-secret', 'opaque-token', '-n', 'team-a', '--kubeconfig', out, '-o', 'json']);
    expect(errorLines(result.stderr)).toEqual([]);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ serviceAccount: 'system:serviceaccount:team-a:viewer', context: `team-a/viewer@127.0.0.1:${world.server.port}` });
    expect(summary.warnings).toContainEqual(expect.stringMatching(/is not a JWT/));
    expect(tokenIn(out)).toBe('opaque-token-0123456789');
    expect(result.stdout + result.stderr).not.toContain('opaque-token-0123456789');
    expect(summary.tokenExpiresAt).toBeNull();
    // In text, the expiry of a token that is not a JWT is unknown, not "never".
    const text = await world.run(['from-secret', 'opaque-token', '-n', 'team-a', '--kubeconfig', out]);
    expect(text.stdout).toMatch(/^ {2}token expires {3}unknown \(not a JWT\)$/m);
  });

  it('warns that a token has expired, and says "expired … ago" (was "in -1h…")', async () => {
    world.server.addSecret({
      namespace: 'team-a',
      name: 'stale-token',
      type: 'kubernetes.io/service-account-token',
      annotations: { 'kubernetes.io/service-account.name': 'deployer' },
      data: { token: world.server.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', expired: true }), 'ca.crt': world.server.caPem, namespace: 'team-a' },
    });
    const out = world.path('stale.kubeconfig');
    const result = await world.run(['from-secret', 'stale-token', '-n', 'team-a', '--kubeconfig', out]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^warning: the token expired at \S+ by this machine's clock; the API server will refuse it/m);
    expect(result.stdout).toMatch(/^ {2}token expires {3}\S+ \(expired 1h\d*m?\d*s? ago\)$/m);
    const json = await world.run(['from-secret', 'stale-token', '-n', 'team-a', '--kubeconfig', out, '-o', 'json']);
    expect(JSON.parse(json.stdout).warnings).toContainEqual(expect.stringMatching(/^the token expired at /));
  });

  it('writes where kubectl config set-context would (KUBECONFIG), not into --source-kubeconfig, without --kubeconfig', async () => {
    const source = world.path('read-only-source.kubeconfig');
    writeFileSync(source, readFileSync(world.source, 'utf8'));
    const destination = world.path('kubeconfig-env.kubeconfig');
    const result = await world.run(['from-secret', 'deployer-token', '--source-kubeconfig', source, '-o', 'json'], { env: { KUBECONFIG: destination } });
    expect(errorLines(result.stderr)).toEqual([]);
    expect(JSON.parse(result.stdout).kubeconfig).toBe(destination);
    expect(readFileSync(source, 'utf8')).toBe(readFileSync(world.source, 'utf8'));
    expect(readKubeconfig(destination)['current-context']).toBe(`team-a/deployer@127.0.0.1:${world.server.port}`);
  });

  it('keeps current-context with --no-set-current', async () => {
    const out = world.path('keep-current.kubeconfig');
    writeFileSync(out, world.server.kubeconfig({ admin: true }, { name: 'mine' }));
    const result = await world.run(['from-secret', 'deployer-token', '-n', 'team-a', '--kubeconfig', out, '--no-set-current']);
    expect(result.code).toBe(0);
    const config = readKubeconfig(out);
    expect(config['current-context']).toBe('mine');
    expect(config.contexts.map((c) => c.name).sort()).toEqual(['mine', `team-a/deployer@127.0.0.1:${world.server.port}`]);
  });
});

describe('from-secret failures', () => {
  const bogusSource = () => {
    const file = world.path('bogus-source.kubeconfig');
    writeFileSync(file, world.server.kubeconfig({ token: world.server.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', wrongKey: true }) }, { namespace: 'team-a' }));
    return file;
  };

  const slowKubectl = () => {
    const file = world.path('slow-kubectl');
    writeFileSync(file, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
    return file;
  };
  const deadSource = () => {
    const file = world.path('dead-source.kubeconfig');
    writeFileSync(file, world.server.kubeconfig({ admin: true }, { namespace: 'team-a' }).replace(world.server.url, 'https://127.0.0.1:1'));
    return file;
  };

  const emptySource = () => {
    const file = world.path('empty-source.kubeconfig');
    writeFileSync(file, 'apiVersion: v1\nkind: Config\n');
    return file;
  };

  const serverlessSource = () => {
    const file = world.path('serverless-source.kubeconfig');
    writeFileSync(file, world.server.kubeconfig({ admin: true }, { namespace: 'team-a' }).split('\n').filter((line) => !/^\s*server:/.test(line)).join('\n'));
    return file;
  };
  const ghostSource = () => {
    const file = world.path('ghost-source.kubeconfig');
    writeFileSync(file, world.server.kubeconfig({ admin: true }, { namespace: 'team-a' }).replace(/^current-context: .*$/m, 'current-context: ghost'));
    return file;
  };
  const pluginFailSource = () => {
    const plugin = world.path('login-plugin');
    writeFileSync(plugin, '#!/bin/sh\necho "please run login first" >&2\nexit 1\n', { mode: 0o755 });
    const file = world.path('plugin-source.kubeconfig');
    const exec = ['    exec:', '      apiVersion: client.authentication.k8s.io/v1', `      command: ${plugin}`, '      interactiveMode: Never'].join('\n');
    writeFileSync(file, world.server.kubeconfig({ admin: true }, { namespace: 'team-a' }).replace(/^(users:\n- name: .*\n {2}user:\n)[\s\S]*/m, `$1${exec}\n`));
    return file;
  };
  const malformedSource = () => {
    const file = world.path('malformed-source.kubeconfig');
    writeFileSync(file, 'clusters:\n  - name: [unclosed\n');
    return file;
  };

  it.each([
    { name: 'a source context whose cluster has no server', args: ['from-secret', 'deployer-token', '--source-kubeconfig', 'SERVERLESS'], code: 3, line: /^error: the cluster of source context "\S+" has no server, so kubectl asked http:\/\/localhost:8080$/ },
    { name: 'a malformed source kubeconfig', args: ['from-secret', 'deployer-token', '--source-kubeconfig', 'MALFORMED'], code: 3, line: /error loading config file/ },
    { name: 'a source kubeconfig that does not exist (kubectl: "stat FILE: no such file or directory")', args: ['from-secret', 'deployer-token', '--source-kubeconfig', 'MISSING'], code: 3, line: /^error: source kubeconfig \/.*missing-source\.kubeconfig does not exist$/ },
    { name: 'a source kubeconfig without a current context', args: ['from-secret', 'deployer-token', '--source-kubeconfig', 'EMPTY'], code: 3, line: /^error: kubectl has no current context in \/.*empty-source\.kubeconfig, so it has no cluster to ask$/ },
    { name: 'a Secret that does not exist', args: ['from-secret', 'nope', '-n', 'team-a'], code: 4, line: /secrets "nope" not found$/ },
    { name: 'a source whose current-context names a missing context', args: ['from-secret', 'deployer-token', '--source-kubeconfig', 'GHOST'], code: 3, line: /cannot locate context ghost/ },
    { name: 'a Secret name that is no Kubernetes name', args: ['from-secret', 'Bad_Name'], code: 2, line: /secret name "Bad_Name" is not a valid Kubernetes name/ },
    { name: 'a Secret that does not exist, no -n (the namespace named)', args: ['from-secret', 'nope'], code: 4, line: /secrets "nope" not found, in namespace "team-a" \(the source context's; pass -n for another\)$/ },
    { name: 'a Secret of the wrong type', args: ['from-secret', 'not-a-token', '-n', 'team-a'], code: 4, line: /type Opaque, not kubernetes\.io\/service-account-token/ },
    { name: 'a Secret not yet populated', args: ['from-secret', 'pending-token', '-n', 'team-a'], code: 4, line: /has no token yet/ },
    { name: 'a Secret still not populated after --wait', args: ['from-secret', 'pending-token', '-n', 'team-a', '--wait', '1s'], code: 4, line: /still has no token after 1s/ },
    { name: 'a Secret that is not valid base64', args: ['from-secret', 'bad-base64-token', '-n', 'team-a'], code: 4, line: /data\["token"\] is not valid base64/ },
    { name: 'a namespace that does not exist', args: ['from-secret', 'deployer-token', '-n', 'team-b'], code: 4, line: /not found/ },
    { name: 'kubectl missing (--kubectl)', args: ['from-secret', 'deployer-token', '--kubectl', '/nonexistent/kubectl'], code: 4, line: /kubectl not found: \/nonexistent\/kubectl/ },
    { name: 'kubectl missing (PATH)', args: ['from-secret', 'deployer-token'], env: { PATH: '/nonexistent' }, code: 4, line: /kubectl not found: kubectl/ },
    { name: 'kubectl unauthorized', args: ['from-secret', 'deployer-token', '--source-kubeconfig', 'BOGUS'], code: 4, line: /You must be logged in to the server \(Unauthorized\)/ },
    { name: 'a source context that does not exist', args: ['from-secret', 'deployer-token', '--source-context', 'nope'], code: 3, line: /cannot locate context nope/ },
    { name: 'kubectl hanging past --kubectl-timeout', args: ['from-secret', 'deployer-token', '--kubectl', 'SLOW', '--kubectl-timeout', '1s'], code: 4, line: /timed out after 1s/ },
    { name: 'a source context whose credential plugin fails (its own words kept)', args: ['from-secret', 'deployer-token', '--source-kubeconfig', 'PLUGINFAIL'], code: 4, line: /getting credentials: exec: executable \S+login-plugin failed with exit code 1 \(the plugin printed: please run login first\)$/ },
    { name: 'an API server that refuses connections', args: ['from-secret', 'deployer-token', '--source-kubeconfig', 'DEAD'], code: 4, line: /connection to the server 127\.0\.0\.1:1 was refused/ },
    { name: 'an empty --kubectl (was: exit 4, "cannot start \'\'")', args: ['from-secret', 'deployer-token', '--kubectl='], code: 2, line: /^error: --kubectl must name the kubectl to run$/ },
    { name: '--kubectl-timeout 0 (would kill every call at once)', args: ['from-secret', 'deployer-token', '--kubectl-timeout', '0'], code: 2, line: /^error: --kubectl-timeout must be positive$/ },
    { name: '--stdout with --kubeconfig (was: the file silently not written)', args: ['from-secret', 'deployer-token', '--stdout'], code: 2, line: /^error: --stdout and --kubeconfig cannot be combined$/ },
    { name: '--kubectl-timeout 0s', args: ['from-secret', 'deployer-token', '--kubectl-timeout', '0s'], code: 2, line: /^error: --kubectl-timeout must be positive$/ },
    { name: 'a negative --kubectl-timeout', args: ['from-secret', 'deployer-token', '--kubectl-timeout', '-1s'], code: 2, line: /--kubectl-timeout/ },
    { name: 'a bad --wait', args: ['from-secret', 'deployer-token', '--wait', 'soon'], code: 2, line: /invalid duration "soon" for --wait/ },
    { name: 'an http --server', args: ['from-secret', 'deployer-token', '--server', 'http://example.com'], code: 2, line: /plain http/ },
    { name: 'a --server without "//" (kubectl: "lookup https:127.0.0.1: no such host")', args: ['from-secret', 'deployer-token', '--server', 'https:127.0.0.1:46443'], code: 2, line: /^error: server "https:127\.0\.0\.1:46443" must start with https:\/\// },
    { name: 'a --server with one slash', args: ['from-secret', 'deployer-token', '--server', 'https:/127.0.0.1:46443'], code: 2, line: /must start with https:\/\// },
  ])('$name → exit $code with one clear line, no kubeconfig touched', async ({ args, env, code, line }) => {
    const out = world.path('untouched.kubeconfig');
    writeFileSync(out, world.server.kubeconfig({ admin: true }, { name: 'existing' }));
    const watched = [out, world.source, `${world.home}/.kube/config`];
    const before = world.snapshot(watched);
    const realArgs = args.map((arg) => (arg === 'BOGUS' ? bogusSource() : arg === 'SLOW' ? slowKubectl() : arg === 'DEAD' ? deadSource() : arg === 'EMPTY' ? emptySource() : arg === 'SERVERLESS' ? serverlessSource() : arg === 'MALFORMED' ? malformedSource() : arg === 'MISSING' ? world.path('missing-source.kubeconfig') : arg === 'GHOST' ? ghostSource() : arg === 'PLUGINFAIL' ? pluginFailSource() : arg));
    const result = await world.run([...realArgs, '--kubeconfig', out], env === undefined ? {} : { env });
    expect(result.code).toBe(code);
    expect(errorLines(result.stderr)).toHaveLength(1);
    expect(errorLines(result.stderr)[0]).toMatch(line);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.stdout).toBe('');
    expect(world.snapshot(watched)).toEqual(before);
  });
});

describe('from-secret through a kubectl proxy (http, no credentials)', () => {
  it('refuses the http source server (exit 3): kubectl would send the token nowhere, and the proxy answers as its own user', async () => {
    // `kubectl proxy` authenticates as the admin; a kubeconfig for http://127.0.0.1:PORT with the
    // service account's token would run as the admin, since kubectl sends no credentials over http.
    const proxy = spawn(REAL_KUBECTL, ['--kubeconfig', world.source, 'proxy', '--port=0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        let seen = '';
        proxy.stdout.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          const match = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(seen);
          if (match?.[1]) resolve(match[1]);
        });
        proxy.once('exit', (code) => reject(new Error(`kubectl proxy exited with ${String(code)}: ${seen}`)));
      });
      const source = world.path('proxy-source.kubeconfig');
      writeFileSync(source, `apiVersion: v1\nkind: Config\nclusters:\n- name: p\n  cluster:\n    server: http://127.0.0.1:${port}\ncontexts:\n- name: p\n  context:\n    cluster: p\n    user: u\n    namespace: team-a\nusers:\n- name: u\n  user: {}\ncurrent-context: p\n`);
      const out = world.path('via-proxy.kubeconfig');
      const result = await world.run(['from-secret', 'deployer-token', '--source-kubeconfig', source, '--kubeconfig', out]);
      expect(result.code).toBe(3);
      expect(errorLines(result.stderr)[0]).toMatch(/the server of source context "p" is "http:\/\/127\.0\.0\.1:\d+", not https:\/\/: kubectl sends no credentials over http/);
      expect(existsSync(out)).toBe(false);
      // A --wait poll stops once the source is refused, instead of running out its 30 s.
      const polls = () => world.server.requests.filter((request) => request.method === 'GET' && request.path === '/api/v1/namespaces/team-a/secrets/pending-token').length;
      const before = polls();
      const waiting = await world.run(['from-secret', 'pending-token', '-n', 'team-a', '--wait', '30s', '--source-kubeconfig', source, '--kubeconfig', out]);
      expect(waiting.code).toBe(3);
      expect(errorLines(waiting.stderr)[0]).toMatch(/not https:\/\/: kubectl sends no credentials over http/);
      expect(polls() - before).toBeLessThanOrEqual(3);
      // And --server, the API server itself, is the way out.
      const fixed = await world.run(['from-secret', 'deployer-token', '--source-kubeconfig', source, '--server', world.server.url, '--kubeconfig', out]);
      expect(fixed.code, fixed.stderr).toBe(0);
    } finally {
      proxy.kill();
    }
  });

  it.each([
    ['from-secret', ['from-secret', 'deployer-token']],
    ['from-serviceaccount', ['from-serviceaccount', 'deployer', '-n', 'team-a']],
  ])('%s says why (exit 3) when nothing listens at the http source server either (was: kubectl\'s "connection refused", exit 4)', async (_name, args) => {
    // A port that was free a moment ago: kubectl's own call is refused, the source context reads fine.
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const source = world.path(`closed-proxy-${port}.kubeconfig`);
    writeFileSync(source, `apiVersion: v1\nkind: Config\nclusters:\n- name: p\n  cluster:\n    server: http://127.0.0.1:${port}\ncontexts:\n- name: p\n  context:\n    cluster: p\n    user: u\n    namespace: team-a\nusers:\n- name: u\n  user: {}\ncurrent-context: p\n`);
    const out = world.path(`closed-proxy-${port}.out`);
    const result = await world.run([...args, '--source-kubeconfig', source, '--kubeconfig', out]);
    expect(result.code, result.stderr).toBe(3);
    expect(errorLines(result.stderr)[0]).toMatch(/the server of source context "p" is "http:\/\/127\.0\.0\.1:\d+", not https:\/\/: kubectl sends no credentials over http/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('a source kubeconfig kubectl cannot load', () => {
  it('passes kubectl\'s reason on without the text it quotes (an unquoted token starting with "*" is a YAML alias)', async () => {
    const source = world.path('alias-source.kubeconfig');
    writeFileSync(source, 'apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: *SuperSecretA1\n');
    const result = await world.run(['from-secret', 'deployer-token', '--source-kubeconfig', source, '--kubeconfig', world.path('alias.out')]);
    expect(result.code).toBe(3);
    expect(errorLines(result.stderr)[0]).toMatch(/error loading config file .*yaml: unknown anchor referenced \(its name is not shown/);
    expect(result.stderr).not.toContain('SuperSecret');
  });
});

describe('from-secret --wait', () => {
  let delayed: KubectlWorld;
  beforeAll(async () => {
    // The controller fills the Secret on the third GET: deterministic, unlike a timer racing a slow start.
    delayed = await createKubectlWorld({ pendingToken: { afterGets: 2 } });
  });
  afterAll(async () => {
    await delayed?.close();
  });

  it('polls until the token controller fills the Secret in', async () => {
    const out = delayed.path('waited.kubeconfig');
    const result = await delayed.run(['from-secret', 'pending-token', '-n', 'team-a', '--wait', '20s', '--kubeconfig', out, '-o', 'json']);
    expect(errorLines(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^waiting up to 20s for the token controller to fill in secret team-a\/pending-token$/m);
    const gets = delayed.kubectl.calls().filter((argv) => argv.includes('pending-token'));
    expect(gets).toHaveLength(3);
    expect(await delayed.identity(out)).toBe('system:serviceaccount:team-a:deployer');
  });
});
