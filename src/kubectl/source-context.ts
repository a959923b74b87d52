// The source context: the kubeconfig context kubectl itself uses for our calls (--source-kubeconfig,
// --source-context, else KUBECONFIG / ~/.kube/config and current-context). We ask kubectl rather
// than re-implement its loading so both always agree. `config view --minify --raw --flatten`
// contacts no server, and --flatten embeds a `certificate-authority` file as data, resolved
// against the kubeconfig that defined it (client-go api/helpers.go FlattenConfig uses the
// stanza's LocationOfOrigin as base directory).
import type { Deps } from '../deps.js';
import { CliError, errnoCode } from '../errors.js';
import { DEFAULT_SA_DIR, inClusterPossible, trimGoSpace, validateNamespace } from '../serviceaccount/read.js';
import type { Kubeconfig } from '../kubeconfig/schema.js';
import { parseKubectlJson, runKubectl, kubectlFailure, type KubectlDeps, type KubectlTarget } from './run.js';

export interface SourceContext {
  readonly contextName: string;
  /** The context's namespace, or "default" (client-go DirectClientConfig.Namespace). */
  readonly namespace: string;
  /** Whether the context names a namespace: without one, kubectl in a pod uses the pod's (currentNamespace). */
  readonly namespaceNamed: boolean;
  readonly server?: string | undefined;
  readonly tlsServerName?: string | undefined;
  readonly proxyUrl?: string | undefined;
  /** PEM text of the CA the source context trusts, if it names one. */
  readonly caPem?: string | undefined;
  readonly insecureSkipTlsVerify: boolean;
  /** The cluster has no server, and kubectl has nothing else to use but http://localhost:8080. */
  readonly serverless?: boolean;
}

/**
 * kubectl's line without text of the kubeconfig that go-yaml quotes: an unquoted token that starts
 * with "*" is an alias, and `yaml: unknown anchor 'TOKEN' referenced` would print it (as our own
 * reader's messages do not: codec.ts withoutValueText). go-yaml's type errors quote a value
 * between backquotes.
 */
export function withoutDocumentText(line: string): string {
  return line.replace(/unknown anchor '[^']*' referenced/g, 'unknown anchor referenced (its name is not shown: an unquoted value that starts with "*" is read as one; it may be a secret)').replace(/`[^`]*`/g, '`…`');
}

/**
 * Undefined when kubectl has no current context but still a server: in a pod the in-cluster
 * config (client-go merged_client_builder.go, inClusterClientConfig.Possible: both
 * KUBERNETES_SERVICE_* variables set and the mounted token a file), or $KUBERNETES_MASTER.
 * Anywhere else kubectl would talk to http://localhost:8080 and fail with "The connection to the
 * server localhost:8080 was refused", which does not say why: that is an error here, naming the
 * cause.
 */
export async function readSourceContext(deps: KubectlDeps & Pick<Deps, 'fs'>, target: KubectlTarget): Promise<SourceContext | undefined> {
  const outcome = await runKubectl(deps, target, ['config', 'view', '--minify', '--raw', '--flatten', '-o', 'json']);
  if (!outcome.ok) {
    // `config view` takes a missing --kubeconfig for an empty one ("current-context must exist in
    // order to minify"), but every other kubectl call refuses it (client-go loader.go: "stat FILE:
    // no such file or directory"), and so does the call made beside this one: say so.
    if (target.kubeconfig !== undefined && target.kubeconfig !== '' && (await isMissing(deps, target.kubeconfig))) {
      throw new CliError('ERR_KUBECONFIG_NOT_FOUND', `source kubeconfig ${target.kubeconfig} does not exist`, {
        hint: 'check the --source-kubeconfig path (kubectl reads only that file when it is given one)',
      });
    }
    // kubectl config view.go: "current-context must exist in order to minify"
    if (/current-context must exist/.test(outcome.line) && target.context === undefined) {
      // kubectl still has a server then: the in-cluster one, or $KUBERNETES_MASTER (ClusterDefaults).
      if (deps.env['KUBERNETES_MASTER'] || (await inClusterPossible(deps))) return undefined;
      throw new CliError('ERR_CONTEXT_NOT_FOUND', `kubectl has no current context in ${describeKubeconfig(target, deps.env)}, so it has no cluster to ask`, {
        hint: `pass --source-context NAME (kubectl config get-contexts lists them)${target.kubeconfig === undefined ? ', or --source-kubeconfig FILE' : ''}`,
      });
    }
    // kubectl could not load the source kubeconfig: bad local input, as for our own files (exit 3).
    if (/error loading config file/.test(outcome.line)) {
      throw kubectlFailure({ ...outcome, line: withoutDocumentText(outcome.line) }, 'ERR_KUBECONFIG_MALFORMED', 'fix the source kubeconfig (kubectl config view shows the same error), or pass --source-kubeconfig FILE');
    }
    // A context (named by --source-context or by current-context) or the cluster or user it
    // names, missing from the kubeconfig: bad local input, as for our own kubeconfigs.
    if (/cannot locate (context|cluster|user)|context .* does not exist|no context exists|context was not found/.test(outcome.line)) {
      throw kubectlFailure(outcome, 'ERR_CONTEXT_NOT_FOUND', 'list the contexts kubectl knows with kubectl config get-contexts (and --source-kubeconfig FILE)');
    }
    throw kubectlFailure(outcome);
  }
  // The schema comes with codec.ts, which the CLI loads as a bundle of its own (scripts/build.mjs).
  const { kubeconfigSchemas } = await import('../kubeconfig/codec.js');
  const config = parseKubectlJson(outcome.stdout, kubeconfigSchemas().kubeconfigSchema, outcome.command);
  const source = sourceContextFromMinified(config);
  if (source === undefined || source.server) return source;
  // A cluster without a server: kubectl fills in $KUBERNETES_MASTER (client-go ClusterDefaults),
  // or in a pod falls back to the in-cluster config, or else asks http://localhost:8080. Only
  // the last is marked: if the call then fails, the cause is this (credentials.ts).
  const master = deps.env['KUBERNETES_MASTER'];
  if (master) return { ...source, server: master };
  if (await inClusterPossible(deps)) return { ...source, server: undefined };
  return { ...source, server: undefined, serverless: true };
}

/** The error to give when a call failed and the source context has no server (serverless). */
export function serverlessSourceError(source: SourceContext, cause: unknown): CliError {
  return new CliError('ERR_CONFIG_INVALID', `the cluster of source context "${source.contextName}" has no server, so kubectl asked http://localhost:8080`, {
    hint: 'set it with kubectl config set-cluster NAME --server=https://HOST:PORT, or pass --source-context NAME',
    cause,
  });
}

async function isMissing(deps: Pick<Deps, 'fs'>, path: string): Promise<boolean> {
  try {
    await deps.fs.stat(path);
    return false;
  } catch (error) {
    const code = errnoCode(error);
    return code === 'ENOENT' || code === 'ENOTDIR';
  }
}

/**
 * The environment as it decides kubectl's server: client-go's in-cluster config needs the mounted
 * token as well as KUBERNETES_SERVICE_HOST/PORT (rest.InClusterConfig), and without it kubectl
 * goes on to $KUBERNETES_MASTER; so without the token the variables are left out.
 */
export async function serverEnvironment(deps: Pick<Deps, 'env' | 'fs'>): Promise<Readonly<Record<string, string | undefined>>> {
  if (!deps.env['KUBERNETES_SERVICE_HOST'] || !deps.env['KUBERNETES_SERVICE_PORT'] || (await inClusterPossible(deps))) return deps.env;
  return { ...deps.env, KUBERNETES_SERVICE_HOST: undefined, KUBERNETES_SERVICE_PORT: undefined };
}

export interface CurrentNamespace {
  readonly namespace: string;
  /** Where kubectl took it from, for messages. */
  readonly from: 'context' | 'pod' | 'default';
}

/**
 * kubectl's current namespace, the one it uses without -n (client-go merged_client_builder.go
 * DeferredLoadingClientConfig.Namespace): the namespace the source context names; else, where the
 * in-cluster config is possible (a pod), the pod's (inClusterClientConfig.Namespace: POD_NAMESPACE,
 * then the mounted namespace file, trimmed); else "default". This holds with a kubeconfig too: a
 * context that names no namespace is the pod's namespace to kubectl in a pod, not "default".
 */
export async function currentNamespace(deps: Pick<Deps, 'env' | 'fs'>, source: SourceContext | undefined): Promise<CurrentNamespace> {
  if (source?.namespaceNamed) return { namespace: source.namespace, from: 'context' };
  if (!(await inClusterPossible(deps))) return { namespace: 'default', from: source === undefined ? 'default' : 'context' };
  const fromEnv = deps.env['POD_NAMESPACE'];
  if (fromEnv) return { namespace: validateNamespace(fromEnv, 'POD_NAMESPACE'), from: 'pod' };
  const file = `${DEFAULT_SA_DIR}/namespace`;
  let text = '';
  try {
    text = trimGoSpace(await deps.fs.readFile(file, 'utf8'));
  } catch {
    // client-go: a namespace file that cannot be read is "default"
  }
  return text === '' ? { namespace: 'default', from: 'pod' } : { namespace: validateNamespace(text, file), from: 'pod' };
}

/** Which kubeconfig kubectl read, as the user would name it (client-go's loading rules). */
function describeKubeconfig(target: KubectlTarget, env: Readonly<Record<string, string | undefined>>): string {
  if (target.kubeconfig !== undefined) return target.kubeconfig;
  const list = env['KUBECONFIG'];
  if (list !== undefined && list !== '') return `KUBECONFIG (${list})`;
  return '~/.kube/config';
}

/** Pure: the one context of a minified, flattened kubeconfig. */
export function sourceContextFromMinified(config: Kubeconfig): SourceContext | undefined {
  const contextName = config['current-context'] ?? undefined;
  const context = config.contexts?.find((entry) => entry.name === contextName)?.context ?? undefined;
  if (contextName === undefined || contextName === '' || context === undefined) return undefined;
  const cluster = config.clusters?.find((entry) => entry.name === context.cluster)?.cluster ?? undefined;
  const caData = cluster?.['certificate-authority-data'];
  let caPem: string | undefined;
  if (caData !== undefined && caData !== '') {
    caPem = Buffer.from(caData, 'base64').toString('utf8');
    if (!caPem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new CliError('ERR_CONFIG_INVALID', `cluster ${context.cluster ?? ''} of context ${contextName}: certificate-authority-data holds no PEM certificate`);
    }
  }
  return {
    contextName,
    namespace: context.namespace === undefined || context.namespace === '' ? 'default' : context.namespace,
    namespaceNamed: context.namespace !== undefined && context.namespace !== '',
    server: cluster?.server,
    tlsServerName: cluster?.['tls-server-name'],
    proxyUrl: cluster?.['proxy-url'],
    caPem,
    insecureSkipTlsVerify: cluster?.['insecure-skip-tls-verify'] === true,
  };
}

/**
 * Pure: a warning when the server written is reachable only from here (loopback: kind, minikube,
 * port-forwards) or only from inside the cluster (*.svc, *.cluster.local). A kubeconfig made for
 * CI is usually used somewhere else (superbrothers/kubectl-view-serviceaccount-kubeconfig-plugin#71,
 * argoproj/argo-cd#4204).
 */
export function serverReachabilityWarning(server: string): string | undefined {
  let host: string;
  try {
    host = new URL(server).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return undefined;
  }
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)) {
    return `the server ${server} is a loopback address: the kubeconfig works only on this machine (pass --server with an address reachable from where it will be used)`;
  }
  if (host.endsWith('.svc') || host.endsWith('.cluster.local') || host === 'kubernetes' || host === 'kubernetes.default') {
    return `the server ${server} is cluster-internal: the kubeconfig works only inside the cluster (pass --server with an external address to use it elsewhere)`;
  }
  return undefined;
}
