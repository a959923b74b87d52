import { describe, expect, it } from 'vitest';
import {
  decodeBase64Strict,
  interpretTokenSecret,
  longLivedSecretManifest,
  longLivedSecretName,
  readPopulatedTokenSecret,
  selectTokenSecrets,
  type Secret,
} from '../../../src/kubectl/secret.js';
import { argv, fakeSpawn, target } from './fake-spawn.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const b64 = (text: string) => Buffer.from(text).toString('base64');

function tokenSecret(overrides: Partial<Secret> & { data?: Record<string, string> | null } = {}, name = 's'): Secret {
  return {
    metadata: { name, namespace: 'team-a', annotations: { 'kubernetes.io/service-account.name': 'deployer' } },
    type: 'kubernetes.io/service-account-token',
    data: { token: b64('header.payload.sig'), 'ca.crt': b64(PEM), namespace: b64('team-a') },
    ...overrides,
  };
}

describe('decodeBase64Strict', () => {
  it.each([
    ['aGVsbG8=', 'hello'],
    ['aGVsbG8h', 'hello!'],
    ['', ''],
    ['aGVs\nbG8=', 'hello'],
  ])('decodes %j', (text, plain) => {
    expect(decodeBase64Strict(text)?.toString('utf8')).toBe(plain);
  });

  it.each(['not*valid*base64!!', 'aGVsbG8', 'aGVsbG8==', 'aGVsbG8=x', 'aGVsbG-_', 'aGVsbG9='])('rejects %j that Buffer.from would accept', (text) => {
    expect(decodeBase64Strict(text)).toBeUndefined();
  });
});

describe('interpretTokenSecret', () => {
  it('decodes token, ca.crt and namespace', () => {
    expect(interpretTokenSecret(tokenSecret(), 'team-a/s')).toEqual({ populated: true, data: { token: 'header.payload.sig', caPem: PEM, namespace: 'team-a' } });
  });

  it.each([
    ['no data at all', null],
    ['an empty token', { token: '' }],
    ['a token of only whitespace', { token: b64('  \n') }],
  ])('reports %s as not populated', (_name, data) => {
    expect(interpretTokenSecret(tokenSecret({ data }), 'team-a/s')).toEqual({ populated: false });
  });

  it.each([
    ['a wrong type', { type: 'Opaque' }, 'ERR_SECRET_WRONG_TYPE'],
    ['no type', { type: undefined }, 'ERR_SECRET_WRONG_TYPE'],
    ['a token that is not base64', { data: { token: 'not*valid*base64!!' } }, 'ERR_SECRET_BAD_DATA'],
    ['a ca.crt that is not base64', { data: { token: b64('t.t.t'), 'ca.crt': '%%%' } }, 'ERR_SECRET_BAD_DATA'],
    ['a ca.crt that is not PEM', { data: { token: b64('t.t.t'), 'ca.crt': b64('hello') } }, 'ERR_SECRET_BAD_DATA'],
    ['a token with inner whitespace', { data: { token: b64('a b') } }, 'ERR_SECRET_BAD_DATA'],
    // Written into the kubeconfig, these would fail there: net/http refuses the header, or the server the token.
    ['a token with a control character', { data: { token: b64('t.t.t\x07') } }, 'ERR_SECRET_BAD_DATA'],
    ['a token with a NUL', { data: { token: b64('t.t.t\u0000') } }, 'ERR_SECRET_BAD_DATA'],
    ['a token with a byte-order mark', { data: { token: b64('\uFEFFt.t.t') } }, 'ERR_SECRET_BAD_DATA'],
  ] as const)('refuses %s', (_name, overrides, code) => {
    expect(() => interpretTokenSecret(tokenSecret(overrides as Partial<Secret>), 'team-a/s')).toThrow(expect.objectContaining({ code }));
  });

  it('says which byte of a token is not one, never the token', () => {
    expect(() => interpretTokenSecret(tokenSecret({ data: { token: b64('secret.t.t\x07') } }), 'team-a/s')).toThrow(
      expect.objectContaining({ message: 'secret team-a/s: data["token"] is not a token: it contains the control character U+0007 at position 11 of 11' }),
    );
  });

  it('trims the token as Go trims it (NEL too, not a byte-order mark)', () => {
    expect(interpretTokenSecret(tokenSecret({ data: { token: b64('t.t.t\u0085\n') } }), 'team-a/s')).toMatchObject({ populated: true, data: { token: 't.t.t' } });
  });
});

describe('selectTokenSecrets', () => {
  const at = (name: string, created: string, populated: boolean, extra: Partial<Secret['metadata']> = {}): Secret => ({
    ...tokenSecret(populated ? {} : { data: null }, name),
    metadata: { name, annotations: { 'kubernetes.io/service-account.name': 'deployer' }, creationTimestamp: created, ...extra },
  });

  it('puts populated Secrets first, newest first, and drops other accounts, other types and invalidated tokens', () => {
    const items = [
      at('old', '2024-01-01T00:00:00Z', true),
      at('new', '2025-01-01T00:00:00Z', true),
      at('pending', '2026-01-01T00:00:00Z', false),
      at('invalid', '2026-01-01T00:00:00Z', true, { labels: { 'kubernetes.io/legacy-token-invalid-since': '2025-06-01' } }),
      at('other', '2026-01-01T00:00:00Z', true, { annotations: { 'kubernetes.io/service-account.name': 'viewer' } }),
      { ...at('opaque', '2026-01-01T00:00:00Z', true), type: 'Opaque' },
    ];
    expect(selectTokenSecrets(items, 'deployer').map((s) => s.metadata.name)).toEqual(['new', 'old', 'pending']);
  });
});

describe('long-lived Secret manifest', () => {
  it('carries only the account annotation, as the Kubernetes docs show', () => {
    expect(JSON.parse(longLivedSecretManifest('team-a', 'ci-long-lived-token', 'ci'))).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'ci-long-lived-token',
        namespace: 'team-a',
        annotations: { 'kubernetes.io/service-account.name': 'ci' },
        labels: { 'app.kubernetes.io/managed-by': 'sa-kubeconfig' },
      },
      type: 'kubernetes.io/service-account-token',
    });
  });

  it('keeps the name within 253 characters', () => {
    expect(longLivedSecretName('a'.repeat(253))).toHaveLength(253);
    expect(longLivedSecretName('ci')).toBe('ci-long-lived-token');
  });
});

describe('readPopulatedTokenSecret', () => {
  function clock() {
    let now = 0;
    const sleeps: number[] = [];
    return { now: () => new Date(now), sleep: async (ms: number) => void (sleeps.push(ms), (now += ms)), sleeps };
  }
  const json = (secret: Secret) => ({ stdout: JSON.stringify(secret) });

  it('polls with backoff until the controller fills the Secret in', async () => {
    let gets = 0;
    const { spawn, requests } = fakeSpawn([{ match: argv('get', 'secret', 's'), answer: () => json(++gets < 4 ? tokenSecret({ data: null }) : tokenSecret()) }]);
    const time = clock();
    let waited = 0;
    const result = await readPopulatedTokenSecret({ spawn, env: {}, ...time }, target, 'team-a', 's', { waitMs: 30_000, onWaiting: () => (waited += 1) });
    expect(result.data.token).toBe('header.payload.sig');
    expect(requests).toHaveLength(4);
    expect(time.sleeps).toEqual([250, 500, 1000]);
    expect(waited).toBe(1);
  });

  it('gives up after the wait with ERR_SECRET_NOT_POPULATED', async () => {
    const { spawn } = fakeSpawn([{ match: argv('get', 'secret'), answer: json(tokenSecret({ data: null })) }]);
    const time = clock();
    await expect(readPopulatedTokenSecret({ spawn, env: {}, ...time }, target, 'team-a', 's', { waitMs: 5000 })).rejects.toMatchObject({
      code: 'ERR_SECRET_NOT_POPULATED',
      message: 'secret team-a/s still has no token after 5s',
    });
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBe(5000);
  });

  it('says the Secret was deleted while it waited, and why the controller does that (was: "check the name")', async () => {
    let gets = 0;
    const { spawn } = fakeSpawn([
      { match: argv('get', 'secret', 's'), answer: () => (++gets < 3 ? json(tokenSecret({ data: null })) : { exitCode: 1, stderr: 'Error from server (NotFound): secrets "s" not found\n' }) },
    ]);
    await expect(readPopulatedTokenSecret({ spawn, env: {}, ...clock() }, target, 'team-a', 's', { waitMs: 30_000 })).rejects.toMatchObject({
      code: 'ERR_SECRET_NOT_FOUND',
      message: 'secret team-a/s was deleted while waiting for its token',
      hint: expect.stringMatching(/service account is missing: check that serviceaccount \S+ exists \(kubectl get serviceaccount \S+ -n team-a\)$/),
    });
  });

  it('fails at once without a wait, pointing at --wait', async () => {
    const { spawn, requests } = fakeSpawn([{ match: argv('get', 'secret'), answer: json(tokenSecret({ data: null })) }]);
    await expect(readPopulatedTokenSecret({ spawn, env: {}, ...clock() }, target, 'team-a', 's', { waitMs: 0 })).rejects.toMatchObject({
      code: 'ERR_SECRET_NOT_POPULATED',
      hint: expect.stringMatching(/--wait/),
    });
    expect(requests).toHaveLength(1);
  });

  it.each([
    ['Error from server (NotFound): secrets "s" not found', 'ERR_SECRET_NOT_FOUND'],
    ['Error from server (Forbidden): secrets "s" is forbidden: User "u" cannot get resource "secrets"', 'ERR_KUBECTL_FAILED'],
  ])('maps %s to %s', async (stderr, code) => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: { exitCode: 1, stderr } }]);
    await expect(readPopulatedTokenSecret({ spawn, env: {}, ...clock() }, target, 'team-a', 's', { waitMs: 0 })).rejects.toMatchObject({ code });
  });
});
