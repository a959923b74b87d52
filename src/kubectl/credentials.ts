// The ways the kubectl-based commands obtain a service account's credentials, as plain functions
// over kubectl calls: from a named token Secret (from-secret), or minted through TokenRequest or a
// long-lived token Secret (from-serviceaccount). Each returns where to point the kubeconfig
// (destination) and what to put in it (credentials); commands only parse flags and render.
// Calls that do not depend on each other run concurrently: every kubectl server call costs a
// process start plus the dispatcher's /version preflight (kubectl-on-these-machines.md).
import type { Deps } from '../deps.js';
import { formatDuration } from '../duration.js';
import { CliError, isCliError } from '../errors.js';
import { inClusterServerUrl } from '../serviceaccount/read.js';
import { decodeTokenClaims } from '../serviceaccount/token.js';
import {
  createLongLivedSecret,
  getSecret,
  interpretTokenSecret,
  listTokenSecretsFor,
  readPopulatedTokenSecret,
  selectTokenSecrets,
  SERVICE_ACCOUNT_NAME_ANNOTATION,
  type Secret,
  type TokenSecretData,
} from './secret.js';
import { getServiceAccount, listsSecret } from './service-account.js';
import { readRootCaConfigMap, ROOT_CA_CONFIGMAP } from './root-ca.js';
import { currentNamespace, readSourceContext, serverEnvironment, serverlessSourceError, serverReachabilityWarning, type CurrentNamespace, type SourceContext } from './source-context.js';
import { requestToken } from './token-request.js';
import type { KubectlTarget } from './run.js';

export type FlowDeps = Pick<Deps, 'spawn' | 'env' | 'now' | 'sleep' | 'fs'>;

export interface FlowHooks {
  /** Register a secret for redaction the moment it is known. */
  readonly onSecret: (secret: string) => void;
  readonly warn: (message: string) => void;
  /** Progress for humans on stderr (e.g. "waiting for the token controller"). */
  readonly note: (message: string) => void;
}

export interface DestinationFlags {
  readonly namespace?: string | undefined;
  readonly server?: string | undefined;
}

export interface Destination {
  readonly server: string;
  readonly namespace: string;
  readonly tlsServerName?: string | undefined;
  readonly proxyUrl?: string | undefined;
  /** The source context's CA, when the server written is the source context's server. */
  readonly sourceCaPem?: string | undefined;
  readonly sourceContext?: string | undefined;
  /** The source context's server (when it has one), for saying why its CA was not used. */
  readonly sourceServer?: string | undefined;
  /** Loopback or cluster-internal server: said once the credentials are in hand, not before an error. */
  readonly reachabilityWarning?: string | undefined;
  /** The server written is the source context's, which kubectl reached with insecure-skip-tls-verify. */
  readonly sourceInsecure?: boolean | undefined;
}

export type CredentialSource = 'secret' | 'token-request' | 'existing-secret' | 'created-secret';
export type CaSource = 'secret' | 'source-context' | 'configmap' | 'none';

export interface ServiceAccountCredentials {
  readonly token: string;
  readonly caPem?: string | undefined;
  readonly caSource: CaSource;
  readonly source: CredentialSource;
  readonly secretName?: string | undefined;
  /** The account's name, from the Secret's annotation or the command line. */
  readonly serviceAccount?: string | undefined;
}

export interface Obtained {
  readonly destination: Destination;
  readonly credentials: ServiceAccountCredentials;
}

/**
 * Pure: server and namespace for the new entries. The server is --server, else the source
 * context's (keeping its tls-server-name and proxy-url, which belong to that server); the CA of
 * the source context is offered only when the server is the same.
 */
export function destinationFor(
  source: SourceContext | undefined,
  server: string | undefined,
  namespace: string,
  env: Readonly<Record<string, string | undefined>> = {},
): Destination {
  const chosen = server ?? serverKubectlUsed(source, env);
  if (chosen === undefined || chosen === '') {
    const why = source === undefined ? 'kubectl has no current context' : `the cluster of source context "${source.contextName}" has no server`;
    throw new CliError('ERR_USAGE', `cannot tell which server to write: ${why}`, {
      hint: 'pass --server https://HOST[:PORT], or --source-context NAME',
    });
  }
  checkSourceServer(source, server, env);
  const sameServer = source?.server !== undefined && trimSlash(source.server) === trimSlash(chosen);
  return {
    server: chosen,
    namespace,
    ...(sameServer ? { tlsServerName: source.tlsServerName, proxyUrl: source.proxyUrl, sourceCaPem: source.caPem } : {}),
    ...(sameServer && source.insecureSkipTlsVerify ? { sourceInsecure: true } : {}),
    sourceContext: source?.contextName,
    ...(source?.server ? { sourceServer: source.server } : {}),
    reachabilityWarning: serverReachabilityWarning(chosen),
  };
}

/** The server kubectl talked to, when --server does not name the one to write. */
function serverKubectlUsed(source: SourceContext | undefined, env: Readonly<Record<string, string | undefined>>): string | undefined {
  // No current context in a pod: kubectl falls back to the in-cluster config (client-go
  // merged_client_builder.go), so the server it talked to is the in-cluster one; elsewhere
  // $KUBERNETES_MASTER.
  const inCluster = env['KUBERNETES_SERVICE_HOST'] && env['KUBERNETES_SERVICE_PORT'] ? inClusterServerUrl(env) : undefined;
  return source?.server || inCluster || env['KUBERNETES_MASTER'];
}

/**
 * Refuses, once the source context is read, a server the kubeconfig must not name (see
 * refuseSourceServer). The flows call it as soon as the source context is in, before they look at
 * how their own kubectl call went: over http:// with nothing listening, kubectl's "connection
 * refused" (exit 4) would hide the reason, which is known without the network (exit 3). A server
 * kubectl cannot tell at all is destinationFor's to report, after the calls.
 */
export function checkSourceServer(source: SourceContext | undefined, server: string | undefined, env: Readonly<Record<string, string | undefined>>): void {
  if (server !== undefined) return;
  const chosen = serverKubectlUsed(source, env);
  if (chosen === undefined || chosen === '') return;
  refuseSourceServer(chosen, source?.server === chosen ? `source context "${source.contextName}"` : chosen === env['KUBERNETES_MASTER'] ? 'KUBERNETES_MASTER' : 'the in-cluster environment');
}

/**
 * A server not from --server (which validateServerUrl has checked) that the kubeconfig must not
 * name: with user:password@, kubectl would send that basic auth instead of the token (and the
 * summary would print it); over http (or without a scheme, which kubectl takes as http) kubectl
 * sends no credentials at all, so the kubeconfig would act as whoever answers there (a
 * `kubectl proxy` acts as its own user), not as the service account.
 */
function refuseSourceServer(chosen: string, from: string): void {
  if (chosen.includes('@')) {
    throw new CliError('ERR_CONFIG_INVALID', `the server of ${from} carries credentials (user:password@ in the URL): kubectl would send those instead of the service account's token`, {
      hint: 'pass --server https://HOST[:PORT] without credentials',
    });
  }
  if (!/^https:\/\//i.test(chosen)) {
    throw new CliError('ERR_CONFIG_INVALID', `the server of ${from} is ${JSON.stringify(chosen)}, not https://: kubectl sends no credentials over http, so the kubeconfig would not act as the service account`, {
      hint: 'pass --server https://HOST[:PORT] (the API server itself, not a kubectl proxy)',
    });
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * Awaits both; when both fail, the source-context error wins (it is the cause of the other:
 * a --source-context that does not exist fails every call).
 */
async function bothSettled<T>(
  deps: Pick<Deps, 'env' | 'fs'>,
  source: Promise<SourceContext | undefined>,
  other: (abandoned: () => boolean) => Promise<T>,
  namespaceFlag: string | undefined,
  checkSource: (source: SourceContext | undefined) => void,
): Promise<[SourceContext | undefined, T]> {
  // The source is checked as soon as it is read: a source the kubeconfig cannot use is the cause
  // whatever the other call says, and a --wait poll need not run out its time for it.
  let refused = false;
  const checked = source.then((value) => {
    if (!value?.serverless) {
      try {
        checkSource(value);
      } catch (error) {
        refused = true;
        throw error;
      }
    }
    return value;
  });
  const [first, second] = await Promise.allSettled([checked, other(() => refused)]);
  if (first.status === 'rejected') throw first.reason;
  if (second.status === 'rejected') {
    // kubectl's "connection to the server localhost:8080 was refused" says nothing of why.
    if (first.value?.serverless) throw serverlessSourceError(first.value, second.reason);
    throw namespaceFlag === undefined ? namingNamespace(second.reason, await currentNamespace(deps, first.value)) : second.reason;
  }
  return [first.value, second.value];
}

const NAMESPACE_ORIGIN: Readonly<Record<CurrentNamespace['from'], string>> = {
  context: "the source context's",
  pod: "the pod's, which kubectl uses in a pod when no source context names one",
  default: 'kubectl has no context',
};

/**
 * kubectl's `secrets "x" not found` names no namespace, and without -n it looked in its current
 * one (currentNamespace): the source context's, in a pod the pod's when the context names none,
 * else "default".
 */
function namingNamespace(error: unknown, current: CurrentNamespace): unknown {
  if (!isCliError(error) || (error.code !== 'ERR_SECRET_NOT_FOUND' && error.code !== 'ERR_SERVICEACCOUNT_NOT_FOUND')) return error;
  const where = `namespace "${current.namespace}" (${NAMESPACE_ORIGIN[current.from]}; pass -n for another)`;
  return new CliError(error.code, `${error.message}, in ${where}`, { ...(error.hint === undefined ? {} : { hint: error.hint }), cause: error });
}

const LEGACY_CLEANUP_WARNING =
  'auto-generated legacy tokens that go unused for a year are invalidated and deleted (Kubernetes 1.29+); prefer from-serviceaccount (short-lived) or a manually created Secret';

function noteWaiting(hooks: FlowHooks, waitMs: number, secret: string): void {
  hooks.note(`waiting up to ${formatDuration(waitMs)} for the token controller to fill in secret ${secret}`);
}

/** from-secret: the named Secret, decoded strictly, waited for when asked. */
export async function obtainFromSecret(
  deps: FlowDeps,
  target: KubectlTarget,
  flags: DestinationFlags,
  input: { readonly name: string; readonly waitMs: number },
  hooks: FlowHooks,
): Promise<Obtained> {
  const env = await serverEnvironment(deps);
  // Without -n, kubectl itself uses its current namespace; the Secret then says which it was.
  const [source, { secret, data }] = await bothSettled(
    deps,
    readSourceContext(deps, target),
    (abandoned) =>
      readPopulatedTokenSecret(deps, target, flags.namespace, input.name, {
        waitMs: input.waitMs,
        onWaiting: () => noteWaiting(hooks, input.waitMs, flags.namespace === undefined ? input.name : `${flags.namespace}/${input.name}`),
        abandoned,
      }),
    flags.namespace,
    (read) => checkSourceServer(read, flags.server, env),
  );
  hooks.onSecret(data.token);
  const namespace = secret.metadata.namespace ?? data.namespace ?? flags.namespace ?? (await currentNamespace(deps, source)).namespace;
  const destination = destinationFor(source, flags.server, namespace, env);
  // As --long-lived does: the ConfigMap when neither the source context nor the Secret has a CA
  // (was: none, so the same Secret got a CA through one command and not the other).
  const secretName = `${namespace}/${input.name}`;
  const ca = secretOrSourceCa(data.caPem, destination) ?? (await clusterCa(deps, target, destination, hooks, `secret ${secretName} has no ca.crt`));
  return {
    destination,
    credentials: {
      token: data.token,
      ...ca,
      source: 'secret',
      secretName: input.name,
      serviceAccount: secret.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION],
    },
  };
}

/**
 * The CA for a Secret's token: the one the source context already trusts for this very server
 * (kubectl has just verified the server with it), else the Secret's ca.crt. The Secret carries
 * the cluster's root CA, which does not verify an endpoint fronted by another certificate (a
 * proxy such as Rancher, a public load balancer: argoproj/argo-cd#21326, gardener/dashboard#1181).
 */
function secretOrSourceCa(secretCaPem: string | undefined, destination: Destination): Pick<ServiceAccountCredentials, 'caPem' | 'caSource'> | undefined {
  if (destination.sourceCaPem !== undefined) return { caPem: destination.sourceCaPem, caSource: 'source-context' };
  if (secretCaPem !== undefined) return { caPem: secretCaPem, caSource: 'secret' };
  return undefined;
}

/**
 * A failure after --long-lived created a Secret: the Secret stays (a rerun reuses it, and the
 * token controller may still fill it in), and the hint says so, with how to remove it.
 */
export function withKeptSecretHint(error: unknown, secret: string): unknown {
  if (!isCliError(error)) return error;
  const [namespace, name] = secret.split('/');
  const kept = `this run created secret ${secret}, which is kept: a rerun reuses it (kubectl delete secret ${name ?? ''} -n ${namespace ?? ''} removes it)`;
  // The same error with a longer hint (its own cause kept, so --debug does not print it twice).
  return new CliError(error.code, error.message, { hint: error.hint === undefined ? kept : `${error.hint}; ${kept}`, ...(error.cause === undefined ? {} : { cause: error.cause }) });
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
  if (serviceAccount === undefined) return `secret ${namespace}/${secretName} holds a legacy token; if it was auto-generated, ${LEGACY_CLEANUP_WARNING}`;
  try {
    const account = await getServiceAccount(deps, target, namespace, serviceAccount);
    if (!listsSecret(account, secretName)) return undefined;
    return `secret ${namespace}/${secretName} holds an auto-generated legacy token (listed in serviceaccount ${serviceAccount}); ${LEGACY_CLEANUP_WARNING}`;
  } catch {
    return `secret ${namespace}/${secretName} holds a legacy token; if it was auto-generated, ${LEGACY_CLEANUP_WARNING}`;
  }
}

/** from-serviceaccount: a TokenRequest token; CA from the source context or kube-root-ca.crt. */
export async function obtainFromTokenRequest(
  deps: FlowDeps,
  target: KubectlTarget,
  flags: DestinationFlags,
  input: { readonly name: string; readonly durationSeconds?: number | undefined; readonly audiences: readonly string[] },
  hooks: FlowHooks,
): Promise<Obtained> {
  const env = await serverEnvironment(deps);
  const [source, token] = await bothSettled(
    deps,
    readSourceContext(deps, target),
    () => requestToken(deps, target, { namespace: flags.namespace, serviceAccount: input.name, durationSeconds: input.durationSeconds, audiences: input.audiences }),
    flags.namespace,
    (read) => checkSourceServer(read, flags.server, env),
  );
  hooks.onSecret(token);
  // Without -n, kubectl used its current namespace; the token names it (claims kubernetes.io.namespace).
  const claims = await decodeTokenClaims(token);
  const namespace = flags.namespace ?? (claims.kind === 'jwt' ? claims.namespace : undefined) ?? (await currentNamespace(deps, source)).namespace;
  const destination = destinationFor(source, flags.server, namespace, env);
  const ca = await clusterCa(deps, target, destination, hooks);
  return { destination, credentials: { token, ...ca, source: 'token-request', serviceAccount: input.name } };
}

async function clusterCa(
  deps: FlowDeps,
  target: KubectlTarget,
  destination: Destination,
  hooks: Pick<FlowHooks, 'warn'>,
  /** Why a Secret's ca.crt did not serve, for the warning. */
  secretAbsence?: string,
): Promise<Pick<ServiceAccountCredentials, 'caPem' | 'caSource'>> {
  if (destination.sourceCaPem !== undefined) return { caPem: destination.sourceCaPem, caSource: 'source-context' };
  const rootCa = await readRootCaConfigMap(deps, target, destination.namespace);
  if (rootCa.found) return { caPem: rootCa.pem, caSource: 'configmap' };
  hooks.warn(
    `no CA for ${destination.server}: ${secretAbsence === undefined ? '' : `${secretAbsence}, `}${sourceCaAbsence(destination)} and configmap ${destination.namespace}/${ROOT_CA_CONFIGMAP} is unavailable (${rootCa.reason}); the kubeconfig trusts the system roots only`,
  );
  return { caSource: 'none' };
}

/** Why the source context's CA was not used: it names none, or it is for another server. */
export function sourceCaAbsence(destination: Destination): string {
  return destination.sourceServer !== undefined && trimSlash(destination.sourceServer) !== trimSlash(destination.server)
    ? `the source context's CA is for its own server (${destination.sourceServer}), not for --server`
    : 'the source context names no CA';
}

/**
 * from-serviceaccount --long-lived: reuse a populated token Secret annotated for the account
 * (skipping ones the cleaner invalidated), else create one — after checking the account exists,
 * because the token controller deletes Secrets of missing accounts (kubernetes/kubernetes#111556)
 * — and wait for the controller to fill it in.
 */
export async function obtainFromLongLivedSecret(
  deps: FlowDeps,
  target: KubectlTarget,
  flags: DestinationFlags,
  input: { readonly name: string; readonly waitMs: number },
  hooks: FlowHooks,
): Promise<Obtained> {
  const [source, env] = await Promise.all([readSourceContext(deps, target), serverEnvironment(deps)]);
  // Every call below names its namespace (-n), so it is the one kubectl would have used without -n:
  // in a pod, the pod's when the context names none (was: "default").
  const destination = destinationFor(source, flags.server, flags.namespace ?? (await currentNamespace(deps, source)).namespace, env);
  const namespace = destination.namespace;
  const [account, candidates] = await Promise.all([
    getServiceAccount(deps, target, namespace, input.name),
    listTokenSecretsFor(deps, target, namespace, input.name),
  ]).catch((error: unknown) => {
    throw source?.serverless ? serverlessSourceError(source, error) : error;
  });
  let chosen: { readonly secret: Secret; readonly data: TokenSecretData } | undefined;
  const pending: Secret[] = [];
  for (const candidate of candidates) {
    try {
      const state = interpretTokenSecret(candidate, `${namespace}/${candidate.metadata.name}`);
      if (state.populated) {
        chosen = { secret: candidate, data: state.data };
        break;
      }
      pending.push(candidate);
    } catch {
      // a damaged Secret is skipped; a pending one (or a new one) serves
    }
  }
  let taken: CredentialSource = 'existing-secret';
  let secretName = chosen?.secret.metadata.name ?? pending[0]?.metadata.name;
  if (secretName === undefined) {
    const created = await createLongLivedSecret(deps, target, namespace, input.name);
    secretName = created.name;
    taken = created.created ? 'created-secret' : 'existing-secret';
    if (!created.created) {
      // The name is taken by a Secret that was not among this account's usable token Secrets
      // (another account's, invalidated, or damaged) unless a concurrent run just created it.
      const existing = await getSecret(deps, target, namespace, created.name);
      const usable = selectTokenSecrets([existing], input.name).length === 1;
      if (!usable) {
        throw new CliError('ERR_SECRET_WRONG_TYPE', `secret ${namespace}/${created.name} already exists but is not a usable token Secret for serviceaccount ${input.name}`, {
          hint: `inspect it (kubectl get secret ${created.name} -n ${namespace} -o yaml); delete it, or read it with from-secret if it is the one you mean`,
        });
      }
    }
  }
  const waitingFor = secretName;
  const data =
    chosen?.data ??
    (
      await readPopulatedTokenSecret(deps, target, namespace, waitingFor, {
        waitMs: input.waitMs,
        onWaiting: () => noteWaiting(hooks, input.waitMs, `${namespace}/${waitingFor}`),
      }).catch((error: unknown) => {
        throw taken === 'created-secret' ? withKeptSecretHint(error, `${namespace}/${waitingFor}`) : error;
      })
    ).data;
  hooks.onSecret(data.token);
  if (listsSecret(account, secretName)) {
    hooks.warn(`secret ${namespace}/${secretName} holds an auto-generated legacy token (listed in serviceaccount ${input.name}); ${LEGACY_CLEANUP_WARNING}`);
  }
  const ca = secretOrSourceCa(data.caPem, destination) ?? (await clusterCa(deps, target, destination, hooks, `secret ${namespace}/${secretName} has no ca.crt`));
  return { destination, credentials: { token: data.token, ...ca, source: taken, secretName, serviceAccount: input.name } };
}
