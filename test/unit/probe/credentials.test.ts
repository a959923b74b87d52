import { describe, expect, it } from 'vitest';
import type { FileSystem, SpawnRequest, SpawnResult } from '../../../src/deps.js';
import { createSecretRegistry } from '../../../src/output.js';
import { buildExecInfo, describeCredentials, resolveCredentials, type CredentialDeps } from '../../../src/probe/credentials.js';
import type { ProbeTarget } from '../../../src/probe/target.js';
import type { User } from '../../../src/kubeconfig/schema.js';

const files: Record<string, string> = {
  '/t/token': '  file-token-abcdefgh\n',
  '/t/empty': '\n',
  '/t/c.crt': 'CERT PEM',
  '/t/c.key': 'KEY PEM PRIVATE',
};
const fs = {
  readFile: (path: string) => (path in files ? Promise.resolve(files[path]) : Promise.reject(Object.assign(new Error('ENOENT'), { code: 'ENOENT' }))),
} as unknown as FileSystem;

function fakeSpawn(answer: Partial<SpawnResult> | Error, calls: SpawnRequest[] = []): CredentialDeps['spawn'] {
  return (request) => {
    calls.push(request);
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve({ exitCode: 0, signal: null, stdout: '', stderr: '', timedOut: false, ...answer });
  };
}

const target = (user: User): ProbeTarget => ({
  label: 'ctx',
  namespace: 'default',
  cluster: { server: 'https://api.example.com', 'tls-server-name': 'kubernetes' },
  user,
  userName: 'me',
  userFile: '/home/u/.kube/config',
});

async function resolve(user: User, spawn: CredentialDeps['spawn'] = fakeSpawn({})) {
  const secrets = createSecretRegistry();
  const credentials = await resolveCredentials({ fs, env: { PATH: '/usr/bin', HOME: '/home/u' }, spawn }, target(user), { secrets, timeoutMs: 1000 });
  return { credentials, secrets };
}

describe('resolveCredentials', () => {
  it('reads tokenFile at probe time, trims it, prefers it over token and registers it as a secret', async () => {
    const { credentials, secrets } = await resolve({ tokenFile: '/t/token', token: 'inline-token-xyz' });
    expect(credentials.bearer).toMatchObject({ token: 'file-token-abcdefgh', source: 'tokenFile /t/token' });
    expect(secrets.redact('x file-token-abcdefgh y')).toBe('x REDACTED y');
  });

  it.each([
    ['a missing tokenFile', { tokenFile: '/t/missing' }, 'ERR_CREDENTIALS_INVALID'],
    ['an empty tokenFile', { tokenFile: '/t/empty' }, 'ERR_CREDENTIALS_INVALID'],
    ['a certificate without a key', { 'client-certificate': '/t/c.crt' }, 'ERR_CREDENTIALS_INVALID'],
    ['an auth-provider', { 'auth-provider': { name: 'gcp' } }, 'ERR_AUTH_PROVIDER_UNSUPPORTED'],
    ['an exec plugin with an unknown apiVersion', { exec: { command: 'x', apiVersion: 'client.authentication.k8s.io/v1alpha1' } }, 'ERR_EXEC_PLUGIN'],
    ['an exec plugin that insists on a terminal', { exec: { command: 'x', apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Always' } }, 'ERR_EXEC_PLUGIN'],
  ])('rejects %s with exit 3', async (_name, user, code) => {
    await expect(resolve(user as User)).rejects.toMatchObject({ code });
  });

  it('names the auth-provider it cannot run', async () => {
    await expect(resolve({ 'auth-provider': { name: 'azure' } })).rejects.toThrow(/auth-provider "azure"/);
  });

  it('reads a client certificate and key from files and registers the key', async () => {
    const { credentials, secrets } = await resolve({ 'client-certificate': '/t/c.crt', 'client-key': '/t/c.key' });
    expect(credentials.clientCert).toEqual({ certPem: 'CERT PEM', keyPem: 'KEY PEM PRIVATE', source: '/t/c.crt' });
    expect(secrets.list()).toContain('KEY PEM PRIVATE');
  });

  it('takes basic auth and impersonation headers', async () => {
    const { credentials } = await resolve({ username: 'admin', password: 'p4ssword-long', as: 'jane', 'as-groups': ['devs'] });
    expect(credentials.basic).toEqual({ username: 'admin', password: 'p4ssword-long' });
    expect(credentials.impersonation).toEqual({ 'Impersonate-User': 'jane', 'Impersonate-Group': ['devs'] });
    expect(describeCredentials(credentials)).toBe('basic auth as admin, impersonating jane');
  });
});

describe('exec plugins', () => {
  const v1 = 'client.authentication.k8s.io/v1';
  const credential = (apiVersion: string, status: object) => JSON.stringify({ apiVersion, kind: 'ExecCredential', status });

  it('runs the plugin with argv, host env + exec env, KUBERNETES_EXEC_INFO and no stdin', async () => {
    const calls: SpawnRequest[] = [];
    const { credentials, secrets } = await resolve(
      { exec: { apiVersion: v1, command: 'aws', args: ['eks', 'get-token'], env: [{ name: 'AWS_PROFILE', value: 'prod' }], provideClusterInfo: true } },
      fakeSpawn({ stdout: credential(v1, { token: 'exec-token-123456' }) }, calls),
    );
    expect(credentials.bearer?.token).toBe('exec-token-123456');
    expect(secrets.list()).toContain('exec-token-123456');
    const call = calls[0];
    expect(call?.command).toBe('aws');
    expect(call?.args).toEqual(['eks', 'get-token']);
    expect(call?.stdin).toBeUndefined();
    expect(call?.env).toMatchObject({ PATH: '/usr/bin', HOME: '/home/u', AWS_PROFILE: 'prod' });
    expect(JSON.parse(call?.env?.['KUBERNETES_EXEC_INFO'] ?? '')).toEqual({
      apiVersion: v1,
      kind: 'ExecCredential',
      spec: { interactive: false, cluster: { server: 'https://api.example.com', 'tls-server-name': 'kubernetes' } },
    });
  });

  it('leaves the cluster out of KUBERNETES_EXEC_INFO without provideClusterInfo', () => {
    expect(JSON.parse(buildExecInfo({ apiVersion: v1, command: 'x' }, target({}), 'PEM'))).toEqual({ apiVersion: v1, kind: 'ExecCredential', spec: { interactive: false } });
  });

  it('resolves a relative command with a slash against the kubeconfig directory', async () => {
    const calls: SpawnRequest[] = [];
    await resolve({ exec: { apiVersion: v1, command: './bin/plugin' } }, fakeSpawn({ stdout: credential(v1, { token: 'tok-abcdefgh' }) }, calls));
    expect(calls[0]?.command).toBe('/home/u/.kube/bin/plugin');
  });

  it('accepts a client certificate and key from the plugin', async () => {
    const { credentials } = await resolve({ exec: { apiVersion: v1, command: 'p' } }, fakeSpawn({ stdout: credential(v1, { clientCertificateData: 'C', clientKeyData: 'K' }) }));
    expect(credentials.clientCert).toMatchObject({ certPem: 'C', keyPem: 'K' });
  });

  it.each([
    ['a missing command, with the installHint', Object.assign(new Error('spawn x ENOENT'), { code: 'ENOENT' }), /executable p not found/],
    ['a different apiVersion in the answer', { stdout: credential('client.authentication.k8s.io/v1beta1', { token: 't' }) }, /configured to use API version .*v1, plugin returned version .*v1beta1/],
    ['no status', { stdout: JSON.stringify({ apiVersion: v1, kind: 'ExecCredential' }) }, /didn't return a status/],
    ['only a certificate', { stdout: credential(v1, { clientCertificateData: 'C' }) }, /only certificate or key/],
    ['neither token nor certificate', { stdout: credential(v1, {}) }, /didn't return a token or cert\/key pair/],
    ['a non-zero exit', { exitCode: 2, stderr: 'login required\nmore' }, /failed with exit code 2: login required/],
    ['a timeout', { exitCode: null, timedOut: true }, /did not finish within/],
    ['output that is not JSON', { stdout: 'hello' }, /not an ExecCredential/],
  ])('fails with exit 3 for %s', async (_name, answer, message) => {
    const promise = resolve({ exec: { apiVersion: v1, command: 'p', installHint: 'brew install p' } }, fakeSpawn(answer));
    await expect(promise).rejects.toMatchObject({ code: 'ERR_EXEC_PLUGIN' });
    await expect(resolve({ exec: { apiVersion: v1, command: 'p', installHint: 'brew install p' } }, fakeSpawn(answer))).rejects.toThrow(message);
  });

  it('gives the installHint as the hint when the command is missing', async () => {
    await expect(resolve({ exec: { apiVersion: v1, command: 'p', installHint: 'brew install p' } }, fakeSpawn(Object.assign(new Error('x'), { code: 'ENOENT' })))).rejects.toMatchObject({
      hint: 'brew install p',
    });
  });
});
