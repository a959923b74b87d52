import * as fsp from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { destinationFor, obtainFromLongLivedSecret, obtainFromSecret, obtainFromTokenRequest, sourceCaAbsence } from '../../../src/kubectl/credentials.js';
import type { SourceContext } from '../../../src/kubectl/source-context.js';
import { argv, fakeSpawn, target, type Rule } from './fake-spawn.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const OTHER_PEM = '-----BEGIN CERTIFICATE-----\nOTHER\n-----END CERTIFICATE-----\n';
const b64 = (text: string) => Buffer.from(text).toString('base64');
const jwt = (claims: object) => `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

const source: SourceContext = {
  contextName: 'admin',
  namespace: 'team-a',
  server: 'https://api.example:6443',
  tlsServerName: 'kubernetes',
  proxyUrl: 'http://proxy:3128',
  caPem: PEM,
  insecureSkipTlsVerify: false,
  namespaceNamed: true,
};

function minified(cluster: Record<string, unknown>, namespace = 'team-a') {
  return JSON.stringify({
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user: {} }],
    contexts: [{ name: 'admin', context: { cluster: 'c', user: 'u', namespace } }],
    'current-context': 'admin',
  });
}

const viewRule = (cluster: Record<string, unknown> = { server: 'https://api.example:6443', 'certificate-authority-data': b64(PEM) }, namespace = 'team-a'): Rule => ({
  match: argv('config', 'view'),
  answer: { stdout: minified(cluster, namespace) },
});

function hooks() {
  const warnings: string[] = [];
  const secrets: string[] = [];
  const notes: string[] = [];
  return { warnings, secrets, notes, onSecret: (s: string) => secrets.push(s), warn: (m: string) => warnings.push(m), note: (m: string) => notes.push(m) };
}

const deps = (rules: readonly Rule[]) => {
  const fake = fakeSpawn(rules);
  return { ...fake, deps: { spawn: fake.spawn, env: {}, now: () => new Date(0), sleep: async () => undefined, fs: fsp } };
};

describe('destinationFor', () => {
  it('keeps tls-server-name, proxy-url and the CA of the source server', () => {
    expect(destinationFor(source, undefined, 'team-a')).toMatchObject({
      server: 'https://api.example:6443',
      tlsServerName: 'kubernetes',
      proxyUrl: 'http://proxy:3128',
      sourceCaPem: PEM,
      reachabilityWarning: undefined,
    });
  });

  it('drops them for another --server', () => {
    const destination = destinationFor(source, 'https://kubernetes.default.svc', 'team-a');
    expect(destination.server).toBe('https://kubernetes.default.svc');
    expect([destination.tlsServerName, destination.proxyUrl, destination.sourceCaPem]).toEqual([undefined, undefined, undefined]);
    expect(destination.reachabilityWarning).toMatch(/cluster-internal/);
  });

  it('treats a trailing slash as the same server', () => {
    expect(destinationFor(source, 'https://api.example:6443/', 'x').sourceCaPem).toBe(PEM);
  });

  it('needs --server when kubectl has no current context', () => {
    expect(() => destinationFor(undefined, undefined, 'default')).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });
});

describe('obtainFromSecret', () => {
  const secret = (data: Record<string, string>) => ({
    stdout: JSON.stringify({ metadata: { name: 's', namespace: 'team-b', annotations: { 'kubernetes.io/service-account.name': 'ci' } }, type: 'kubernetes.io/service-account-token', data }),
  });

  it('lets kubectl choose the namespace when -n is absent and takes it from the Secret', async () => {
    const { deps: d, requests } = deps([viewRule(), { match: argv('get', 'secret', 's'), answer: secret({ token: b64('a.b.c'), 'ca.crt': b64(OTHER_PEM) }) }]);
    const h = hooks();
    const { destination, credentials } = await obtainFromSecret(d, target, {}, { name: 's', waitMs: 0 }, h);
    expect(requests.find((r) => r.args.includes('secret'))?.args).toEqual(['get', 'secret', 's', '-o', 'json']);
    expect(destination.namespace).toBe('team-b');
    expect(credentials).toMatchObject({ token: 'a.b.c', source: 'secret', serviceAccount: 'ci' });
    expect(h.secrets).toEqual(['a.b.c']);
  });

  it('prefers the CA the source context trusts for the same server over the Secret’s ca.crt', async () => {
    const { deps: d } = deps([viewRule(), { match: argv('get', 'secret'), answer: secret({ token: b64('a.b.c'), 'ca.crt': b64(OTHER_PEM) }) }]);
    const { credentials } = await obtainFromSecret(d, target, {}, { name: 's', waitMs: 0 }, hooks());
    expect(credentials).toMatchObject({ caPem: PEM, caSource: 'source-context' });
  });

  it.each([
    ['the source context has no CA', viewRule({ server: 'https://api.example:6443', 'insecure-skip-tls-verify': true }), {}],
    ['another --server is written', viewRule(), { server: 'https://public.example' }],
  ])('takes the Secret’s ca.crt when %s', async (_name, view, flags) => {
    const { deps: d } = deps([view, { match: argv('get', 'secret'), answer: secret({ token: b64('a.b.c'), 'ca.crt': b64(OTHER_PEM) }) }]);
    const { credentials } = await obtainFromSecret(d, target, flags, { name: 's', waitMs: 0 }, hooks());
    expect(credentials).toMatchObject({ caPem: OTHER_PEM, caSource: 'secret' });
  });

  it('falls back to the source context CA when the Secret has no ca.crt', async () => {
    const { deps: d } = deps([viewRule(), { match: argv('get', 'secret'), answer: secret({ token: b64('a.b.c') }) }]);
    const { credentials } = await obtainFromSecret(d, target, { namespace: 'team-b' }, { name: 's', waitMs: 0 }, hooks());
    expect(credentials).toMatchObject({ caPem: PEM, caSource: 'source-context' });
  });

  it('reads kube-root-ca.crt when neither the source context nor the Secret has a CA, as --long-lived does', async () => {
    // Was: no CA at all from from-secret, while --long-lived picked the same Secret and the ConfigMap.
    const { deps: d, requests } = deps([
      viewRule({ server: 'https://api.example:6443', 'insecure-skip-tls-verify': true }),
      { match: argv('get', 'secret'), answer: secret({ token: b64('a.b.c') }) },
      { match: argv('get', 'configmap', 'kube-root-ca.crt', '-n', 'team-b'), answer: { stdout: JSON.stringify({ data: { 'ca.crt': OTHER_PEM } }) } },
    ]);
    const { credentials } = await obtainFromSecret(d, target, {}, { name: 's', waitMs: 0 }, hooks());
    expect(credentials).toMatchObject({ caPem: OTHER_PEM, caSource: 'configmap' });
    expect(requests.some((r) => r.args.includes('configmap'))).toBe(true);
  });

  it('warns once, naming the Secret, when no CA is found anywhere', async () => {
    const { deps: d } = deps([
      viewRule({ server: 'https://api.example:6443', 'insecure-skip-tls-verify': true }),
      { match: argv('get', 'secret'), answer: secret({ token: b64('a.b.c') }) },
      { match: argv('get', 'configmap'), answer: { exitCode: 1, stderr: 'Error from server (Forbidden): configmaps "kube-root-ca.crt" is forbidden: …\n' } },
    ]);
    const h = hooks();
    const { credentials } = await obtainFromSecret(d, target, {}, { name: 's', waitMs: 0 }, h);
    expect(credentials.caSource).toBe('none');
    expect(h.warnings).toEqual([expect.stringMatching(/^no CA for https:\/\/api\.example:6443: secret team-b\/s has no ca\.crt, the source context names no CA and configmap team-b\/kube-root-ca\.crt is unavailable \(.*Forbidden.*\); the kubeconfig trusts the system roots only$/)]);
  });

  it.each([
    ['without -n: the source context’s namespace, which kubectl used', {}, viewRule(undefined, 'team-z'), /^kubectl get secret s -o json failed: Error from server \(NotFound\): secrets "s" not found, in namespace "team-z" \(the source context's; pass -n for another\)$/],
    ['without -n and without a context namespace: "default"', {}, viewRule(undefined, ''), /not found, in namespace "default" \(the source context's/],
    ['with -n: kubectl’s line as it is', { namespace: 'team-b' }, viewRule(), /^kubectl get secret s -n team-b -o json failed: Error from server \(NotFound\): secrets "s" not found$/],
  ])('names the namespace of a Secret not found %s', async (_name, flags, view, message) => {
    const { deps: d } = deps([view, { match: argv('get', 'secret'), answer: { exitCode: 1, stderr: 'Error from server (NotFound): secrets "s" not found\n' } }]);
    await expect(obtainFromSecret(d, target, flags, { name: 's', waitMs: 0 }, hooks())).rejects.toMatchObject({ code: 'ERR_SECRET_NOT_FOUND', message: expect.stringMatching(message) });
  });

  it('reports the source-context failure when both calls fail', async () => {
    const { deps: d } = deps([
      { match: argv('config', 'view'), answer: { exitCode: 1, stderr: 'error: cannot locate context nope\n' } },
      { match: argv('get', 'secret'), answer: { exitCode: 1, stderr: 'error: context "nope" does not exist\n' } },
    ]);
    await expect(obtainFromSecret(d, { ...target, context: 'nope' }, {}, { name: 's', waitMs: 0 }, hooks())).rejects.toMatchObject({ code: 'ERR_CONTEXT_NOT_FOUND' });
  });
});

describe('obtainFromTokenRequest', () => {
  const token = jwt({ sub: 'system:serviceaccount:team-c:ci', 'kubernetes.io': { namespace: 'team-c', serviceaccount: { name: 'ci' } }, iat: 1, exp: 3601 });

  it('takes the namespace from the token when -n is absent, and the CA from the source context', async () => {
    const { deps: d, requests } = deps([viewRule(), { match: argv('create', 'token'), answer: { stdout: token } }]);
    const h = hooks();
    const { destination, credentials } = await obtainFromTokenRequest(d, target, {}, { name: 'ci', audiences: [] }, h);
    expect(requests.find((r) => r.args.includes('token'))?.args).toEqual(['create', 'token', 'ci']);
    expect(destination.namespace).toBe('team-c');
    expect(credentials).toMatchObject({ token, caSource: 'source-context', source: 'token-request' });
    expect(h.secrets).toEqual([token]);
  });

  it('reads kube-root-ca.crt when the source context has no CA', async () => {
    const { deps: d } = deps([
      viewRule({ server: 'https://api.example:6443', 'insecure-skip-tls-verify': true }),
      { match: argv('create', 'token'), answer: { stdout: token } },
      { match: argv('get', 'configmap', 'kube-root-ca.crt', '-n', 'team-a'), answer: { stdout: JSON.stringify({ data: { 'ca.crt': OTHER_PEM } }) } },
    ]);
    const { credentials } = await obtainFromTokenRequest(d, target, { namespace: 'team-a' }, { name: 'ci', audiences: [] }, hooks());
    expect(credentials).toMatchObject({ caPem: OTHER_PEM, caSource: 'configmap' });
  });

  it('warns and writes no CA when neither source has one', async () => {
    const { deps: d } = deps([
      viewRule({ server: 'https://api.example:6443' }),
      { match: argv('create', 'token'), answer: { stdout: token } },
      { match: argv('get', 'configmap'), answer: { exitCode: 1, stderr: 'Error from server (Forbidden): configmaps "kube-root-ca.crt" is forbidden: …\n' } },
    ]);
    const h = hooks();
    const { credentials } = await obtainFromTokenRequest(d, target, { namespace: 'team-a' }, { name: 'ci', audiences: [] }, h);
    expect(credentials.caSource).toBe('none');
    expect(h.warnings).toEqual([expect.stringMatching(/^no CA for https:\/\/api\.example:6443: .*Forbidden/)]);
  });
});

describe('obtainFromLongLivedSecret', () => {
  const account = { stdout: JSON.stringify({ metadata: { name: 'ci', namespace: 'team-a' } }) };
  const emptyList = { stdout: JSON.stringify({ items: [] }) };

  it('creates the Secret with the manifest on stdin and waits for it', async () => {
    let gets = 0;
    const populated = { metadata: { name: 'ci-long-lived-token', namespace: 'team-a' }, type: 'kubernetes.io/service-account-token', data: { token: b64('l.l.l'), 'ca.crt': b64(PEM) } };
    const { deps: d, requests } = deps([
      viewRule(),
      { match: argv('get', 'serviceaccount', 'ci'), answer: account },
      { match: argv('get', 'secrets'), answer: emptyList },
      { match: argv('create', '-f', '-'), answer: { stdout: '{}' } },
      { match: argv('get', 'secret', 'ci-long-lived-token'), answer: () => ({ stdout: JSON.stringify(++gets < 2 ? { ...populated, data: null } : populated) }) },
    ]);
    const h = hooks();
    const { credentials } = await obtainFromLongLivedSecret(d, target, {}, { name: 'ci', waitMs: 30_000 }, h);
    expect(credentials).toMatchObject({ token: 'l.l.l', source: 'created-secret', secretName: 'ci-long-lived-token', caSource: 'source-context' });
    const create = requests.find((r) => r.args.includes('create'));
    expect(JSON.parse(create?.stdin ?? '')).toMatchObject({ kind: 'Secret', metadata: { annotations: { 'kubernetes.io/service-account.name': 'ci' } } });
    expect(create?.args.join(' ')).not.toContain('l.l.l');
    expect(h.notes).toEqual([expect.stringMatching(/waiting up to 30s/)]);
  });

  it('says that the Secret it created is kept when the token controller does not fill it in time', async () => {
    const empty = { metadata: { name: 'ci-long-lived-token', namespace: 'team-a' }, type: 'kubernetes.io/service-account-token', data: null };
    let clock = 0;
    const { deps: d } = deps([
      viewRule(),
      { match: argv('get', 'serviceaccount', 'ci'), answer: account },
      { match: argv('get', 'secrets'), answer: emptyList },
      { match: argv('create', '-f', '-'), answer: { stdout: '{}' } },
      { match: argv('get', 'secret', 'ci-long-lived-token'), answer: { stdout: JSON.stringify(empty) } },
    ]);
    const timed = { ...d, now: () => new Date(clock), sleep: async (ms: number) => void (clock += ms) };
    const h = hooks();
    await expect(obtainFromLongLivedSecret(timed, target, {}, { name: 'ci', waitMs: 200 }, h)).rejects.toMatchObject({
      message: expect.stringMatching(/still has no token after 200ms/),
      hint: expect.stringMatching(/this run created secret team-a\/ci-long-lived-token, which is kept: a rerun reuses it \(kubectl delete secret ci-long-lived-token -n team-a removes it\)$/),
    });
    // Was "waiting up to 0s".
    expect(h.notes).toEqual(['waiting up to 200ms for the token controller to fill in secret team-a/ci-long-lived-token']);
  });

  it('reuses a populated Secret from the list without reading it again, warning if it is auto-generated', async () => {
    const listed = {
      metadata: { name: 'ci-token-x', annotations: { 'kubernetes.io/service-account.name': 'ci' } },
      type: 'kubernetes.io/service-account-token',
      data: { token: b64('o.o.o'), 'ca.crt': b64(PEM) },
    };
    const { deps: d, requests } = deps([
      viewRule(),
      { match: argv('get', 'serviceaccount', 'ci'), answer: { stdout: JSON.stringify({ metadata: { name: 'ci' }, secrets: [{ name: 'ci-token-x' }] }) } },
      { match: argv('get', 'secrets'), answer: { stdout: JSON.stringify({ items: [listed] }) } },
    ]);
    const h = hooks();
    const { credentials } = await obtainFromLongLivedSecret(d, target, {}, { name: 'ci', waitMs: 0 }, h);
    expect(credentials).toMatchObject({ token: 'o.o.o', source: 'existing-secret', secretName: 'ci-token-x' });
    expect(requests).toHaveLength(3);
    expect(h.warnings).toEqual([expect.stringMatching(/auto-generated legacy token/)]);
  });

  it('skips a damaged populated Secret and creates a new one instead of failing on it', async () => {
    const damaged = { metadata: { name: 'ci-broken', annotations: { 'kubernetes.io/service-account.name': 'ci' } }, type: 'kubernetes.io/service-account-token', data: { token: 'not*base64!' } };
    const fresh = { metadata: { name: 'ci-long-lived-token', annotations: { 'kubernetes.io/service-account.name': 'ci' } }, type: 'kubernetes.io/service-account-token', data: { token: b64('n.n.n'), 'ca.crt': b64(PEM) } };
    const { deps: d, requests } = deps([
      viewRule(),
      { match: argv('get', 'serviceaccount', 'ci'), answer: account },
      { match: argv('get', 'secrets'), answer: { stdout: JSON.stringify({ items: [damaged] }) } },
      { match: argv('create', '-f', '-'), answer: { stdout: '{}' } },
      { match: argv('get', 'secret', 'ci-long-lived-token'), answer: { stdout: JSON.stringify(fresh) } },
    ]);
    const { credentials } = await obtainFromLongLivedSecret(d, target, {}, { name: 'ci', waitMs: 1000 }, hooks());
    expect(credentials).toMatchObject({ token: 'n.n.n', source: 'created-secret', secretName: 'ci-long-lived-token' });
    expect(requests.some((r) => r.args.includes('ci-broken'))).toBe(false);
  });

  it('refuses an existing <sa>-long-lived-token that belongs to another account', async () => {
    const foreign = { metadata: { name: 'ci-long-lived-token', annotations: { 'kubernetes.io/service-account.name': 'admin' } }, type: 'kubernetes.io/service-account-token', data: { token: b64('a.a.a'), 'ca.crt': b64(PEM) } };
    const { deps: d } = deps([
      viewRule(),
      { match: argv('get', 'serviceaccount', 'ci'), answer: account },
      { match: argv('get', 'secrets'), answer: emptyList },
      { match: argv('create', '-f', '-'), answer: { exitCode: 1, stderr: 'Error from server (AlreadyExists): secrets "ci-long-lived-token" already exists\n' } },
      { match: argv('get', 'secret', 'ci-long-lived-token'), answer: { stdout: JSON.stringify(foreign) } },
    ]);
    await expect(obtainFromLongLivedSecret(d, target, {}, { name: 'ci', waitMs: 0 }, hooks())).rejects.toMatchObject({
      code: 'ERR_SECRET_WRONG_TYPE',
      message: expect.stringMatching(/already exists but is not a usable token Secret for serviceaccount ci/),
    });
  });

  it('stops with ERR_SERVICEACCOUNT_NOT_FOUND before creating anything', async () => {
    const { deps: d, requests } = deps([
      viewRule(),
      { match: argv('get', 'serviceaccount'), answer: { exitCode: 1, stderr: 'Error from server (NotFound): serviceaccounts "ci" not found\n' } },
      { match: argv('get', 'secrets'), answer: emptyList },
    ]);
    await expect(obtainFromLongLivedSecret(d, target, {}, { name: 'ci', waitMs: 0 }, hooks())).rejects.toMatchObject({ code: 'ERR_SERVICEACCOUNT_NOT_FOUND' });
    expect(requests.some((r) => r.args.includes('create'))).toBe(false);
  });
});

describe('destinationFor in a pod', () => {
  it('uses the in-cluster server kubectl fell back to when there is no current context', () => {
    const destination = destinationFor(undefined, undefined, 'team-a', { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' });
    expect(destination.server).toBe('https://[fd00::1]:443');
    expect(destination.sourceCaPem).toBeUndefined();
  });

  it.each([
    ['an http source server (a kubectl proxy acts as its own user)', { ...source, server: 'http://127.0.0.1:8001' }, {}, /the server of source context "admin" is "http:\/\/127\.0\.0\.1:8001", not https:\/\/: kubectl sends no credentials over http/],
    ['a source server without a scheme (http to kubectl)', { ...source, server: '127.0.0.1:8001' }, {}, /"127\.0\.0\.1:8001", not https:\/\//],
    ['an http KUBERNETES_MASTER', undefined, { KUBERNETES_MASTER: 'http://localhost:8080' }, /the server of KUBERNETES_MASTER is "http:\/\/localhost:8080"/],
  ])('refuses %s (exit 3): the kubeconfig would not act as the service account', (_name, from, env, message) => {
    expect(() => destinationFor(from, undefined, 'team-a', env)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', exitCode: 3, message: expect.stringMatching(message) }));
    // --server (checked on its own, https only) replaces it.
    expect(destinationFor(from, 'https://api.example:6443', 'team-a', env).server).toBe('https://api.example:6443');
  });

  it('refuses a source server carrying user:password@ (kubectl would send that, not the token), without quoting it', () => {
    let message = '';
    try {
      destinationFor({ ...source, server: 'https://admin:s3cretpw@api.example:6443' }, undefined, 'team-a');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/the server of source context "admin" carries credentials/);
    expect(message).not.toContain('s3cretpw');
  });

  it('says why the source context’s CA was not used', () => {
    expect(sourceCaAbsence(destinationFor(source, 'https://other:6443', 'team-a'))).toBe("the source context's CA is for its own server (https://api.example:6443), not for --server");
    expect(sourceCaAbsence(destinationFor({ ...source, caPem: undefined }, undefined, 'team-a'))).toBe('the source context names no CA');
  });

  it('uses KUBERNETES_MASTER, which kubectl falls back to, when nothing else names a server', () => {
    expect(destinationFor(undefined, undefined, 'team-a', { KUBERNETES_MASTER: 'https://master:6443' }).server).toBe('https://master:6443');
    expect(destinationFor(undefined, 'https://given:6443', 'team-a', { KUBERNETES_MASTER: 'https://master:6443' }).server).toBe('https://given:6443');
  });
});

describe('the server kubectl used when it has no current context (client-go: in-cluster only with the token mounted)', () => {
  // KUBERNETES_SERVICE_* set but no token at /var/run/secrets/... (this machine has none):
  // kubectl went on to $KUBERNETES_MASTER, and that is the server each flow writes.
  const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', KUBERNETES_MASTER: 'https://master.example:6443' };
  const noContext: Rule = { match: argv('config', 'view'), answer: { exitCode: 1, stderr: 'error: current-context must exist in order to minify\n' } };
  const rootCa: Rule = { match: argv('get', 'configmap', 'kube-root-ca.crt'), answer: { stdout: JSON.stringify({ data: { 'ca.crt': OTHER_PEM } }) } };
  const withEnv = (rules: readonly Rule[]) => {
    const made = deps(rules);
    return { ...made.deps, env };
  };
  const tokenFor = jwt({ sub: 'system:serviceaccount:team-a:ci', 'kubernetes.io': { namespace: 'team-a', serviceaccount: { name: 'ci' } }, iat: 1, exp: 3601 });

  it.skipIf(existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token'))('from-secret, from-serviceaccount and --long-lived all write $KUBERNETES_MASTER', async () => {
    const secret = { stdout: JSON.stringify({ metadata: { name: 's', namespace: 'team-a' }, type: 'kubernetes.io/service-account-token', data: { token: b64('a.b.c') } }) };
    const fromSecret = await obtainFromSecret(withEnv([noContext, rootCa, { match: argv('get', 'secret', 's'), answer: secret }]), target, { namespace: 'team-a' }, { name: 's', waitMs: 0 }, hooks());
    expect(fromSecret.destination.server).toBe('https://master.example:6443');
    const fromRequest = await obtainFromTokenRequest(withEnv([noContext, rootCa, { match: argv('create', 'token'), answer: { stdout: tokenFor } }]), target, { namespace: 'team-a' }, { name: 'ci', audiences: [] }, hooks());
    expect(fromRequest.destination.server).toBe('https://master.example:6443');
    const populated = { stdout: JSON.stringify({ items: [{ metadata: { name: 'ci-token', namespace: 'team-a', annotations: { 'kubernetes.io/service-account.name': 'ci' } }, type: 'kubernetes.io/service-account-token', data: { token: b64('l.l.l'), 'ca.crt': b64(PEM) } }] }) };
    const longLived = await obtainFromLongLivedSecret(
      withEnv([noContext, { match: argv('get', 'serviceaccount', 'ci'), answer: { stdout: JSON.stringify({ metadata: { name: 'ci', namespace: 'team-a' } }) } }, { match: argv('get', 'secrets'), answer: populated }]),
      target,
      { namespace: 'team-a' },
      { name: 'ci', waitMs: 0 },
      hooks(),
    );
    expect(longLived.destination.server).toBe('https://master.example:6443');
  });
});

describe('the namespace kubectl uses without -n in a pod whose kubeconfig context names none (the pod’s, not "default")', () => {
  // client-go DeferredLoadingClientConfig.Namespace: in a pod (in-cluster config possible) a context
  // without a namespace means POD_NAMESPACE / the mounted namespace file, as for kubectl's own calls.
  const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
  const podFs = {
    stat: async (path: string) => {
      if (path === TOKEN) return { isDirectory: () => false, isFile: () => true };
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
    readFile: async (path: string) => {
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
  } as unknown as typeof fsp;
  const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', POD_NAMESPACE: 'ci' };
  const unnamedView: Rule = { match: argv('config', 'view'), answer: { stdout: JSON.stringify({ clusters: [{ name: 'c', cluster: { server: 'https://api.example:6443', 'certificate-authority-data': b64(PEM) } }], users: [{ name: 'u', user: {} }], contexts: [{ name: 'admin', context: { cluster: 'c', user: 'u' } }], 'current-context': 'admin' }) } };
  const inPod = (rules: readonly Rule[]) => {
    const made = deps(rules);
    return { requests: made.requests, deps: { ...made.deps, env, fs: podFs } };
  };

  it('--long-lived looks for and writes namespace ci (POD_NAMESPACE)', async () => {
    const populated = { stdout: JSON.stringify({ items: [{ metadata: { name: 'bot-token', namespace: 'ci', annotations: { 'kubernetes.io/service-account.name': 'bot' } }, type: 'kubernetes.io/service-account-token', data: { token: b64('l.l.l') } }] }) };
    const { deps: d, requests } = inPod([unnamedView, { match: argv('get', 'serviceaccount', 'bot', '-n', 'ci'), answer: { stdout: JSON.stringify({ metadata: { name: 'bot', namespace: 'ci' } }) } }, { match: argv('get', 'secrets', '-n', 'ci'), answer: populated }]);
    const obtained = await obtainFromLongLivedSecret(d, target, {}, { name: 'bot', waitMs: 0 }, hooks());
    expect(obtained.destination.namespace).toBe('ci');
    expect(requests.filter((r) => r.args.includes('-n')).map((r) => r.args[r.args.indexOf('-n') + 1])).toEqual(['ci', 'ci']);
  });

  it('from-secret names the pod’s namespace where kubectl found no Secret', async () => {
    const { deps: d } = inPod([unnamedView, { match: argv('get', 'secret', 'nope'), answer: { exitCode: 1, stderr: 'Error from server (NotFound): secrets "nope" not found\n' } }]);
    await expect(obtainFromSecret(d, target, {}, { name: 'nope', waitMs: 0 }, hooks())).rejects.toMatchObject({
      code: 'ERR_SECRET_NOT_FOUND',
      message: expect.stringMatching(/secrets "nope" not found, in namespace "ci" \(the pod's, which kubectl uses in a pod when no source context names one; pass -n for another\)$/),
    });
  });
});
