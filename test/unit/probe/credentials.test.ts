import { beforeAll, describe, expect, it } from 'vitest';
import type { FileSystem, SpawnRequest, SpawnResult } from '../../../src/deps.js';
import { createSecretRegistry } from '../../../src/output.js';
import { buildExecInfo, describeCredentials, escapeHeaderKey, resolveCredentials, type CredentialDeps } from '../../../src/probe/credentials.js';
import type { ProbeTarget } from '../../../src/probe/target.js';
import type { User } from '../../../src/kubeconfig/schema.js';
import { generateCa, issueClientCert, pemToBase64, type KeyPairPem } from '../../support/certs.js';

const files: Record<string, string> = {
  '/t/token': '  file-token-abcdefgh\n',
  '/t/empty': '\n',
  // Saved as "UTF-8 with BOM": Go's TrimSpace keeps the mark (JavaScript's trim would drop it).
  '/t/bom': '\uFEFFsecret-token-abc\n',
  // Go's TrimSpace removes NEL (U+0085), which JavaScript's trim keeps.
  '/t/nel': 'file-token-nel\u0085',
};
/** A real certificate and key (the probe loads them as Go's tls.X509KeyPair does), and a stranger's key. */
let pair: KeyPairPem;
let strangerKey: string;
beforeAll(async () => {
  const ca = await generateCa();
  const [mine, stranger] = await Promise.all([issueClientCert(ca, { commonName: 'me' }), issueClientCert(ca, { commonName: 'stranger' })]);
  pair = mine;
  strangerKey = stranger.key;
  files['/t/c.crt'] = mine.cert;
  files['/t/c.key'] = mine.key;
  files['/t/stranger.key'] = stranger.key;
});
const noEntry = () => Promise.reject(Object.assign(new Error('ENOENT'), { code: 'ENOENT' }));
/** Executables on the PATH the probe is given (/usr/bin), as exec plugins are looked up. */
const onPath = new Set(['/usr/bin/p', '/usr/bin/aws']);
const fs = {
  readFile: (path: string) => (path in files ? Promise.resolve(files[path]) : noEntry()),
  stat: (path: string) => (onPath.has(path) ? Promise.resolve({ isDirectory: () => false, mode: 0o100755 }) : noEntry()),
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

const NOW = new Date('2026-11-28T20:00:00Z');
/** An unsigned JWT with these claims (client-go's oidc provider reads exp without verifying). */
const jwt = (claims: object) => `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

const credential = (apiVersion: string, status: object) => JSON.stringify({ apiVersion, kind: 'ExecCredential', status });

async function resolve(user: User, spawn: CredentialDeps['spawn'] = fakeSpawn({})) {
  const secrets = createSecretRegistry();
  const credentials = await resolveCredentials({ fs, env: { PATH: '/usr/bin', HOME: '/home/u' }, spawn }, target(user), { secrets, timeoutMs: 1000, now: NOW });
  return { credentials, secrets };
}

describe('resolveCredentials', () => {
  it('sends a token with trailing spaces or tabs trimmed, as Go\'s HTTP writer trims the header (kubectl authenticates with it)', async () => {
    expect((await resolve({ token: 'inline-token-xyz \t ' })).credentials.bearer?.token).toBe('inline-token-xyz');
  });

  it.each([
    // Go's exec.Command searches kubectl's PATH; spawn would search the PATH exec.env gives the child.
    ['in the PATH of exec.env only', { PATH: '/usr/bin' }, [{ name: 'PATH', value: '/opt/bin' }], 'plug', ['/opt/bin/plug']],
    // Go refuses a command found relative to the working directory (ErrDot): kubectl says not found.
    ['only through a "." PATH entry', { PATH: '.:/usr/bin' }, [], 'plug', ['plug']],
    ['only through an empty PATH entry', { PATH: ':/usr/bin' }, [], 'plug', ['plug']],
  ])('does not find an exec plugin %s, as kubectl does not', async (_name, env, execEnv, command, executables) => {
    for (const file of executables) onPath.add(file);
    const calls: SpawnRequest[] = [];
    const error = await resolveCredentials({ fs, env: { ...env, HOME: '/home/u' }, spawn: fakeSpawn({ stdout: credential('client.authentication.k8s.io/v1', { token: 'tok-from-plugin' }) }, calls) }, target({ exec: { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', command, env: execEnv } }), { secrets: createSecretRegistry(), timeoutMs: 1000, now: NOW }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ERR_EXEC_PLUGIN', message: `exec: executable ${command} not found` });
    expect(calls).toEqual([]);
  });

  it('trims a tokenFile as Go trims it (NEL too)', async () => {
    expect((await resolve({ tokenFile: '/t/nel' })).credentials.bearer?.token).toBe('file-token-nel');
  });

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
    expect(credentials.clientCert).toEqual({ certPem: pair.cert, keyPem: pair.key, source: '/t/c.crt' });
    expect(secrets.list()).toContain(pair.key.trim());
  });

  it.each<[string, User, RegExp]>([
    ['client-certificate and client-certificate-data', { 'client-certificate': '/t/c.crt', 'client-certificate-data': 'Qw==', 'client-key': '/t/c.key' }, /^client-cert-data and client-cert are both specified for me\. client-cert-data will override\.$/],
    ['client-key and client-key-data', { 'client-certificate': '/t/c.crt', 'client-key': '/t/c.key', 'client-key-data': 'Sw==' }, /^client-key-data and client-key are both specified for me; client-key-data will override$/],
    ['a token and basic auth', { token: 'tok-abcdefgh', username: 'bob', password: 'pw' }, /^more than one authentication method found for me; found \[token basicAuth\], only one is allowed$/],
    ['as-groups without as', { 'as-groups': ['g'] }, /^requesting uid, groups or user-extra for me without impersonating a user$/],
    ['as-user-extra without as', { 'as-user-extra': { reason: ['x'] } }, /without impersonating a user/],
    ['as-uid without as', { 'as-uid': 'u-1' }, /without impersonating a user/],
    ['an exec plugin (v1) without interactiveMode', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'p' } }, /^interactiveMode must be specified for me to use exec authentication plugin$/],
    ['an exec plugin with an unknown interactiveMode', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'p', interactiveMode: 'Sometimes' } }, /^invalid interactiveMode for me: "Sometimes"$/],
    ['an exec plugin without apiVersion', { exec: { command: 'p' } }, /^apiVersion must be specified for me/],
    ['an exec env variable without a name', { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'p', env: [{ name: '', value: 'x' }] } }, /^env variable name must be specified for me/],
    ['an exec plugin and an auth-provider', { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'p' }, 'auth-provider': { name: 'oidc' } }, /^authProvider cannot be provided in combination with an exec plugin for me$/],
  ])('refuses %s with client-go’s message, as kubectl does (exit 3)', async (_name, user, message) => {
    const calls: SpawnRequest[] = [];
    await expect(resolve(user, fakeSpawn({ stdout: credential('client.authentication.k8s.io/v1', { token: 'exec-token-xyz' }) }, calls))).rejects.toThrow(message);
    expect(calls).toEqual([]);
  });

  it('lets a v1beta1 exec plugin leave interactiveMode out (defaulted to IfAvailable when loaded)', async () => {
    const v1beta1 = 'client.authentication.k8s.io/v1beta1';
    const { credentials } = await resolve({ exec: { apiVersion: v1beta1, command: 'p' } }, fakeSpawn({ stdout: credential(v1beta1, { token: 'exec-token-xyz' }) }));
    expect(credentials.bearer?.token).toBe('exec-token-xyz');
  });

  it.each<[string, User]>([
    ['a token', { token: 'static-token-abc' }],
    ['basic auth', { username: 'admin', password: 'p4ssword-long' }],
    ['a client certificate', { 'client-certificate': '/t/c.crt', 'client-key': '/t/c.key' }],
  ])('does not run the exec plugin beside %s (exec.go UpdateTransportConfig)', async (_name, user) => {
    const calls: SpawnRequest[] = [];
    const exec = { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/false', interactiveMode: 'Never' };
    const { credentials } = await resolve({ ...user, exec }, fakeSpawn({ exitCode: 1 }, calls));
    expect(calls).toEqual([]);
    expect(credentials.bearer?.token ?? credentials.basic?.username ?? credentials.clientCert?.source).toBe(user.token ?? user.username ?? '/t/c.crt');
  });

  it.each([
    ['missing', '/t/missing', /^token \(kubectl falls back to it: failed to read token file \/t\/missing/],
    ['empty', '/t/empty', /^token \(kubectl falls back to it: read empty token from file \/t\/empty/],
  ])('falls back to token when tokenFile beside it is %s, as client-go does', async (_name, tokenFile, source) => {
    const { credentials } = await resolve({ token: 'inline-token-xyz', tokenFile });
    expect(credentials.bearer?.token).toBe('inline-token-xyz');
    expect(credentials.bearer?.source).toMatch(source);
  });

  it.each([
    ['a token with a trailing newline (token: |)', { token: 'secret-token-abc\n' }, /bearer token from token of user "me" cannot be sent: it contains a line feed \(\\n\) at position 17 of 17 \(kubectl fails with net\/http: invalid header field value for "Authorization"\)/],
    ['a token with a carriage return inside', { token: 'secret\rtoken' }, /a carriage return/],
    ['a token with a NUL', { token: 'secret\u0000token' }, /the control character U\+0000/],
    ['an impersonated group with a newline', { token: 'tok-abcdefgh', as: 'jane', 'as-groups': ['devs', 'ops\n'] }, /the Impersonate-Group value of user "me" cannot be sent: .*invalid header field value for "Impersonate-Group"/],
    ['an impersonated user with a newline', { token: 'tok-abcdefgh', as: 'jane\n' }, /Impersonate-User/],
    // kubectl sends these as they are, and the API server refuses the token (401): said at config, and why.
    ['a tokenFile saved with a byte-order mark', { tokenFile: '/t/bom' }, /^the bearer token from tokenFile \/t\/bom of user "me" is not one: it contains a byte-order mark \(U\+FEFF\) at position 1 of 17 \(a token is ASCII; kubectl sends these bytes as they are, and the API server refuses the token\)$/],
    ['a token with a tab inside', { token: 'secret\ttoken' }, /is not one: it contains the control character U\+0009 at position 7 of 12/],
    ['a token with a space inside', { token: 'secret token' }, /is not one: it contains the white space U\+0020 at position 7 of 12/],
    ['a token with a non-ASCII letter', { token: 'secrét-token' }, /is not one: it contains the non-ASCII character U\+00E9 at position 5 of 12/],
  ])('refuses %s at config (exit 3), as net/http refuses the header, without printing the token', async (_name, user, message) => {
    const error: unknown = await resolve(user).then(() => undefined, (caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ERR_CREDENTIALS_INVALID', message: expect.stringMatching(message) });
    expect(JSON.stringify({ message: (error as Error).message, hint: (error as { hint?: string }).hint })).not.toContain('secret');
  });

  it.each([
    ['basic auth with a newline in the password (base64 on the wire)', { username: 'bob', password: 'pw\n' }],
  ])('sends %s, as net/http does', async (_name, user) => {
    await expect(resolve(user)).resolves.toBeDefined();
  });

  it('sends as-user-extra as Impersonate-Extra-* headers, the key escaped as client-go escapes it', async () => {
    const { credentials } = await resolve({ token: 'tok-abcdefgh', as: 'jane', 'as-user-extra': { reason: ['a', 'b'], 'scopes.example.com/x y': ['z'], empty: [] } });
    expect(credentials.impersonation).toEqual({ 'Impersonate-User': 'jane', 'Impersonate-Extra-reason': ['a', 'b'], 'Impersonate-Extra-scopes.example.com%2Fx%20y': ['z'] });
    expect(escapeHeaderKey('a%b/é')).toBe('a%25b%2F%C3%A9');
  });

  it('sends an oidc auth-provider’s id-token that has not expired, as kubectl’s built-in oidc provider does', async () => {
    const idToken = jwt({ iss: 'https://idp', exp: NOW.getTime() / 1000 + 3600 });
    const oidc = { 'idp-issuer-url': 'https://idp', 'client-id': 'k8s', 'id-token': idToken, 'refresh-token': 'refresh-456' };
    const { credentials, secrets } = await resolve({ 'auth-provider': { name: 'oidc', config: oidc } });
    expect(credentials.bearer).toMatchObject({ token: idToken, kind: 'auth-provider', source: 'auth-provider oidc id-token', expiresAt: new Date(NOW.getTime() + 3600_000) });
    expect(credentials.withheld).toBeUndefined();
    expect(secrets.redact(`${idToken} refresh-456`)).toBe('REDACTED REDACTED');
  });

  it.each([
    ['has expired', () => jwt({ exp: NOW.getTime() / 1000 - 60 })],
    ['expires within client-go\'s 10 s delta', () => jwt({ exp: NOW.getTime() / 1000 + 5 })],
    ['has no exp claim', () => jwt({ sub: 'x' })],
  ])('refuses an oidc id-token that %s without a refresh-token, with client-go\'s error (exit 3)', async (_name, idToken) => {
    const oidc = { 'idp-issuer-url': 'https://idp', 'client-id': 'k8s', 'id-token': idToken() };
    await expect(resolve({ 'auth-provider': { name: 'oidc', config: oidc } })).rejects.toMatchObject({
      code: 'ERR_AUTH_PROVIDER_UNSUPPORTED',
      message: 'auth-provider oidc of user "me": No valid id-token, and cannot refresh without refresh-token',
    });
  });

  it.each([
    ['not three parts', 'not-a-jwt', 'ID Token is not a valid JWT'],
    ['a payload that is not base64url', 'a.b+c.d', 'illegal base64 data at input byte 1'],
    ['a payload that is not JSON', `a.${Buffer.from('nope').toString('base64url')}.c`, /^parsing claims: /],
  ])('refuses an oidc id-token that is %s, as client-go does even with a refresh-token (exit 3)', async (_name, idToken, message) => {
    const oidc = { 'idp-issuer-url': 'https://idp', 'client-id': 'k8s', 'id-token': idToken, 'refresh-token': 'refresh-456' };
    const error: unknown = await resolve({ 'auth-provider': { name: 'oidc', config: oidc } }).then(() => undefined, (caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ERR_AUTH_PROVIDER_UNSUPPORTED' });
    expect((error as Error).message.replace('auth-provider oidc of user "me": ', '')).toMatch(message);
  });

  it('sends nothing, and says why, when an expired oidc id-token would first be refreshed with the refresh-token', async () => {
    const oidc = { 'idp-issuer-url': 'https://idp.example', 'client-id': 'k8s', 'id-token': jwt({ exp: NOW.getTime() / 1000 - 60 }), 'refresh-token': 'refresh-456' };
    const { credentials, secrets } = await resolve({ 'auth-provider': { name: 'oidc', config: oidc } });
    expect(credentials.bearer).toBeUndefined();
    expect(credentials.withheld).toMatch(/expired at 2026-11-28T19:59:00\.000Z; kubectl would first refresh it with the refresh-token at https:\/\/idp\.example, which the probe does not do, so no token is sent/);
    // As printed: the issuer and client id are not secrets (they were redacted out of the message); the tokens are.
    expect(secrets.redact(credentials.withheld ?? '')).toContain('at https://idp.example,');
    expect(secrets.redact(`${oidc['id-token']} refresh-456 k8s`)).toBe('REDACTED REDACTED k8s');
  });

  it.each([
    ['gcp', { name: 'gcp' }, /removed the gcp auth-provider in 1\.26 too.*gke-gcloud-auth-plugin/],
    ['oidc without an id-token', { name: 'oidc', config: { 'idp-issuer-url': 'https://idp', 'client-id': 'k8s' } }, /holds no id-token, which only the identity provider can replace/],
    ['oidc without idp-issuer-url', { name: 'oidc', config: { 'client-id': 'k8s', 'id-token': 'x' } }, /idp-issuer-url/],
    ['oidc without client-id', { name: 'oidc', config: { 'idp-issuer-url': 'https://idp', 'id-token': 'x' } }, /client-id/],
    ['an unknown provider', { name: 'acme' }, /switch the user to an exec plugin/],
  ])('refuses the %s auth-provider with a hint that fits it', async (_name, provider, hint) => {
    await expect(resolve({ 'auth-provider': provider })).rejects.toMatchObject({ code: 'ERR_AUTH_PROVIDER_UNSUPPORTED', hint: expect.stringMatching(hint) });
  });

  it('sends the user’s own token beside an oidc auth-provider, whose round tripper then steps aside', async () => {
    const { credentials } = await resolve({ token: 'own-token-abc', 'auth-provider': { name: 'oidc', config: { 'idp-issuer-url': 'https://idp', 'client-id': 'k8s' } } });
    expect(credentials.bearer).toMatchObject({ token: 'own-token-abc', source: 'token' });
  });

  it('refuses a tokenFile with basic auth, as client-go’s transport does', async () => {
    await expect(resolve({ tokenFile: '/t/token', username: 'bob', password: 'pw' })).rejects.toThrow('username/password or bearer token may be set, but not both');
  });

  it.each([
    ['a key of another certificate (file)', () => ({ 'client-certificate': '/t/c.crt', 'client-key': '/t/stranger.key' }), 'cannot load the client certificate /t/c.crt and key /t/stranger.key of user "me": tls: private key does not match public key', /matching key/],
    ['a key that is not PEM (data)', () => ({ 'client-certificate-data': pemToBase64(pair.cert), 'client-key-data': Buffer.from('garbage-key-hunter2\n').toString('base64') }), 'cannot load the client certificate client-certificate-data and key client-key-data of user "me": tls: failed to find any PEM data in key input', /PEM private key/],
  ])('refuses %s before connecting, as kubectl does (tls.X509KeyPair)', async (_name, user, message, hint) => {
    const refused = resolve(user());
    await expect(refused).rejects.toMatchObject({ code: 'ERR_CREDENTIALS_INVALID', message });
    await expect(refused).rejects.toMatchObject({ hint: expect.stringMatching(hint) });
  });

  it('ignores a client key without a certificate, as client-go does', async () => {
    const { credentials } = await resolve({ token: 'tok-abcdefgh', 'client-key': '/t/c.key', 'client-key-data': 'Sw==' });
    expect(credentials.clientCert).toBeUndefined();
  });

  it('takes basic auth and impersonation headers', async () => {
    const { credentials } = await resolve({ username: 'admin', password: 'p4ssword-long', as: 'jane', 'as-groups': ['devs'] });
    expect(credentials.basic).toEqual({ username: 'admin', password: 'p4ssword-long' });
    expect(credentials.impersonation).toEqual({ 'Impersonate-User': 'jane', 'Impersonate-Group': ['devs'] });
    expect(describeCredentials(credentials)).toBe('basic auth as admin, impersonating jane');
  });

  it('registers the basic-auth header value (and its base64 alone) as secrets, even for a short password', async () => {
    const { secrets } = await resolve({ username: 'admin', password: 'hunter2' });
    expect(secrets.redact('got Basic YWRtaW46aHVudGVyMg== and YWRtaW46aHVudGVyMg==')).toBe('got REDACTED and REDACTED');
  });
});

describe('exec plugins', () => {
  const v1 = 'client.authentication.k8s.io/v1';

  it('runs the plugin with argv, host env + exec env, KUBERNETES_EXEC_INFO and no stdin', async () => {
    const calls: SpawnRequest[] = [];
    const { credentials, secrets } = await resolve(
      { exec: { apiVersion: v1, interactiveMode: 'Never', command: 'aws', args: ['eks', 'get-token'], env: [{ name: 'AWS_PROFILE', value: 'prod' }], provideClusterInfo: true } },
      fakeSpawn({ stdout: credential(v1, { token: 'exec-token-123456' }) }, calls),
    );
    expect(credentials.bearer?.token).toBe('exec-token-123456');
    expect(secrets.list()).toContain('exec-token-123456');
    const call = calls[0];
    // Looked up in the probe's own PATH, as Go's exec.Command looks it up in kubectl's.
    expect(call?.command).toBe('/usr/bin/aws');
    expect(call?.args).toEqual(['eks', 'get-token']);
    expect(call?.stdin).toBeUndefined();
    expect(call?.env).toMatchObject({ PATH: '/usr/bin', HOME: '/home/u', AWS_PROFILE: 'prod' });
    expect(JSON.parse(call?.env?.['KUBERNETES_EXEC_INFO'] ?? '')).toEqual({
      apiVersion: v1,
      kind: 'ExecCredential',
      spec: { interactive: false, cluster: { server: 'https://api.example.com', 'tls-server-name': 'kubernetes', config: null } },
    });
  });

  it('leaves the cluster out of KUBERNETES_EXEC_INFO without provideClusterInfo', () => {
    expect(JSON.parse(buildExecInfo({ apiVersion: v1, command: 'x' }, target({}), 'PEM'))).toEqual({ apiVersion: v1, kind: 'ExecCredential', spec: { interactive: false } });
  });

  it('resolves a relative command with a slash against the kubeconfig directory', async () => {
    const calls: SpawnRequest[] = [];
    await resolve({ exec: { apiVersion: v1, interactiveMode: 'Never', command: './bin/plugin' } }, fakeSpawn({ stdout: credential(v1, { token: 'tok-abcdefgh' }) }, calls));
    expect(calls[0]?.command).toBe('/home/u/.kube/bin/plugin');
  });

  it('accepts a client certificate and key from the plugin', async () => {
    const { credentials } = await resolve({ exec: { apiVersion: v1, interactiveMode: 'Never', command: 'p' } }, fakeSpawn({ stdout: credential(v1, { clientCertificateData: pair.cert, clientKeyData: pair.key }) }));
    expect(credentials.clientCert).toMatchObject({ certPem: pair.cert, keyPem: pair.key });
  });

  it('refuses a certificate and key from the plugin that do not belong together, in client-go\'s words', async () => {
    const refused = resolve({ exec: { apiVersion: v1, interactiveMode: 'Never', command: 'p' } }, fakeSpawn({ stdout: credential(v1, { clientCertificateData: pair.cert, clientKeyData: strangerKey }) }));
    await expect(refused).rejects.toMatchObject({ code: 'ERR_EXEC_PLUGIN', message: 'exec plugin p: failed parsing client key/certificate: tls: private key does not match public key' });
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
    const promise = resolve({ exec: { apiVersion: v1, interactiveMode: 'Never', command: 'p', installHint: 'brew install p' } }, fakeSpawn(answer));
    await expect(promise).rejects.toMatchObject({ code: 'ERR_EXEC_PLUGIN', hint: expect.stringMatching(/./) });
    await expect(resolve({ exec: { apiVersion: v1, interactiveMode: 'Never', command: 'p', installHint: 'brew install p' } }, fakeSpawn(answer))).rejects.toThrow(message);
  });

  it('names the flag that sets the limit when the plugin runs out of time', async () => {
    const exec = { exec: { apiVersion: v1, interactiveMode: 'Never' as const, command: 'p' } };
    await expect(resolve(exec, fakeSpawn({ exitCode: null, timedOut: true }))).rejects.toMatchObject({ hint: expect.stringMatching(/raise --timeout$/) });
    const secrets = createSecretRegistry();
    const underProbe = resolveCredentials({ fs, env: { PATH: '/usr/bin', HOME: '/home/u' }, spawn: fakeSpawn({ exitCode: null, timedOut: true }) }, target(exec), { secrets, timeoutMs: 1000, timeoutFlag: '--probe-timeout', now: NOW });
    await expect(underProbe).rejects.toMatchObject({ hint: expect.stringMatching(/raise --probe-timeout$/) });
  });

  it('hints at running the plugin by hand when it exits non-zero, without quoting its args', async () => {
    await expect(resolve({ exec: { apiVersion: v1, interactiveMode: 'Never', command: 'p', args: ['get-token', '--client-secret=s3cr3t'] } }, fakeSpawn({ exitCode: 1, stderr: 'token expired' }))).rejects.toMatchObject({
      message: 'exec: executable p failed with exit code 1: token expired',
      hint: expect.stringMatching(/^run the plugin by hand \(p with the exec\.args and exec\.env of the kubeconfig\)/),
    });
  });

  it('gives the installHint as the hint when the command is missing', async () => {
    await expect(resolve({ exec: { apiVersion: v1, interactiveMode: 'Never', command: 'p', installHint: 'brew install p' } }, fakeSpawn(Object.assign(new Error('x'), { code: 'ENOENT' })))).rejects.toMatchObject({
      hint: 'brew install p',
    });
  });
});
