// Pure: what a service-account token says about itself. Claims are decoded, never verified (only
// the API server can verify them); we use them to name entries and to warn about expiry.
// Claim layout: kubernetes pkg/serviceaccount/claims.go (bound) and legacy.go (Secret tokens).
import type { BoundClaims } from './claims.js';

/**
 * True only for a JSON payload the claims schema (claims.ts) accepts as it is: every claim we
 * read absent or of the schema's type (a finite number, as zod's number requires), every object a plain one.
 * Anything else, however harmless, goes to the schema, which decides. So this has to be sound,
 * not complete; test/unit/serviceaccount/token.test.ts holds it to the schema on generated
 * payloads.
 */
export function matchesClaimsShape(payload: unknown): payload is BoundClaims {
  if (!isRecord(payload)) return false;
  if (!allOptionalStrings(payload, ['iss', 'sub', 'kubernetes.io/serviceaccount/namespace', 'kubernetes.io/serviceaccount/service-account.name', 'kubernetes.io/serviceaccount/secret.name'])) return false;
  const aud = payload['aud'];
  if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((item) => typeof item === 'string'))) return false;
  if (!isOptionalFinite(payload['exp']) || !isOptionalFinite(payload['iat']) || !isOptionalFinite(payload['nbf'])) return false;
  const k8s = payload['kubernetes.io'];
  if (k8s === undefined) return true;
  if (!isRecord(k8s) || !allOptionalStrings(k8s, ['namespace']) || !isOptionalFinite(k8s['warnafter'])) return false;
  return NESTED_CLAIMS.every(([key, fields]) => {
    const value = k8s[key];
    return value === undefined || (isRecord(value) && allOptionalStrings(value, fields));
  });
}

/** The objects inside the kubernetes.io claim, and their string fields. */
const NESTED_CLAIMS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['serviceaccount', ['name', 'uid']],
  ['pod', ['name']],
  ['secret', ['name']],
  ['node', ['name']],
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function allOptionalStrings(record: Record<string, unknown>, keys: readonly string[]): boolean {
  return keys.every((key) => record[key] === undefined || typeof record[key] === 'string');
}

function isOptionalFinite(value: unknown): boolean {
  return value === undefined || (typeof value === 'number' && Number.isFinite(value));
}

function keepIf(valid: (value: string) => boolean, value: string | undefined): string | undefined {
  return value !== undefined && valid(value) ? value : undefined;
}

/** RFC 1123 label, as namespaces are (apimachinery IsDNS1123Label). */
function isDnsLabel(value: string): boolean {
  return /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value);
}

/** RFC 1123 subdomain, as service-account names are (apimachinery IsDNS1123Subdomain). */
function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value);
}

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
  | {
      readonly kind: 'opaque';
      /** Why a token shaped like a JWT (three dot-separated parts) is not read as one. */
      readonly reason?: string;
    };

/** For messages: "not a JWT", and why when it looks like one. */
export function describeOpaque(claims: { readonly reason?: string }): string {
  return claims.reason === undefined ? 'not a JWT' : `not a JWT that can be read (${claims.reason})`;
}

export async function decodeTokenClaims(token: string): Promise<TokenClaims> {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return { kind: 'opaque' };
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return { kind: 'opaque', reason: 'its middle part is not base64url-encoded JSON' };
  }
  let claims: BoundClaims;
  if (matchesClaimsShape(payload)) {
    claims = payload;
  } else {
    // claims.ts (and zod) load only now: the kubelet's and the token controller's claims never
    // need them.
    const parsed = (await import('./claims.js')).tokenClaimsSchema.safeParse(payload);
    if (!parsed.success) {
      // Only the schema's own key names can be in the path (its objects are loose, unknown keys
      // make no issue), never text of the token.
      const path = parsed.error.issues[0]?.path.map(String) ?? [];
      return { kind: 'opaque', reason: path.length === 0 ? 'its payload is not a JSON object of claims' : `its claim ${path.map((key) => JSON.stringify(key)).join(' → ')} is not what Kubernetes writes` };
    }
    claims = parsed.data;
  }
  const k8s = claims['kubernetes.io'];
  // sub is system:serviceaccount:<namespace>:<name> for both token kinds.
  const fromSubject = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(claims.sub ?? '');
  // Unverified input that ends up in entry names: a value no API server would issue (a namespace
  // that is not a DNS label, an account name that is not a DNS subdomain) is taken as unknown,
  // so a name can never hold a "/" or "@" from the token.
  const namespace = keepIf(isDnsLabel, k8s?.namespace ?? claims['kubernetes.io/serviceaccount/namespace'] ?? fromSubject?.[1]);
  const serviceAccount = keepIf(isDnsSubdomain, k8s?.serviceaccount?.name ?? claims['kubernetes.io/serviceaccount/service-account.name'] ?? fromSubject?.[2]);
  const boundTo = k8s?.pod?.name
    ? { kind: 'pod' as const, name: k8s.pod.name }
    : k8s?.secret?.name
      ? { kind: 'secret' as const, name: k8s.secret.name }
      : k8s?.node?.name
        ? { kind: 'node' as const, name: k8s.node.name }
        : undefined;
  // A time outside what Date can hold (±8.64e12 s) is as good as none: Go would take it, but
  // nothing we do with it (the summary, the expiry warning) could show it.
  const seconds = (value: number | undefined) => {
    const date = value === undefined ? undefined : new Date(value * 1000);
    return date === undefined || Number.isNaN(date.getTime()) ? undefined : date;
  };
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
