// Service-account JWTs shaped like the real ones (kubernetes pkg/serviceaccount/claims.go for bound
// tokens, legacy.go for Secret tokens), signed ES256 with node:crypto. Used by the emulated API
// server to mint and verify tokens, and by tests to mint tokens directly (expired, wrong key, …).
// Only node built-ins: the shipped demo bundles this file.
import { createHash, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';

/** The issuer a kubeadm cluster uses by default (`--service-account-issuer`). */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** pkg/serviceaccount/legacy.go LegacyIssuer. */
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

export interface TokenSigner {
  readonly issuer: string;
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export interface ObjectRef {
  readonly name: string;
  readonly uid: string;
}

export interface BoundClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: readonly string[];
  readonly exp: number;
  readonly iat: number;
  readonly nbf: number;
  readonly jti: string;
  readonly 'kubernetes.io': {
    readonly namespace: string;
    readonly serviceaccount: ObjectRef;
    readonly pod?: ObjectRef;
    readonly secret?: ObjectRef;
    readonly node?: ObjectRef;
    readonly warnafter?: number;
  };
}

export interface LegacyClaims {
  readonly iss: typeof LEGACY_ISSUER;
  readonly sub: string;
  readonly 'kubernetes.io/serviceaccount/namespace': string;
  readonly 'kubernetes.io/serviceaccount/secret.name': string;
  readonly 'kubernetes.io/serviceaccount/service-account.name': string;
  readonly 'kubernetes.io/serviceaccount/service-account.uid': string;
}

export type ServiceAccountClaims = BoundClaims | LegacyClaims;

/** A fresh P-256 key pair; the key id is derived from the public key like kube-apiserver's keyIDFromPublicKey. */
export function createTokenSigner(issuer: string = DEFAULT_ISSUER): TokenSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = publicKey.export({ format: 'der', type: 'spki' });
  const keyId = createHash('sha256').update(der).digest('base64url');
  return { issuer, keyId, privateKey, publicKey };
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

export interface BoundTokenInput {
  readonly namespace: string;
  readonly serviceAccount: ObjectRef;
  /** Default: [issuer] (the API server's audiences default to the issuer). */
  readonly audiences?: readonly string[];
  /** Seconds since the epoch; default now. */
  readonly issuedAt?: number;
  /** exp = issuedAt + expirationSeconds; default 3600. Negative values make an expired token. */
  readonly expirationSeconds?: number;
  readonly pod?: ObjectRef;
  readonly secret?: ObjectRef;
  readonly node?: ObjectRef;
  readonly warnAfter?: number;
  readonly jti?: string;
}

export function boundTokenClaims(issuer: string, input: BoundTokenInput): BoundClaims {
  const iat = input.issuedAt ?? Math.floor(Date.now() / 1000);
  const private_ = {
    namespace: input.namespace,
    ...(input.node ? { node: input.node } : {}),
    ...(input.pod ? { pod: input.pod } : {}),
    ...(input.secret ? { secret: input.secret } : {}),
    serviceaccount: input.serviceAccount,
    ...(input.warnAfter !== undefined ? { warnafter: input.warnAfter } : {}),
  };
  return {
    aud: input.audiences ?? [issuer],
    exp: iat + (input.expirationSeconds ?? 3600),
    iat,
    iss: issuer,
    jti: input.jti ?? randomUUID(),
    'kubernetes.io': private_,
    nbf: iat,
    sub: serviceAccountUsername(input.namespace, input.serviceAccount.name),
  };
}

export function legacyTokenClaims(input: {
  readonly namespace: string;
  readonly serviceAccount: ObjectRef;
  readonly secretName: string;
}): LegacyClaims {
  return {
    iss: LEGACY_ISSUER,
    'kubernetes.io/serviceaccount/namespace': input.namespace,
    'kubernetes.io/serviceaccount/secret.name': input.secretName,
    'kubernetes.io/serviceaccount/service-account.name': input.serviceAccount.name,
    'kubernetes.io/serviceaccount/service-account.uid': input.serviceAccount.uid,
    sub: serviceAccountUsername(input.namespace, input.serviceAccount.name),
  };
}

function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs any claims object as a compact ES256 JWS with the signer's kid. */
export function signJwt(signer: Pick<TokenSigner, 'privateKey' | 'keyId'>, claims: object): string {
  const input = `${encodeSegment({ alg: 'ES256', kid: signer.keyId })}.${encodeSegment(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** Decodes the payload without verifying anything (tests, logging). Undefined when not a JWT. */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export type VerifyResult =
  | { readonly ok: true; readonly claims: ServiceAccountClaims; readonly legacy: boolean }
  | { readonly ok: false; readonly reason: string };

export interface VerifyOptions {
  readonly publicKey: KeyObject;
  /** Issuer accepted for bound tokens; legacy tokens (LEGACY_ISSUER) are accepted too. */
  readonly issuer: string;
  /** Bound tokens must name at least one of these audiences (kube-apiserver --api-audiences). */
  readonly audiences: readonly string[];
  /** Seconds since the epoch; default now. */
  readonly now?: number;
}

// Reasons mirror the server-side log messages in pkg/serviceaccount/claims.go; the client only
// ever sees 401 Unauthorized.
export function verifyJwt(token: string, options: VerifyOptions): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'not a JWT' };
  const [header, payload, signature] = parts as [string, string, string];
  let headerJson: unknown;
  try {
    headerJson = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed header' };
  }
  if (typeof headerJson !== 'object' || headerJson === null || (headerJson as { alg?: unknown }).alg !== 'ES256') {
    return { ok: false, reason: 'unsupported alg' };
  }
  const valid = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    { key: options.publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!valid) return { ok: false, reason: 'invalid signature' };
  const claims = decodeJwtPayload(token);
  if (!claims) return { ok: false, reason: 'malformed payload' };
  if (typeof claims.sub !== 'string' || !claims.sub.startsWith('system:serviceaccount:')) {
    return { ok: false, reason: 'not a service account token' };
  }
  if (claims.iss === LEGACY_ISSUER) {
    return { ok: true, claims: claims as unknown as LegacyClaims, legacy: true };
  }
  if (claims.iss !== options.issuer) return { ok: false, reason: 'wrong issuer' };
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || now >= claims.exp) return { ok: false, reason: 'service account token has expired' };
  if (typeof claims.nbf === 'number' && now < claims.nbf - 60) return { ok: false, reason: 'service account token is not valid yet' };
  if (typeof claims.iat === 'number' && now < claims.iat - 60) return { ok: false, reason: 'service account token is issued in the future' };
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.some((a) => typeof a === 'string' && options.audiences.includes(a))) {
    return { ok: false, reason: 'token audiences do not match' };
  }
  const priv = claims['kubernetes.io'];
  if (typeof priv !== 'object' || priv === null) return { ok: false, reason: 'missing kubernetes.io claims' };
  return { ok: true, claims: claims as unknown as BoundClaims, legacy: false };
}
