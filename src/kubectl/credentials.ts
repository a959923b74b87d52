// The two ways the kubectl-based commands obtain a service account's credentials, as plain
// functions over kubectl calls: from a named token Secret (from-secret), or minted through
// TokenRequest / a long-lived token Secret (from-serviceaccount). Commands only parse flags and
// render; everything they learn is returned here as data.
import type { Deps } from '../deps.js';
import { CliError } from '../errors.js';
import { readPopulatedTokenSecret, listTokenSecretsFor, createLongLivedSecret, SERVICE_ACCOUNT_NAME_ANNOTATION, interpretTokenSecret, type Secret, type TokenSecretData } from './secret.js';
import { getServiceAccount, listsSecret } from './service-account.js';
import { readRootCaConfigMap, ROOT_CA_CONFIGMAP } from './root-ca.js';
import { readSourceContext, serverReachabilityWarning, type SourceContext } from './source-context.js';
import { requestToken } from './token-request.js';
import type { KubectlTarget } from './run.js';

export type FlowDeps = Pick<Deps, 'spawn' | 'env' | 'now' | 'sleep'>;

export interface FlowHooks {
  /** Register a secret for redaction the moment it is known. */
  readonly onSecret: (secret: string) => void;
  readonly warn: (message: string) => void;
  /** Progress for humans on stderr (e.g. "waiting for the token controller"). */
  readonly note: (message: string) => void;
}

export interface Destination {
  readonly server: string;
  readonly namespace: string;
  readonly tlsServerName?: string | undefined;
  readonly proxyUrl?: string | undefined;
  /** The source context's CA, when the server written is the source context's server. */
  readonly sourceCaPem?: string | undefined;
  readonly sourceContext?: string | undefined;
  /** Loopback or cluster-internal server: said once the credentials are in hand, not before an error. */
  readonly reachabilityWarning?: string | undefined;
}

/**
 * Server and namespace for the new entries: the flags, else the source context's (keeping its
 * tls-server-name and proxy-url, which belong to that server), else "default" for the namespace.
 */
export async function resolveDestination(
  deps: FlowDeps,
  target: KubectlTarget,
  flags: { readonly namespace?: string | undefined; readonly server?: string | undefined },
): Promise<Destination> {
  const source: SourceContext | undefined = await readSourceContext(deps, target);
  const server = flags.server ?? source?.server;
  if (server === undefined || server === '') {
    throw new CliError('ERR_USAGE', 'cannot tell which server to write: kubectl has no current context', {
      hint: 'pass --server https://HOST[:PORT], or --source-context NAME',
    });
  }
  const sameServer = source?.server !== undefined && sameUrl(source.server, server);
  return {
    server,
    namespace: flags.namespace ?? source?.namespace ?? 'default',
    ...(sameServer
      ? { tlsServerName: source.tlsServerName, proxyUrl: source.proxyUrl, sourceCaPem: source.caPem }
      : {}),
    sourceContext: source?.contextName,
    reachabilityWarning: serverReachabilityWarning(server),
  };
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

export type CredentialSource = 'secret' | 'token-request' | 'existing-secret' | 'created-secret';

export interface ServiceAccountCredentials {
  readonly token: string;
  readonly caPem?: string | undefined;
  /** Where the CA came from, for the summary. */
  readonly caSource: 'secret' | 'source-context' | 'configmap' | 'none';
  readonly namespace: string;
  readonly source: CredentialSource;
  readonly secretName?: string | undefined;
  /** From the Secret's annotation, when there is one. */
  readonly serviceAccount?: string | undefined;
}

const LEGACY_CLEANUP_WARNING =
  'auto-generated legacy tokens that go unused for a year are invalidated and deleted (Kubernetes 1.29+); prefer from-serviceaccount (short-lived) or a manually created Secret';

/** from-secret: the named Secret, decoded strictly, waited for when asked. */
export async function credentialsFromSecret(
  deps: FlowDeps,
  target: KubectlTarget,
  destination: Destination,
  input: { readonly name: string; readonly waitMs: number },
  hooks: FlowHooks,
): Promise<ServiceAccountCredentials> {
  const { secret, data } = await readPopulatedTokenSecret(deps, target, destination.namespace, input.name, {
    waitMs: input.waitMs,
    onWaiting: () => hooks.note(`waiting up to ${Math.round(input.waitMs / 1000)}s for the token controller to fill in secret ${destination.namespace}/${input.name}`),
  });
  hooks.onSecret(data.token);
  const serviceAccount = secret.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION];
  const ca = pickSecretCa(data.caPem, destination);
  return {
    token: data.token,
    ...ca,
    namespace: data.namespace ?? destination.namespace,
    source: 'secret',
    secretName: input.name,
    serviceAccount,
  };
}

/**
 * A legacy token is cleaned up only when auto-generated, i.e. listed in the account's `secrets`
 * (legacy_serviceaccount_token_cleaner.go). One cheap lookup tells; if we may not read the
 * account, warn in general terms.
 */
export async function legacyTokenWarning(
  deps: FlowDeps,
  target: KubectlTarget,
  namespace: string,
  serviceAccount: string | undefined,
  secretName: string,
): Promise<string | undefined> {
  if (serviceAccount === undefined) return `secret ${namespace}/${secretName} holds a legacy token; ${LEGACY_CLEANUP_WARNING}`;
  try {
    const account = await getServiceAccount(deps, target, namespace, serviceAccount);
    if (!listsSecret(account, secretName)) return undefined;
    return `secret ${namespace}/${secretName} holds an auto-generated legacy token (listed in serviceaccount ${serviceAccount}); ${LEGACY_CLEANUP_WARNING}`;
  } catch {
    return `secret ${namespace}/${secretName} holds a legacy token; if it was auto-generated, ${LEGACY_CLEANUP_WARNING}`;
  }
}

function pickSecretCa(
  secretCaPem: string | undefined,
  destination: Destination,
): Pick<ServiceAccountCredentials, 'caPem' | 'caSource'> {
  if (secretCaPem !== undefined) return { caPem: secretCaPem, caSource: 'secret' };
  if (destination.sourceCaPem !== undefined) return { caPem: destination.sourceCaPem, caSource: 'source-context' };
  return { caSource: 'none' };
}

/** from-serviceaccount: a TokenRequest token, CA from the source context or kube-root-ca.crt. */
export async function credentialsFromTokenRequest(
  deps: FlowDeps,
  target: KubectlTarget,
  destination: Destination,
  input: { readonly name: string; readonly durationSeconds?: number | undefined; readonly audiences: readonly string[] },
  hooks: FlowHooks,
): Promise<ServiceAccountCredentials> {
  const token = await requestToken(deps, target, {
    namespace: destination.namespace,
    serviceAccount: input.name,
    durationSeconds: input.durationSeconds,
    audiences: input.audiences,
  });
  hooks.onSecret(token);
  const ca = await pickClusterCa(deps, target, destination, hooks);
  return { token, ...ca, namespace: destination.namespace, source: 'token-request', serviceAccount: input.name };
}

async function pickClusterCa(
  deps: FlowDeps,
  target: KubectlTarget,
  destination: Destination,
  hooks: Pick<FlowHooks, 'warn'>,
): Promise<Pick<ServiceAccountCredentials, 'caPem' | 'caSource'>> {
  if (destination.sourceCaPem !== undefined) return { caPem: destination.sourceCaPem, caSource: 'source-context' };
  const rootCa = await readRootCaConfigMap(deps, target, destination.namespace);
  if (rootCa.found) return { caPem: rootCa.pem, caSource: 'configmap' };
  hooks.warn(
    `no CA for ${destination.server}: the source context names none and configmap ${destination.namespace}/${ROOT_CA_CONFIGMAP} is unavailable (${rootCa.reason}); the kubeconfig trusts the system roots only`,
  );
  return { caSource: 'none' };
}

/**
 * from-serviceaccount --long-lived: reuse a populated token Secret annotated for the account
 * (skipping ones the cleaner invalidated), else create one — after checking the account exists,
 * because the token controller deletes Secrets of missing accounts (kubernetes/kubernetes#111556)
 * — and wait for the controller to fill it in.
 */
export async function credentialsFromLongLivedSecret(
  deps: FlowDeps,
  target: KubectlTarget,
  destination: Destination,
  input: { readonly name: string; readonly waitMs: number },
  hooks: FlowHooks,
): Promise<ServiceAccountCredentials> {
  const namespace = destination.namespace;
  const account = await getServiceAccount(deps, target, namespace, input.name);
  const candidates = await listTokenSecretsFor(deps, target, namespace, input.name);
  let chosen: { readonly secret: Secret; readonly data: TokenSecretData } | undefined;
  for (const candidate of candidates) {
    try {
      const state = interpretTokenSecret(candidate, `${namespace}/${candidate.metadata.name}`);
      if (state.populated) {
        chosen = { secret: candidate, data: state.data };
        break;
      }
    } catch {
      // a damaged Secret is skipped; another (or a new one) serves
    }
  }
  let source: CredentialSource = 'existing-secret';
  let secretName = chosen?.secret.metadata.name ?? candidates[0]?.metadata.name;
  if (secretName === undefined) {
    const created = await createLongLivedSecret(deps, target, namespace, input.name);
    secretName = created.name;
    source = created.created ? 'created-secret' : 'existing-secret';
  }
  const waitingFor = secretName;
  const data =
    chosen?.data ??
    (
      await readPopulatedTokenSecret(deps, target, namespace, waitingFor, {
        waitMs: input.waitMs,
        onWaiting: () => hooks.note(`waiting up to ${Math.round(input.waitMs / 1000)}s for the token controller to fill in secret ${namespace}/${waitingFor}`),
      })
    ).data;
  hooks.onSecret(data.token);
  if (listsSecret(account, secretName)) {
    hooks.warn(`secret ${namespace}/${secretName} holds an auto-generated legacy token (listed in serviceaccount ${input.name}); ${LEGACY_CLEANUP_WARNING}`);
  }
  const ca = data.caPem !== undefined ? { caPem: data.caPem, caSource: 'secret' as const } : await pickClusterCa(deps, target, destination, hooks);
  return { token: data.token, ...ca, namespace, source, secretName, serviceAccount: input.name };
}
