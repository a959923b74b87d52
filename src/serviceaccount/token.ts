// Pure: what a service-account token says about itself. Claims are decoded, never verified (only
// the API server can verify them); we use them to name entries and to warn about expiry.
// Claim layout: kubernetes pkg/serviceaccount/claims.go (bound) and legacy.go (Secret tokens).
import * as z from 'zod/mini';

// One instance per shape, shared by every field: zod schemas are immutable, and constructing one
// costs start-up (zod/mini gives each instance its own methods).
const optionalString = z.optional(z.string());
const optionalNumber = z.optional(z.number());
const named = z.optional(z.looseObject({ name: optionalString }));

const boundClaims = z.looseObject({
  iss: optionalString,
  sub: optionalString,
  aud: z.optional(z.union([z.string(), z.array(z.string())])),
  exp: optionalNumber,
  iat: optionalNumber,
  nbf: optionalNumber,
  'kubernetes.io': z.optional(
    z.looseObject({
      namespace: optionalString,
      serviceaccount: z.optional(z.looseObject({ name: optionalString, uid: optionalString })),
      pod: named,
      secret: named,
      node: named,
      warnafter: optionalNumber,
    }),
  ),
  'kubernetes.io/serviceaccount/namespace': optionalString,
  'kubernetes.io/serviceaccount/service-account.name': optionalString,
  'kubernetes.io/serviceaccount/secret.name': optionalString,
});

export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

export type TokenClaims =
  | {
      readonly kind: 'jwt';
      readonly issuer?: string;
      readonly subject?: string;
      readonly namespace?: string;
      readonly serviceAccount?: string;
      readonly audiences: readonly string[];
      readonly expiresAt?: Date;
      readonly issuedAt?: Date;
      readonly notBefore?: Date;
      /** A legacy Secret token (iss kubernetes/serviceaccount, no expiry). */
      readonly legacy: boolean;
      readonly boundTo?: { readonly kind: 'pod' | 'secret' | 'node'; readonly name: string };
    }
  | { readonly kind: 'opaque' };

export function decodeTokenClaims(token: string): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return { kind: 'opaque' };
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return { kind: 'opaque' };
  }
  const parsed = boundClaims.safeParse(payload);
  if (!parsed.success) return { kind: 'opaque' };
  const claims = parsed.data;
  const k8s = claims['kubernetes.io'];
  // sub is system:serviceaccount:<namespace>:<name> for both token kinds.
  const fromSubject = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(claims.sub ?? '');
  const namespace = k8s?.namespace ?? claims['kubernetes.io/serviceaccount/namespace'] ?? fromSubject?.[1];
  const serviceAccount = k8s?.serviceaccount?.name ?? claims['kubernetes.io/serviceaccount/service-account.name'] ?? fromSubject?.[2];
  const boundTo = k8s?.pod?.name
    ? { kind: 'pod' as const, name: k8s.pod.name }
    : k8s?.secret?.name
      ? { kind: 'secret' as const, name: k8s.secret.name }
      : k8s?.node?.name
        ? { kind: 'node' as const, name: k8s.node.name }
        : undefined;
  const seconds = (value: number | undefined) => (value === undefined ? undefined : new Date(value * 1000));
  const expiresAt = seconds(claims.exp);
  const issuedAt = seconds(claims.iat);
  const notBefore = seconds(claims.nbf);
  return {
    kind: 'jwt',
    ...(claims.iss === undefined ? {} : { issuer: claims.iss }),
    ...(claims.sub === undefined ? {} : { subject: claims.sub }),
    ...(namespace === undefined ? {} : { namespace }),
    ...(serviceAccount === undefined ? {} : { serviceAccount }),
    audiences: claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud],
    ...(expiresAt ? { expiresAt } : {}),
    ...(issuedAt ? { issuedAt } : {}),
    ...(notBefore ? { notBefore } : {}),
    legacy: claims.iss === LEGACY_ISSUER,
    ...(boundTo ? { boundTo } : {}),
  };
}

/** `system:serviceaccount:NS:NAME`, when the token says so. */
export function serviceAccountUsername(claims: TokenClaims): string | undefined {
  if (claims.kind !== 'jwt' || !claims.namespace || !claims.serviceAccount) return undefined;
  return `system:serviceaccount:${claims.namespace}:${claims.serviceAccount}`;
}
