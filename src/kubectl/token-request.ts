// TokenRequest through `kubectl create token` (kubectl pkg/cmd/create/create_token.go). The token
// arrives on kubectl's stdout, never in any argv. We read the lifetime from the JWT itself,
// because servers cap `expirationSeconds` (--service-account-max-token-expiration; GKE 48h, EKS
// 24h) and say so only in a warning header kubectl may not surface.
import { CliError } from '../errors.js';
import { formatDuration } from '../duration.js';
import { kubectlFailure, runKubectl, type KubectlDeps, type KubectlTarget } from './run.js';
import { describeNonTokenCharacter, hasInnerWhiteSpace, trimGoSpace } from '../serviceaccount/read.js';

/** The API server rejects less (pkg/apis/authentication/validation ValidateTokenRequest: "may not specify a duration less than 10 minutes"). */
export const MIN_TOKEN_DURATION_SECONDS = 600;
/** The server's cap: 2^32 seconds (same validation). */
export const MAX_TOKEN_DURATION_SECONDS = 2 ** 32;

export interface TokenRequestInput {
  /** Undefined: kubectl's current namespace. */
  readonly namespace?: string | undefined;
  readonly serviceAccount: string;
  /** Undefined: the server's default (one hour). */
  readonly durationSeconds?: number | undefined;
  readonly audiences: readonly string[];
}

/**
 * Pure: checks a requested duration the way the server would, so a typo fails fast as a usage
 * error (exit 2) instead of a round trip (exit 4). Returns whole seconds.
 */
export function validateTokenDuration(ms: number, text = formatDuration(ms)): number {
  // The maximum first: far enough out (99999999999999999999h), a double holds no exact
  // millisecond, and the check below would call the value fractional.
  if (ms > MAX_TOKEN_DURATION_SECONDS * 1000) {
    throw new CliError('ERR_BAD_DURATION', `--duration ${text} is above the TokenRequest maximum of 2^32 seconds`);
  }
  if (ms % 1000 !== 0) {
    // As the user wrote it: formatDuration rounds to seconds, which would hide the problem.
    throw new CliError('ERR_BAD_DURATION', `--duration ${text} is not a whole number of seconds`, {
      hint: 'kubectl create token only accepts whole seconds',
    });
  }
  const seconds = ms / 1000;
  if (seconds < MIN_TOKEN_DURATION_SECONDS) {
    throw new CliError('ERR_BAD_DURATION', `--duration ${text} is below the 10 minute minimum of the TokenRequest API`, {
      hint: 'use --duration 10m or more (the server caps long requests at its own maximum)',
    });
  }
  return seconds;
}

export function tokenRequestArgs(input: TokenRequestInput): readonly string[] {
  return [
    'create',
    'token',
    input.serviceAccount,
    ...(input.namespace === undefined ? [] : ['-n', input.namespace]),
    ...(input.durationSeconds === undefined ? [] : [`--duration=${input.durationSeconds}s`]),
    ...input.audiences.map((audience) => `--audience=${audience}`),
  ];
}

/** Mints a token. The result is a secret: register it before doing anything else with it. */
export async function requestToken(deps: KubectlDeps, target: KubectlTarget, input: TokenRequestInput): Promise<string> {
  const outcome = await runKubectl(deps, target, tokenRequestArgs(input));
  if (!outcome.ok) {
    switch (outcome.kind) {
      case 'not-found':
        throw kubectlFailure(
          outcome,
          'ERR_SERVICEACCOUNT_NOT_FOUND',
          `check the name and namespace (kubectl get serviceaccounts${input.namespace === undefined ? '' : ` -n ${input.namespace}`})`,
        );
      case 'forbidden':
        throw kubectlFailure(
          outcome,
          'ERR_TOKEN_REQUEST_FAILED',
          'the source context needs create on serviceaccounts/token in that namespace (README: "In CI" → "RBAC")',
        );
      case 'invalid':
        throw kubectlFailure(outcome, 'ERR_TOKEN_REQUEST_FAILED');
      case 'other':
        throw kubectlFailure(
          outcome,
          'ERR_TOKEN_REQUEST_FAILED',
          /unknown (command|flag)/.test(outcome.line)
            ? 'kubectl create token needs kubectl 1.24 or newer; upgrade kubectl or use --long-lived'
            : undefined,
        );
      case 'unauthorized':
      case 'already-exists':
      case 'unreachable':
      case 'credential-plugin':
        throw kubectlFailure(outcome);
    }
  }
  // Printed without a trailing newline unless stdout is a terminal (create_token.go); trim both ways.
  const token = trimGoSpace(outcome.stdout);
  if (token === '' || hasInnerWhiteSpace(token)) {
    throw new CliError('ERR_KUBECTL_OUTPUT', `${outcome.command} printed no token`, {
      hint: 'run the command by hand to see what kubectl prints',
    });
  }
  // A wrapper that colours its output or appends a NUL: written, the kubeconfig would fail.
  const foreign = describeNonTokenCharacter(token);
  if (foreign !== undefined) {
    throw new CliError('ERR_KUBECTL_OUTPUT', `${outcome.command} printed something other than a token: it contains ${foreign}`, {
      hint: 'run the command by hand to see what kubectl prints (a wrapper script or alias may add to it)',
    });
  }
  return token;
}

/**
 * Pure: a warning when the server gave a shorter lifetime than asked for (exp - iat below the
 * request), e.g. "requested 48h, the server issued 24h".
 */
export function cappedDurationWarning(
  requestedSeconds: number | undefined,
  claims: { readonly issuedAt?: Date | undefined; readonly expiresAt?: Date | undefined },
): string | undefined {
  if (requestedSeconds === undefined || claims.expiresAt === undefined || claims.issuedAt === undefined) return undefined;
  const grantedSeconds = Math.round((claims.expiresAt.getTime() - claims.issuedAt.getTime()) / 1000);
  if (grantedSeconds >= requestedSeconds) return undefined;
  return `the server shortened the token lifetime: requested ${formatDuration(requestedSeconds * 1000)}, issued ${formatDuration(grantedSeconds * 1000)} (expires ${claims.expiresAt.toISOString()}); plan to renew it`;
}
