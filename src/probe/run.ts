// The probe's entry points, loaded lazily by src/commands/probe.ts (and by init/from-* --probe):
// resolve the target(s), run the stages, render, return the exit code.
import type { CommandContext } from '../context.js';
import { CliError, ExitCode, errorExitCodes, isCliError } from '../errors.js';
import { loadKubeconfigs, resolveContext, type LoadedKubeconfigs, type ResolvedContext } from '../kubeconfig/load.js';
import { colorAllowed, createPainter, renderJson, type OutputFormat } from '../output.js';
import { DEFAULT_SA_DIR, inClusterServerUrl, readServiceAccountDir, whyNotInCluster } from '../serviceaccount/read.js';
import { nodeNetwork } from './connect.js';
import { createApiClient } from './http.js';
import { allContextsJson, probeJson, renderAllContextsText, renderProbeText } from './render.js';
import { combinedExitCode, probeExitCode, type ProbeResult } from './result.js';
import { probeTarget, type ProbeDeps, type ProbeOptions } from './stages.js';
import type { ProbeTarget } from './target.js';

export const DEFAULT_PROBE_TIMEOUT_MS = 5000;
/** --all-contexts probes this many contexts at once. */
export const ALL_CONTEXTS_CONCURRENCY = 16;

export interface RunProbeOptions {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly allContexts?: boolean | undefined;
  readonly inCluster?: boolean | undefined;
  readonly saDir?: string | undefined;
  readonly server?: string | undefined;
  readonly namespace?: string | undefined;
  readonly path?: string | undefined;
  readonly timeoutMs?: number | undefined;
  readonly output?: OutputFormat | undefined;
}

export async function runProbe(ctx: CommandContext, options: RunProbeOptions): Promise<ExitCode> {
  checkFlagCombination(options);
  const { deps } = ctx;
  const probeDeps = createProbeDeps(ctx);
  const base = {
    timeoutMs: options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
    namespace: options.namespace,
    path: options.path,
    secrets: ctx.secrets,
  };
  const paint = createPainter(colorAllowed(deps.isTTY.stdout, deps.env));
  const output = options.output ?? 'text';

  if (options.allContexts) {
    let loaded: LoadedKubeconfigs;
    let names: string[];
    try {
      loaded = await loadKubeconfigs(deps, options.kubeconfig, { readOnly: true });
      names = [...loaded.merged.contexts.keys()].sort();
      if (names.length === 0) {
        throw new CliError('ERR_CONTEXT_NOT_FOUND', 'the kubeconfig has no contexts to probe', { hint: `looked in ${loaded.precedence.join(', ') || '(no files)'}` });
      }
    } catch (error) {
      // -o json promises a document whatever happens, as a single-context probe prints one with a
      // failed config stage; no context was probed, so results is empty and error says why.
      if (output !== 'json' || !isCliError(error)) throw error;
      const exitCode = errorExitCodes[error.code];
      deps.stdout(renderJson(allContextsJson([], exitCode, { code: error.code, message: error.message, hint: error.hint })));
      return exitCode;
    }
    // Per-context warnings are in each row; a stream of stderr lines for 200 contexts helps no one.
    const quiet: ProbeOptions = { ...base, warn: () => {} };
    const results = await mapBounded(names, ALL_CONTEXTS_CONCURRENCY, (name) =>
      probeTarget(probeDeps, name, () => Promise.resolve().then(() => targetFromContext(resolveContext(loaded.merged, name))), quiet),
    );
    const exitCode = combinedExitCode(results);
    deps.stdout(output === 'json' ? renderJson(allContextsJson(results, exitCode)) : renderAllContextsText(results, paint));
    return exitCode;
  }

  const probeOptions: ProbeOptions = { ...base, warn: ctx.warn };
  let result: ProbeResult;
  let fellBack = false;
  if (options.inCluster) {
    const saDir = options.saDir ?? DEFAULT_SA_DIR;
    result = await probeTarget(probeDeps, 'in-cluster', async () => inClusterTarget(ctx, saDir, options.server), probeOptions);
  } else {
    let loaded: LoadedKubeconfigs | undefined;
    const label = options.context ?? 'current context';
    result = await probeTarget(
      probeDeps,
      label,
      async () => {
        loaded = await loadKubeconfigs(deps, options.kubeconfig, { readOnly: true });
        // kubectl with no current context (no kubeconfig at all, the usual case in a pod) uses the
        // in-cluster config when it is possible (client-go DeferredLoadingClientConfig: an empty
        // config, then inClusterClientConfig.Possible()); so does the probe, as --in-cluster would.
        const notInCluster = options.context === undefined && !loaded.merged.currentContext ? await whyNotInCluster(deps) : 'a context is set';
        if (notInCluster === undefined) {
          fellBack = true;
          return inClusterTarget(ctx, DEFAULT_SA_DIR, undefined);
        }
        // In what looks like a pod (the kubelet sets KUBERNETES_SERVICE_HOST in every one), a first
        // run's hint says why the fallback was not possible.
        const podReason = options.context === undefined && !loaded.merged.currentContext && deps.env['KUBERNETES_SERVICE_HOST'] ? notInCluster : undefined;
        return targetFromContext(resolveContext(loaded.merged, options.context, loaded.files, podReason));
      },
      probeOptions,
    );
    const current = loaded?.merged.currentContext;
    if (fellBack) result = { ...result, target: 'in-cluster (no current context: kubectl falls back to the pod\'s service account)' };
    else if (options.context === undefined && current) result = { ...result, target: current };
  }
  const exitCode = probeExitCode(result);
  // A script reading -o json in a pod learns that the pod's account was probed, not a context.
  deps.stdout(output === 'json' ? renderJson({ ...probeJson(result), ...(fellBack ? { fallback: 'in-cluster' } : {}) }) : renderProbeText(result, paint));
  return exitCode;
}

export interface ProbeWrittenContextOptions {
  /** The --kubeconfig the writing command was given (undefined: the KUBECONFIG chain, as kubectl would read it). */
  readonly kubeconfigPath?: string | undefined;
  readonly contextName: string;
  readonly timeoutMs?: number | undefined;
  /** Where the table goes; default stderr, so a command's own stdout (JSON, --stdout) stays clean. */
  readonly stream?: 'stdout' | 'stderr' | undefined;
}

/** For `init|from-secret|from-serviceaccount --probe`: probes the context just written. */
export async function probeWrittenContextResult(ctx: CommandContext, options: ProbeWrittenContextOptions): Promise<{ readonly exitCode: ExitCode; readonly json: object; readonly text: (color: boolean) => string }> {
  const { deps } = ctx;
  const result = await probeTarget(
    createProbeDeps(ctx),
    options.contextName,
    async () => {
      const loaded = await loadKubeconfigs(deps, options.kubeconfigPath, { readOnly: true });
      return targetFromContext(resolveContext(loaded.merged, options.contextName));
    },
    { timeoutMs: options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS, timeoutFlag: '--probe-timeout', secrets: ctx.secrets, warn: ctx.warn },
  );
  return { exitCode: probeExitCode(result), json: probeJson(result), text: (color) => renderProbeText(result, createPainter(color)) };
}

/** The same, printed as the table (default on stderr, so a command's own stdout stays clean); returns the probe's exit code. */
export async function probeWrittenContext(ctx: CommandContext, options: ProbeWrittenContextOptions): Promise<ExitCode> {
  const { deps } = ctx;
  const probe = await probeWrittenContextResult(ctx, options);
  const toStdout = options.stream === 'stdout';
  (toStdout ? deps.stdout : deps.stderr)(probe.text(colorAllowed(toStdout ? deps.isTTY.stdout : deps.isTTY.stderr, deps.env)));
  return probe.exitCode;
}

function createProbeDeps(ctx: CommandContext): ProbeDeps {
  return {
    fs: ctx.deps.fs,
    env: ctx.deps.env,
    spawn: ctx.deps.spawn,
    now: ctx.deps.now,
    platform: ctx.deps.platform,
    network: nodeNetwork,
    createApiClient,
  };
}

function checkFlagCombination(options: RunProbeOptions): void {
  const usage = (message: string, hint: string) => new CliError('ERR_USAGE', message, { hint });
  if (options.inCluster && (options.context !== undefined || options.allContexts || options.kubeconfig !== undefined)) {
    throw usage('--in-cluster cannot be combined with --context, --all-contexts or --kubeconfig', 'pick one target');
  }
  if (!options.inCluster && (options.saDir !== undefined || options.server !== undefined)) {
    throw usage('--sa-dir and --server only apply with --in-cluster', 'add --in-cluster');
  }
  if (options.allContexts && options.context !== undefined) {
    throw usage('--all-contexts cannot be combined with --context', 'drop one of them');
  }
}

export function targetFromContext(resolved: ResolvedContext): ProbeTarget {
  return {
    label: resolved.contextName,
    namespace: resolved.namespace,
    cluster: resolved.cluster,
    user: resolved.user,
    userName: resolved.userName,
    clusterName: resolved.clusterName,
    userFound: resolved.userFound,
    userFile: resolved.userFile,
  };
}

/** rest.InClusterConfig: the mounted token (as tokenFile, re-read) and CA, the service host/port. */
async function inClusterTarget(ctx: CommandContext, saDir: string, server: string | undefined): Promise<ProbeTarget> {
  const { deps } = ctx;
  const mount = await readServiceAccountDir(deps, saDir);
  ctx.secrets.add(mount.token);
  // client-go inClusterClientConfig.Namespace: POD_NAMESPACE, then the namespace file, then default.
  const namespace = deps.env['POD_NAMESPACE'] || mount.namespace || 'default';
  return {
    label: 'in-cluster',
    namespace,
    cluster: { server: server ?? inClusterServerUrl(deps.env), 'certificate-authority': mount.caPath },
    user: { tokenFile: mount.tokenPath },
    userName: 'service account mount',
  };
}

async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
