import { describe, expect, it } from 'vitest';
import { decodeTokenClaims, serviceAccountUsername } from '../../../src/serviceaccount/token.js';
import { createTokenSigner, legacyTokenClaims, signJwt } from '../../support/jwt.js';
import { mintToken } from '../../support/mount.js';

describe('decodeTokenClaims', () => {
  it('reads a bound token: account, namespace, audiences, expiry, pod binding', () => {
    const claims = decodeTokenClaims(mintToken('team-a', 'deployer', 3607));
    expect(claims).toMatchObject({ kind: 'jwt', namespace: 'team-a', serviceAccount: 'deployer', legacy: false, boundTo: { kind: 'pod', name: 'deployer-pod' } });
    if (claims.kind !== 'jwt') throw new Error('expected jwt');
    expect(claims.expiresAt!.getTime() - claims.issuedAt!.getTime()).toBe(3607_000);
    expect(serviceAccountUsername(claims)).toBe('system:serviceaccount:team-a:deployer');
  });

  it('reads a legacy Secret token: flat claims, no expiry', () => {
    const token = signJwt(createTokenSigner(), legacyTokenClaims({ namespace: 'ns', serviceAccount: { name: 'ci', uid: 'u' }, secretName: 'ci-token' }));
    const claims = decodeTokenClaims(token);
    expect(claims).toMatchObject({ kind: 'jwt', legacy: true, namespace: 'ns', serviceAccount: 'ci', issuer: 'kubernetes/serviceaccount' });
    expect(claims.kind === 'jwt' && claims.expiresAt).toBe(undefined);
  });

  it.each([
    ['not three segments', 'abc.def'],
    ['a payload that is not JSON', 'a.bm90IGpzb24.c'],
    ['an opaque token', 'r4nd0m-0pa9ue-t0k3n'],
    ['claims of the wrong type', `x.${Buffer.from(JSON.stringify({ exp: 'soon' })).toString('base64url')}.y`],
  ])('treats %s as opaque', (_name, token) => {
    expect(decodeTokenClaims(token)).toEqual({ kind: 'opaque' });
  });
});
