// The emulated API server's token minting and verification (test/support/jwt.ts): the claims must
// look like the real ones (pkg/serviceaccount/claims.go, legacy.go) and verification must fail the
// way kube-apiserver does.
import { describe, expect, it } from 'vitest';
import {
  boundTokenClaims,
  createTokenSigner,
  decodeJwtPayload,
  DEFAULT_ISSUER,
  legacyTokenClaims,
  signJwt,
  verifyJwt,
} from '../support/jwt.js';

const signer = createTokenSigner();
const sa = { name: 'deployer', uid: 'sa-uid' };
const now = 1_800_000_000;
const verifyOptions = { publicKey: signer.publicKey, issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER], now };

describe('claims', () => {
  it('builds bound-token claims with nbf == iat, a jti and the private kubernetes.io claims', () => {
    const claims = boundTokenClaims(DEFAULT_ISSUER, {
      namespace: 'team-a',
      serviceAccount: sa,
      issuedAt: now,
      expirationSeconds: 600,
      pod: { name: 'web', uid: 'pod-uid' },
    });
    expect(claims).toMatchObject({
      iss: DEFAULT_ISSUER,
      sub: 'system:serviceaccount:team-a:deployer',
      aud: [DEFAULT_ISSUER],
      iat: now,
      nbf: now,
      exp: now + 600,
      'kubernetes.io': { namespace: 'team-a', serviceaccount: sa, pod: { name: 'web', uid: 'pod-uid' } },
    });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('builds legacy claims with the flat keys and no exp, iat or aud', () => {
    const claims = legacyTokenClaims({ namespace: 'team-a', serviceAccount: sa, secretName: 'deployer-token' });
    expect(claims).toEqual({
      iss: 'kubernetes/serviceaccount',
      sub: 'system:serviceaccount:team-a:deployer',
      'kubernetes.io/serviceaccount/namespace': 'team-a',
      'kubernetes.io/serviceaccount/secret.name': 'deployer-token',
      'kubernetes.io/serviceaccount/service-account.name': 'deployer',
      'kubernetes.io/serviceaccount/service-account.uid': 'sa-uid',
    });
  });
});

describe('verifyJwt', () => {
  const bound = (overrides: Partial<Parameters<typeof boundTokenClaims>[1]> = {}, issuer = DEFAULT_ISSUER) =>
    boundTokenClaims(issuer, { namespace: 'team-a', serviceAccount: sa, issuedAt: now - 10, ...overrides });

  it('accepts a fresh bound token and a legacy token', () => {
    expect(verifyJwt(signJwt(signer, bound()), verifyOptions)).toMatchObject({ ok: true, legacy: false });
    const legacy = signJwt(signer, legacyTokenClaims({ namespace: 'team-a', serviceAccount: sa, secretName: 's' }));
    expect(verifyJwt(legacy, verifyOptions)).toMatchObject({ ok: true, legacy: true });
    expect(decodeJwtPayload(legacy)).not.toHaveProperty('exp');
  });

  it.each([
    ['a token signed by another key', () => signJwt(createTokenSigner(), bound()), 'invalid signature'],
    ['an expired token', () => signJwt(signer, bound({ issuedAt: now - 7200, expirationSeconds: 3600 })), 'service account token has expired'],
    ['a token from the future', () => signJwt(signer, bound({ issuedAt: now + 3600 })), 'service account token is not valid yet'],
    ['another issuer', () => signJwt(signer, bound({}, 'https://elsewhere')), 'wrong issuer'],
    ['another audience', () => signJwt(signer, bound({ audiences: ['vault'] })), 'token audiences do not match'],
    ['not a JWT', () => 'abc', 'not a JWT'],
  ])('rejects %s', (_name, token, reason) => {
    expect(verifyJwt(token(), verifyOptions)).toEqual({ ok: false, reason });
  });
});
