import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenClaimsSchema } from '../../../src/serviceaccount/claims.js';
import { describeOpaque, decodeTokenClaims, matchesClaimsShape, serviceAccountUsername } from '../../../src/serviceaccount/token.js';
import { createTokenSigner, legacyTokenClaims, signJwt } from '../../support/jwt.js';
import { mintToken } from '../../support/mount.js';

describe('decodeTokenClaims', () => {
  it('reads a bound token: account, namespace, audiences, expiry, pod binding', async () => {
    const claims = await decodeTokenClaims(mintToken('team-a', 'deployer', 3607));
    expect(claims).toMatchObject({ kind: 'jwt', namespace: 'team-a', serviceAccount: 'deployer', legacy: false, boundTo: { kind: 'pod', name: 'deployer-pod' } });
    if (claims.kind !== 'jwt') throw new Error('expected jwt');
    expect(claims.expiresAt!.getTime() - claims.issuedAt!.getTime()).toBe(3607_000);
    expect(serviceAccountUsername(claims)).toBe('system:serviceaccount:team-a:deployer');
  });

  it('reads a legacy Secret token: flat claims, no expiry', async () => {
    const token = signJwt(createTokenSigner(), legacyTokenClaims({ namespace: 'ns', serviceAccount: { name: 'ci', uid: 'u' }, secretName: 'ci-token' }));
    const claims = await decodeTokenClaims(token);
    expect(claims).toMatchObject({ kind: 'jwt', legacy: true, namespace: 'ns', serviceAccount: 'ci', issuer: 'kubernetes/serviceaccount' });
    expect(claims.kind === 'jwt' && claims.expiresAt).toBe(undefined);
  });

  it.each([
    ['not three segments', 'abc.def', undefined],
    ['a payload that is not JSON', 'a.bm90IGpzb24.c', 'its middle part is not base64url-encoded JSON'],
    ['an opaque token', 'r4nd0m-0pa9ue-t0k3n', undefined],
    ['claims of the wrong type', `x.${Buffer.from(JSON.stringify({ exp: 'soon' })).toString('base64url')}.y`, 'its claim "exp" is not what Kubernetes writes'],
    ['a nested claim of the wrong type', `x.${Buffer.from(JSON.stringify({ 'kubernetes.io': { namespace: 7 } })).toString('base64url')}.y`, 'its claim "kubernetes.io" → "namespace" is not what Kubernetes writes'],
    ['a payload that is not an object', `x.${Buffer.from(JSON.stringify(['a'])).toString('base64url')}.y`, 'its payload is not a JSON object of claims'],
  ])('treats %s as opaque, saying why when it looks like a JWT', async (_name, token, reason) => {
    const claims = await decodeTokenClaims(token);
    expect(claims).toEqual(reason === undefined ? { kind: 'opaque' } : { kind: 'opaque', reason });
    expect(describeOpaque(claims as { reason?: string })).toBe(reason === undefined ? 'not a JWT' : `not a JWT that can be read (${reason})`);
  });

  const jwtWith = (claims: object) => `x.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.y`;

  it.each([
    ['exp', { exp: 8_640_000_000_001 }, 'expiresAt'],
    ['iat', { iat: -8_640_000_000_001 }, 'issuedAt'],
    ['nbf', { nbf: 1e300 }, 'notBefore'],
  ])('takes a %s beyond what a Date holds as absent', async (_name, times, field) => {
    const claims = await decodeTokenClaims(jwtWith({ sub: 'system:serviceaccount:team-a:deployer', ...times }));
    expect(claims).toMatchObject({ kind: 'jwt', namespace: 'team-a', serviceAccount: 'deployer' });
    expect(claims).not.toHaveProperty(field);
  });

  it('keeps the last time a Date holds', async () => {
    const claims = await decodeTokenClaims(jwtWith({ exp: 8_640_000_000_000 }));
    expect(claims.kind === 'jwt' && claims.expiresAt?.toISOString()).toBe('+275760-09-13T00:00:00.000Z');
  });

  it.each([
    ['a "/" in the namespace', 'system:serviceaccount:te/am:deployer', { serviceAccount: 'deployer' }, 'namespace'],
    ['an "@" in the account', 'system:serviceaccount:team-a:dep@loyer', { namespace: 'team-a' }, 'serviceAccount'],
    ['capitals in the account', 'system:serviceaccount:team-a:Dep_loyer', { namespace: 'team-a' }, 'serviceAccount'],
    ['a right-to-left override', 'system:serviceaccount:team-a:dep\u202eloyer', { namespace: 'team-a' }, 'serviceAccount'],
  ])('takes a name no API server issues (%s) as unknown', async (_name, sub, kept, dropped) => {
    const claims = await decodeTokenClaims(jwtWith({ sub }));
    expect(claims).toMatchObject({ kind: 'jwt', subject: sub, ...kept });
    expect(claims).not.toHaveProperty(dropped);
  });

  it('keeps account names with dots (DNS subdomains)', async () => {
    expect(await decodeTokenClaims(jwtWith({ sub: 'system:serviceaccount:kube-system:ci.deployer' }))).toMatchObject({ namespace: 'kube-system', serviceAccount: 'ci.deployer' });
  });
});

const payloadOf = (token: string): unknown => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
const tokenWith = (payload: unknown) => `x.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.y`;

// matchesClaimsShape lets decodeTokenClaims skip the zod schema (start-up); it must never accept
// what the schema refuses, nor change what it returns.
describe('matchesClaimsShape', () => {
  it('vouches for the claims the API server and the token controller write', () => {
    expect(matchesClaimsShape(payloadOf(mintToken('team-a', 'deployer', 3607)))).toBe(true);
    expect(matchesClaimsShape(legacyTokenClaims({ namespace: 'ns', serviceAccount: { name: 'ci', uid: 'u' }, secretName: 'ci-token' }))).toBe(true);
  });

  it.each([
    ['an infinite expiry (1e400 in JSON)', JSON.parse('{"exp":1e400}')],
    ['a null claim', { 'kubernetes.io': null }],
    ['an array where an object belongs', { 'kubernetes.io': { pod: [] } }],
    ['a number in the audiences', { aud: ['a', 1] }],
    ['a list at the top', []],
  ])('leaves %s to the schema', (_name, payload) => {
    expect(matchesClaimsShape(payload)).toBe(false);
    expect(tokenClaimsSchema.safeParse(payload).success).toBe(false);
  });

  // JSON values shaped like claims, each claim sometimes of another type. Fixed seed.
  const anyJson = fc.jsonValue({ maxDepth: 2 });
  const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof(arbitrary, anyJson, fc.constant(undefined));
  const named = maybe(fc.record({ name: maybe(fc.string()), uid: maybe(fc.string()) }, { requiredKeys: [] }));
  const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(JSON.parse('1e400') as number, -0));
  const payload = fc.oneof(
    anyJson,
    fc.record(
      {
        iss: maybe(fc.string()),
        sub: maybe(fc.string()),
        aud: maybe(fc.oneof(fc.string(), fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }))),
        exp: maybe(number),
        iat: maybe(number),
        nbf: maybe(number),
        'kubernetes.io': maybe(fc.record({ namespace: maybe(fc.string()), serviceaccount: named, pod: named, secret: named, node: named, warnafter: maybe(number) }, { requiredKeys: [] })),
        'kubernetes.io/serviceaccount/namespace': maybe(fc.string()),
        extra: anyJson,
      },
      { requiredKeys: [] },
    ),
  );

  it('accepts only what the schema accepts, as it is, and decodeTokenClaims agrees either way', async () => {
    let vouched = 0;
    await fc.assert(
      fc.asyncProperty(payload, async (value) => {
        // What a token can carry: JSON (undefined members vanish).
        const json: unknown = JSON.parse(JSON.stringify(value) ?? 'null');
        const parsed = tokenClaimsSchema.safeParse(json);
        if (matchesClaimsShape(json)) {
          vouched += 1;
          expect(parsed.success).toBe(true);
          expect(parsed.data).toEqual(json);
        }
        expect((await decodeTokenClaims(tokenWith(json))).kind).toBe(parsed.success ? 'jwt' : 'opaque');
      }),
      { numRuns: 3000, seed: 20261201 },
    );
    expect(vouched).toBeGreaterThan(300);
  });
});

describe('decodeTokenClaims, which claim decides', () => {
  const payload = (claims: object) => Buffer.from(JSON.stringify(claims)).toString('base64url');
  const jwtWith = (claims: object) => `x.${payload(claims)}.y`;

  it.each([
    ['two parts', `x.${payload({ sub: 'system:serviceaccount:ns:sa' })}`],
    ['four parts', `x.${payload({ sub: 'system:serviceaccount:ns:sa' })}.y.z`],
  ])('treats a token of %s as opaque', async (_name, token) => {
    expect(await decodeTokenClaims(token)).toEqual({ kind: 'opaque' });
  });

  it('takes a 63-character namespace and drops a 64-character one', async () => {
    expect(await decodeTokenClaims(jwtWith({ 'kubernetes.io': { namespace: 'n'.repeat(63) } }))).toMatchObject({ namespace: 'n'.repeat(63) });
    expect(await decodeTokenClaims(jwtWith({ 'kubernetes.io': { namespace: 'n'.repeat(64) } }))).not.toHaveProperty('namespace');
  });

  it('takes a 253-character account name and drops a 254-character one', async () => {
    const name = (length: number) => `${'a'.repeat(61)}.`.repeat(5).slice(0, length - 1) + 'a';
    expect(await decodeTokenClaims(jwtWith({ 'kubernetes.io': { serviceaccount: { name: name(253) } } }))).toMatchObject({ serviceAccount: name(253) });
    expect(await decodeTokenClaims(jwtWith({ 'kubernetes.io': { serviceaccount: { name: name(254) } } }))).not.toHaveProperty('serviceAccount');
  });

  it('prefers the kubernetes.io namespace claim over the subject', async () => {
    expect(await decodeTokenClaims(jwtWith({ sub: 'system:serviceaccount:from-sub:sa', 'kubernetes.io': { namespace: 'from-claim' } }))).toMatchObject({ namespace: 'from-claim' });
  });

  it('reads nothing from a subject with more than four parts', async () => {
    const claims = await decodeTokenClaims(jwtWith({ sub: 'system:serviceaccount:ns:a:b' }));
    expect(claims).toMatchObject({ kind: 'jwt', subject: 'system:serviceaccount:ns:a:b' });
    expect(claims).not.toHaveProperty('namespace');
    expect(claims).not.toHaveProperty('serviceAccount');
  });

  it('takes an aud that is a plain string as one audience', async () => {
    expect(await decodeTokenClaims(jwtWith({ aud: 'https://kubernetes.default.svc' }))).toMatchObject({ audiences: ['https://kubernetes.default.svc'] });
  });

  it('reads a token bound to a Secret', async () => {
    expect(await decodeTokenClaims(jwtWith({ 'kubernetes.io': { namespace: 'ns', secret: { name: 's', uid: 'u' } } }))).toMatchObject({ boundTo: { kind: 'secret', name: 's' } });
  });

  it('has no username without a namespace', async () => {
    const claims = await decodeTokenClaims(jwtWith({ 'kubernetes.io': { serviceaccount: { name: 'sa' } } }));
    expect(claims).toMatchObject({ kind: 'jwt', serviceAccount: 'sa' });
    expect(serviceAccountUsername(claims)).toBeUndefined();
  });
});
