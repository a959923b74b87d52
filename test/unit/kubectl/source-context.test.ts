import { describe, expect, it } from 'vitest';
import { currentNamespace, readSourceContext, serverEnvironment, serverReachabilityWarning, sourceContextFromMinified } from '../../../src/kubectl/source-context.js';
import { destinationFor } from '../../../src/kubectl/credentials.js';
import type { FileSystem } from '../../../src/deps.js';
import { fakeSpawn, target } from './fake-spawn.js';

/** A file system holding only `files` (for the in-cluster check's stat of the mounted token). */
const fsWith = (...files: string[]): FileSystem =>
  ({
    stat: async (path: string) => {
      if (files.includes(path)) return { isDirectory: () => false, isFile: () => true };
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
  }) as unknown as FileSystem;
const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const minified = (cluster: Record<string, unknown>, context: Record<string, unknown> = { cluster: 'c', user: 'u' }) => ({
  kind: 'Config',
  apiVersion: 'v1',
  clusters: [{ name: 'c', cluster }],
  users: [{ name: 'u', user: { token: 'admin-token' } }],
  contexts: [{ name: 'x', context }],
  'current-context': 'x',
});

describe('sourceContextFromMinified', () => {
  it('takes server, tls-server-name, proxy-url, CA and namespace from the one context', () => {
    const config = minified(
      { server: 'https://api.example:6443', 'tls-server-name': 'kubernetes', 'proxy-url': 'http://proxy:3128', 'certificate-authority-data': Buffer.from(PEM).toString('base64') },
      { cluster: 'c', user: 'u', namespace: 'team-a' },
    );
    expect(sourceContextFromMinified(config)).toEqual({
      contextName: 'x',
      namespace: 'team-a',
      server: 'https://api.example:6443',
      tlsServerName: 'kubernetes',
      proxyUrl: 'http://proxy:3128',
      caPem: PEM,
      insecureSkipTlsVerify: false,
      namespaceNamed: true,
    });
  });

  it('defaults the namespace to "default" as client-go does, and says that the context named none', () => {
    expect(sourceContextFromMinified(minified({ server: 'https://a' }))).toMatchObject({ namespace: 'default', namespaceNamed: false });
  });

  it('refuses CA data that holds no certificate', () => {
    expect(() => sourceContextFromMinified(minified({ server: 'https://a', 'certificate-authority-data': Buffer.from('nope').toString('base64') }))).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    );
  });
});

describe('currentNamespace (client-go DeferredLoadingClientConfig.Namespace)', () => {
  const NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
  const pod = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
  /** The mount with a token, and a namespace file holding `namespace` (none when undefined). */
  const mount = (namespace?: string): FileSystem =>
    ({
      ...fsWith(TOKEN),
      readFile: async (path: string) => {
        if (path === NAMESPACE_FILE && namespace !== undefined) return namespace;
        throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      },
    }) as unknown as FileSystem;
  const named = sourceContextFromMinified(minified({ server: 'https://a' }, { cluster: 'c', user: 'u', namespace: 'team-a' }));
  const explicitDefault = sourceContextFromMinified(minified({ server: 'https://a' }, { cluster: 'c', user: 'u', namespace: 'default' }));
  const unnamed = sourceContextFromMinified(minified({ server: 'https://a' }));

  it.each([
    ['outside a pod: the context’s', {}, mount('ci'), named, { namespace: 'team-a', from: 'context' }],
    ['outside a pod, a context naming none: "default"', {}, mount('ci'), unnamed, { namespace: 'default', from: 'context' }],
    ['in a pod, a context naming one: the context’s', { ...pod, POD_NAMESPACE: 'ci' }, mount('ci'), named, { namespace: 'team-a', from: 'context' }],
    ['in a pod, a context naming "default" itself: "default"', { ...pod, POD_NAMESPACE: 'ci' }, mount('ci'), explicitDefault, { namespace: 'default', from: 'context' }],
    ['in a pod, a context naming none: POD_NAMESPACE (was: "default")', { ...pod, POD_NAMESPACE: 'ci' }, mount('other'), unnamed, { namespace: 'ci', from: 'pod' }],
    ['in a pod, a context naming none: the namespace file, trimmed', pod, mount('ci\n'), unnamed, { namespace: 'ci', from: 'pod' }],
    ['in a pod with no context: the namespace file', pod, mount('ci'), undefined, { namespace: 'ci', from: 'pod' }],
    ['in a pod with no namespace file: "default"', pod, mount(), undefined, { namespace: 'default', from: 'pod' }],
    ['KUBERNETES_SERVICE_* without the token mounted is no pod to client-go', { ...pod, POD_NAMESPACE: 'ci' }, fsWith(), unnamed, { namespace: 'default', from: 'context' }],
  ] as const)('%s', async (_name, env, fs, source, expected) => {
    expect(await currentNamespace({ env, fs }, source)).toEqual(expected);
  });

  it('refuses a POD_NAMESPACE that is no namespace (exit 3)', async () => {
    await expect(currentNamespace({ env: { ...pod, POD_NAMESPACE: 'Team A' }, fs: mount() }, unnamed)).rejects.toMatchObject({ code: 'ERR_SA_NAMESPACE_INVALID', exitCode: 3 });
  });
});

describe('readSourceContext', () => {
  it('asks kubectl for the flattened, minified config (no server call)', async () => {
    const { spawn, requests } = fakeSpawn([{ match: () => true, answer: { stdout: JSON.stringify(minified({ server: 'https://a' })) } }]);
    expect((await readSourceContext({ spawn, env: {}, fs: fsWith() }, { ...target, kubeconfig: '/src' }))?.server).toBe('https://a');
    expect(requests[0]?.args).toEqual(['--kubeconfig', '/src', 'config', 'view', '--minify', '--raw', '--flatten', '-o', 'json']);
  });

  const noContext = { exitCode: 1, stderr: 'error: current-context must exist in order to minify\n' };
  it('is undefined when kubectl has no current context in a pod (kubectl uses the in-cluster config)', async () => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: noContext }]);
    expect(await readSourceContext({ spawn, env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, fs: fsWith(TOKEN) }, target)).toBeUndefined();
  });

  it('is ERR_KUBECONFIG_NOT_FOUND when --source-kubeconfig names no file (config view reads it as empty; other kubectl calls fail "stat FILE")', async () => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: noContext }]);
    await expect(readSourceContext({ spawn, env: { KUBERNETES_MASTER: 'https://master:6443' }, fs: fsWith() }, { ...target, kubeconfig: '/nope/admin.kubeconfig' })).rejects.toMatchObject({
      code: 'ERR_KUBECONFIG_NOT_FOUND',
      message: 'source kubeconfig /nope/admin.kubeconfig does not exist',
    });
  });

  it('is ERR_CONTEXT_NOT_FOUND when --source-kubeconfig exists but has no current context', async () => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: noContext }]);
    await expect(readSourceContext({ spawn, env: {}, fs: fsWith('/src') }, { ...target, kubeconfig: '/src' })).rejects.toMatchObject({ code: 'ERR_CONTEXT_NOT_FOUND' });
  });

  it.each([
    ['current-context naming a context that is not there', 'error: cannot locate context ghost'],
    ['a context naming a cluster that is not there', 'error: cannot locate cluster nocl'],
  ])('is ERR_CONTEXT_NOT_FOUND (exit 3) for %s, as for --source-context', async (_name, line) => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: { exitCode: 1, stderr: `${line}\n` } }]);
    await expect(readSourceContext({ spawn, env: {}, fs: fsWith('/src') }, { ...target, kubeconfig: '/src' })).rejects.toMatchObject({ code: 'ERR_CONTEXT_NOT_FOUND', exitCode: 3 });
  });

  it('is undefined without a current context when KUBERNETES_MASTER gives kubectl a server', async () => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: noContext }]);
    expect(await readSourceContext({ spawn, env: { KUBERNETES_MASTER: 'https://master:6443' }, fs: fsWith() }, target)).toBeUndefined();
  });

  it('is ERR_CONTEXT_NOT_FOUND with the in-cluster variables but no mounted token (kubectl then tries localhost:8080)', async () => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: noContext }]);
    await expect(readSourceContext({ spawn, env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, fs: fsWith() }, target)).rejects.toMatchObject({
      code: 'ERR_CONTEXT_NOT_FOUND',
      hint: 'pass --source-context NAME (kubectl config get-contexts lists them), or --source-kubeconfig FILE',
    });
  });

  it.each<[string, Record<string, string>, string | undefined, string]>([
    ['--source-kubeconfig', {}, '/src/admin.kubeconfig', '/src/admin.kubeconfig'],
    ['KUBECONFIG', { KUBECONFIG: '/a:/b' }, undefined, 'KUBECONFIG (/a:/b)'],
    ['the default file', {}, undefined, '~/.kube/config'],
    ['half the in-cluster variables', { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, undefined, '~/.kube/config'],
  ])('is ERR_CONTEXT_NOT_FOUND, naming %s, when kubectl has no current context outside a pod', async (_name, env, kubeconfig, named) => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: noContext }]);
    await expect(readSourceContext({ spawn, env, fs: fsWith('/src/admin.kubeconfig') }, { ...target, kubeconfig })).rejects.toMatchObject({
      code: 'ERR_CONTEXT_NOT_FOUND',
      message: `kubectl has no current context in ${named}, so it has no cluster to ask`,
      // --source-kubeconfig is suggested only when none was given.
      hint: kubeconfig === undefined ? expect.stringContaining('--source-kubeconfig FILE') : expect.not.stringContaining('--source-kubeconfig'),
    });
  });

  it.each<[string, Record<string, string>, string[], { server?: string; serverless?: boolean }]>([
    ['nothing else: kubectl asks localhost:8080 (marked)', {}, [], { server: undefined, serverless: true }],
    ['KUBERNETES_MASTER set: kubectl uses it', { KUBERNETES_MASTER: 'https://master:6443' }, [], { server: 'https://master:6443' }],
    ['in a pod: kubectl falls back to the in-cluster config', { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, [TOKEN], { server: undefined }],
  ])('reads a source cluster without a server, with %s', async (_name, env, files, expected) => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: { stdout: JSON.stringify(minified({ server: '' })) } }]);
    const source = await readSourceContext({ spawn, env, fs: fsWith(...files) }, target);
    expect(source).toMatchObject(expected);
    if (!expected.serverless) expect(source?.serverless).toBeUndefined();
  });

  it('is ERR_KUBECONFIG_MALFORMED (exit 3) when kubectl cannot load the source kubeconfig', async () => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: { exitCode: 1, stderr: 'error: error loading config file "/src": yaml: line 2: mapping values are not allowed in this context\n' } }]);
    await expect(readSourceContext({ spawn, env: {}, fs: fsWith() }, target)).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_MALFORMED' });
  });

  it('is ERR_CONTEXT_NOT_FOUND for a --source-context that does not exist', async () => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: { exitCode: 1, stderr: 'error: cannot locate context nope\n' } }]);
    await expect(readSourceContext({ spawn, env: {}, fs: fsWith() }, { ...target, context: 'nope' })).rejects.toMatchObject({ code: 'ERR_CONTEXT_NOT_FOUND' });
  });
});

describe('serverReachabilityWarning', () => {
  it.each([
    ['https://127.0.0.1:6443', /loopback/],
    ['https://127.5.0.1', /loopback/],
    ['https://localhost:8443', /loopback/],
    ['https://[::1]:6443', /loopback/],
    ['https://kubernetes.default.svc', /cluster-internal/],
    ['https://kubernetes.default.svc.cluster.local:443', /cluster-internal/],
    ['https://api.team-a.svc', /cluster-internal/],
  ])('warns about %s', (server, pattern) => {
    expect(serverReachabilityWarning(server)).toMatch(pattern);
  });

  it.each(['https://api.example.com:6443', 'https://10.0.0.1:6443', 'https://[2001:db8::1]:6443', 'https://svc.example.com'])('is silent for %s', (server) => {
    expect(serverReachabilityWarning(server)).toBeUndefined();
  });
});

describe('serverEnvironment', () => {
  const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', KUBERNETES_MASTER: 'https://master:6443' };

  it('keeps the in-cluster server only where client-go has it: the variables and the mounted token', async () => {
    const withToken = await serverEnvironment({ env, fs: fsWith(TOKEN) });
    expect(destinationFor(undefined, undefined, 'team-a', withToken).server).toBe('https://10.96.0.1:443');
    // No token mounted (automountServiceAccountToken: false): kubectl went on to KUBERNETES_MASTER.
    const without = await serverEnvironment({ env, fs: fsWith() });
    expect(destinationFor(undefined, undefined, 'team-a', without).server).toBe('https://master:6443');
    expect(without['KUBERNETES_MASTER']).toBe('https://master:6443');
  });

  it('leaves an environment without the variables as it is, without a look at the file system', async () => {
    const plain = { KUBERNETES_MASTER: 'https://master:6443' };
    const untouchable = { stat: () => Promise.reject(new Error('not expected')) } as unknown as FileSystem;
    expect(await serverEnvironment({ env: plain, fs: untouchable })).toBe(plain);
  });
});
