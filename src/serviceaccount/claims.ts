// The service-account token claims we read, as a zod schema: the contract token.ts decodes by.
// Claim layout: kubernetes pkg/serviceaccount/claims.go (bound) and legacy.go (Secret tokens).
import * as z from '../validation.js';

/**
 * The claims we read. Built when this module loads, which is on first need: token.ts imports it
 * only for a payload its matchesClaimsShape cannot vouch for. Measured with callgrind, building
 * these 15 schemas and the first parse cost ~4.5M instructions at start-up (zod's code runs cold
 * once: a second, identical build cost 0.7M), a tenth of all init adds to `node -e 0`, to check a
 * dozen fields of a payload the kubelet wrote.
 */
// One instance per shape, shared by every field: zod schemas are immutable, and constructing one
// costs start-up (zod/mini gives each instance its own methods).
const optionalString = z.optional(z.string());
const optionalNumber = z.optional(z.number());
const named = z.optional(z.looseObject({ name: optionalString }));

export const tokenClaimsSchema = z.looseObject({
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

export type BoundClaims = z.output<typeof tokenClaimsSchema>;
