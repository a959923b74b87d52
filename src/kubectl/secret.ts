// Service-account-token Secrets through kubectl: read one, decode it strictly, wait for the token
// controller to fill it in, find or create a long-lived one for an account.
// Constants from k8s.io/api core/v1/types.go (SecretTypeServiceAccountToken, ServiceAccountNameKey,
// ServiceAccountTokenKey, ServiceAccountRootCAKey, ServiceAccountNamespaceKey).
import * as z from '../validation.js';
import type { Deps } from '../deps.js';
import { CliError, isCliError } from '../errors.js';
import { formatDuration } from '../duration.js';
import { kubectlFailure, parseKubectlJson, runKubectl, type KubectlDeps, type KubectlTarget } from './run.js';
import { describeNonTokenCharacter, hasInnerWhiteSpace, trimGoSpace } from '../serviceaccount/read.js';

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
/** Set by the legacy token cleaner (KEP-2799, 1.29+) on auto-generated tokens unused for a year. */
export const INVALID_SINCE_LABEL = 'kubernetes.io/legacy-token-invalid-since';

const stringMap = z.optional(z.nullable(z.record(z.string(), z.string())));

export const secretSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.optional(z.string()),
    annotations: stringMap,
    labels: stringMap,
    creationTimestamp: z.optional(z.nullable(z.string())),
  }),
  type: z.optional(z.string()),
  data: stringMap,
});
export type Secret = z.infer<typeof secretSchema>;

const secretListSchema = z.looseObject({ items: z.optional(z.nullable(z.array(secretSchema))) });

export interface TokenSecretData {
  readonly token: string;
  /** PEM text of data["ca.crt"], if the Secret has one. */
  readonly caPem?: string | undefined;
  /** data.namespace, if present. */
  readonly namespace?: string | undefined;
}

export type TokenSecretState =
  | { readonly populated: true; readonly data: TokenSecretData }
  | { readonly populated: false };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Strict standard base64 (what the API server emits for `data`). Buffer.from(x, 'base64') silently
 * skips bad characters and truncates, which turns a damaged Secret into a garbage token; we refuse.
 */
export function decodeBase64Strict(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!BASE64.test(compact)) return undefined;
  const bytes = Buffer.from(compact, 'base64');
  return bytes.toString('base64') === compact ? bytes : undefined;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** Pure: what a Secret object holds for us. Throws for a wrong type or undecodable data. */
export function interpretTokenSecret(secret: Secret, where: string): TokenSecretState {
  if (secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE) {
    throw new CliError('ERR_SECRET_WRONG_TYPE', `secret ${where} has type ${secret.type ?? '(none)'}, not ${SERVICE_ACCOUNT_TOKEN_TYPE}`, {
      hint: `pick the Secret annotated ${SERVICE_ACCOUNT_NAME_ANNOTATION} for your account (kubectl get secrets --field-selector type=${SERVICE_ACCOUNT_TOKEN_TYPE}), or use from-serviceaccount`,
    });
  }
  const data = secret.data ?? {};
  const decode = (key: string): string | undefined => {
    const raw = data[key];
    if (raw === undefined || raw === '') return undefined;
    const bytes = decodeBase64Strict(raw);
    if (bytes === undefined) {
      throw new CliError('ERR_SECRET_BAD_DATA', `secret ${where}: data["${key}"] is not valid base64`, {
        hint: 'the Secret was edited by hand or damaged; delete it and let the token controller create a fresh one',
      });
    }
    return bytes.toString('utf8');
  };
  const raw = decode('token');
  const token = raw === undefined ? undefined : trimGoSpace(raw);
  if (token === undefined || token === '') return { populated: false };
  if (hasInnerWhiteSpace(token)) {
    throw new CliError('ERR_SECRET_BAD_DATA', `secret ${where}: data["token"] contains whitespace`, {
      hint: 'a service-account token is one line; the Secret holds something else',
    });
  }
  // The token controller writes visible ASCII; anything else would be written into the kubeconfig
  // and fail there (a control character: net/http refuses the header; the rest: a 401).
  const foreign = describeNonTokenCharacter(token);
  if (foreign !== undefined) {
    throw new CliError('ERR_SECRET_BAD_DATA', `secret ${where}: data["token"] is not a token: it contains ${foreign}`, {
      hint: 'a service-account token is visible ASCII; the Secret holds something else',
    });
  }
  const caPem = decode('ca.crt');
  if (caPem !== undefined && !PEM_CERTIFICATE.test(caPem)) {
    throw new CliError('ERR_SECRET_BAD_DATA', `secret ${where}: data["ca.crt"] holds no PEM certificate`);
  }
  const namespace = decode('namespace')?.trim();
  return { populated: true, data: { token, caPem, namespace: namespace === '' ? undefined : namespace } };
}

/** `-n NS`, or nothing: kubectl then uses its own current namespace (the context's, or in a pod the pod's). */
export function namespaceArgs(namespace: string | undefined): readonly string[] {
  return namespace === undefined ? [] : ['-n', namespace];
}

export async function getSecret(deps: KubectlDeps, target: KubectlTarget, namespace: string | undefined, name: string): Promise<Secret> {
  const outcome = await runKubectl(deps, target, ['get', 'secret', name, ...namespaceArgs(namespace), '-o', 'json']);
  const listCommand = `kubectl get secrets${namespace === undefined ? '' : ` -n ${namespace}`}`;
  if (!outcome.ok) {
    switch (outcome.kind) {
      case 'not-found':
        throw kubectlFailure(outcome, 'ERR_SECRET_NOT_FOUND', `check the name and namespace: ${listCommand}`);
      case 'forbidden':
        throw kubectlFailure(outcome, 'ERR_KUBECTL_FAILED', 'the source context may not read this Secret; it needs get on secrets (README: "In CI" → "RBAC")');
      case 'unauthorized':
      case 'already-exists':
      case 'invalid':
      case 'unreachable':
      case 'credential-plugin':
      case 'other':
        throw kubectlFailure(outcome);
    }
  }
  return parseKubectlJson(outcome.stdout, secretSchema, outcome.command);
}

export interface WaitOptions {
  readonly waitMs: number;
  /** Called once when the Secret is found empty and we start polling. */
  readonly onWaiting?: () => void;
  /**
   * True once the run is refused for another reason (the source context's server, read alongside):
   * polling stops instead of waiting out waitMs for an answer nobody will use.
   */
  readonly abandoned?: () => boolean;
}

/** Ends the polling once it is abandoned; the caller reports its own reason instead of this. */
function stopIfAbandoned(options: WaitOptions, where: string): void {
  if (options.abandoned?.()) throw new CliError('ERR_SECRET_NOT_POPULATED', `stopped waiting for secret ${where}: the run was refused`);
}

/**
 * Reads the Secret until the token controller (kube-controller-manager tokens_controller.go
 * syncSecret) has filled in data.token. No SLA exists for that, so poll with backoff up to waitMs.
 */
export async function readPopulatedTokenSecret(
  deps: KubectlDeps & Pick<Deps, 'now' | 'sleep'>,
  target: KubectlTarget,
  namespace: string | undefined,
  name: string,
  options: WaitOptions,
): Promise<{ readonly secret: Secret; readonly data: TokenSecretData; readonly waitedMs: number }> {
  const started = deps.now().getTime();
  let delay = 250;
  let announced = false;
  let seen: Secret | undefined;
  for (;;) {
    const secret = await getSecret(deps, target, namespace, name).catch((error: unknown) => {
      throw seen !== undefined && isCliError(error) && error.code === 'ERR_SECRET_NOT_FOUND' ? disappeared(seen, namespace, name, error) : error;
    });
    seen = secret;
    const where = `${secret.metadata.namespace ?? namespace ?? ''}/${name}`.replace(/^\//, '');
    const state = interpretTokenSecret(secret, where);
    if (state.populated) return { secret, data: state.data, waitedMs: deps.now().getTime() - started };
    stopIfAbandoned(options, where);
    const elapsed = deps.now().getTime() - started;
    if (elapsed >= options.waitMs) {
      throw new CliError(
        'ERR_SECRET_NOT_POPULATED',
        options.waitMs === 0
          ? `secret ${where} has no token yet`
          : `secret ${where} still has no token after ${formatDuration(options.waitMs)}`,
        {
          hint:
            options.waitMs === 0
              ? 'the token controller fills it in shortly after creation; retry with --wait 30s'
              : 'check that the service account exists (the controller deletes Secrets for missing accounts) and that kube-controller-manager runs the token controller',
        },
      );
    }
    if (!announced) {
      announced = true;
      options.onWaiting?.();
    }
    await deps.sleep(Math.min(delay, options.waitMs - elapsed));
    stopIfAbandoned(options, where);
    delay = Math.min(delay * 2, 2000);
  }
}

/**
 * The Secret was there, empty, and then gone: the token controller deletes a token Secret whose
 * service account does not exist (tokens_controller.go; kubernetes/kubernetes#111556), which the
 * generic NotFound hint ("check the name") would not tell.
 */
function disappeared(seen: Secret, namespace: string | undefined, name: string, cause: CliError): CliError {
  const where = `${seen.metadata.namespace ?? namespace ?? ''}/${name}`.replace(/^\//, '');
  const account = seen.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION];
  return new CliError('ERR_SECRET_NOT_FOUND', `secret ${where} was deleted while waiting for its token`, {
    hint:
      account === undefined
        ? 'the token controller deletes a token Secret that names no existing service account (annotation kubernetes.io/service-account.name)'
        : `the token controller deletes a token Secret whose service account is missing: check that serviceaccount ${account} exists (kubectl get serviceaccount ${account}${seen.metadata.namespace === undefined ? '' : ` -n ${seen.metadata.namespace}`})`,
    cause,
  });
}

/** Secrets of type service-account-token annotated for this account, usable ones first. */
export async function listTokenSecretsFor(
  deps: KubectlDeps,
  target: KubectlTarget,
  namespace: string,
  serviceAccount: string,
): Promise<readonly Secret[]> {
  // Only token Secrets, selected by the API server (secret strategy.go SelectableFields: `type`):
  // listing them all brought every Secret's data of the namespace, and Helm keeps each release
  // revision in a Secret of up to 1 MiB, so a busy namespace passed the 16 MiB we read (exit 4).
  const outcome = await runKubectl(deps, target, ['get', 'secrets', '-n', namespace, '--field-selector', `type=${SERVICE_ACCOUNT_TOKEN_TYPE}`, '-o', 'json']);
  if (!outcome.ok) {
    throw kubectlFailure(
      outcome,
      'ERR_KUBECTL_FAILED',
      outcome.kind === 'forbidden' ? `--long-lived needs list on secrets in ${namespace} (README: "In CI" → "RBAC")` : undefined,
    );
  }
  const list = parseKubectlJson(outcome.stdout, secretListSchema, outcome.command);
  return selectTokenSecrets(list.items ?? [], serviceAccount);
}

/**
 * Pure: the account's token Secrets that are not invalidated by the cleaner, populated ones first,
 * newest first within each group (an older populated one may be the auto-generated legacy token).
 */
export function selectTokenSecrets(items: readonly Secret[], serviceAccount: string): readonly Secret[] {
  const candidates = items.filter(
    (secret) =>
      secret.type === SERVICE_ACCOUNT_TOKEN_TYPE &&
      secret.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION] === serviceAccount &&
      secret.metadata.labels?.[INVALID_SINCE_LABEL] === undefined,
  );
  const populated = (secret: Secret) => (secret.data?.['token'] ?? '') !== '';
  return [...candidates].sort((a, b) => {
    if (populated(a) !== populated(b)) return populated(a) ? -1 : 1;
    return (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');
  });
}

/** The manifest of kubernetes docs "Manually create a long-lived API token for a ServiceAccount". */
export function longLivedSecretManifest(namespace: string, name: string, serviceAccount: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      annotations: { [SERVICE_ACCOUNT_NAME_ANNOTATION]: serviceAccount },
      labels: { 'app.kubernetes.io/managed-by': 'sa-kubeconfig' },
    },
    type: SERVICE_ACCOUNT_TOKEN_TYPE,
  });
}

/** `<sa>-long-lived-token`, cut to the 253 characters a Secret name may have. */
export function longLivedSecretName(serviceAccount: string): string {
  return `${serviceAccount.slice(0, 253 - '-long-lived-token'.length)}-long-lived-token`;
}

/** Creates the Secret through `kubectl create -f -` (manifest on stdin). An existing one of that name is reused. */
export async function createLongLivedSecret(
  deps: KubectlDeps,
  target: KubectlTarget,
  namespace: string,
  serviceAccount: string,
): Promise<{ readonly name: string; readonly created: boolean }> {
  const name = longLivedSecretName(serviceAccount);
  const outcome = await runKubectl(deps, target, ['create', '-f', '-', '-n', namespace, '-o', 'json', '--validate=false'], {
    stdin: longLivedSecretManifest(namespace, name, serviceAccount),
  });
  if (outcome.ok) return { name, created: true };
  if (outcome.kind === 'already-exists') return { name, created: false };
  throw kubectlFailure(
    outcome,
    'ERR_KUBECTL_FAILED',
    outcome.kind === 'forbidden' ? `--long-lived needs create on secrets in ${namespace} (README: "In CI" → "RBAC")` : undefined,
  );
}
