// What the commands that work through kubectl (from-secret, from-serviceaccount) share: which
// kubectl, which source kubeconfig/context it reads, how long one call may take, warnings that
// also go into the JSON summary, and writing what they obtained.
import type { Command } from 'commander';
import { parseTimeout } from '../duration.js';
import { CliError } from '../errors.js';
import type { KubectlTarget } from '../kubectl/run.js';
import type { CommandContext } from '../context.js';
import { buildServiceAccountEntries, defaultEntryNames } from '../kubeconfig/entry.js';
import { checkWriteDestination, renderStandaloneKubeconfig, writeServiceAccountEntries } from '../kubeconfig/store.js';
import type { CaSource, Destination, ServiceAccountCredentials } from '../kubectl/credentials.js';
import { checkOutputCombination, lockTimeoutMs, reportWrite, resolveEntryNames, summarize, type EntryOptions } from './entry-options.js';

export interface KubectlOptions {
  readonly kubectl: string;
  readonly sourceKubeconfig?: string;
  readonly sourceContext?: string;
  readonly kubectlTimeout: string;
}

/** --kubectl, --source-kubeconfig, --source-context, --kubectl-timeout. */
export function addKubectlOptions(command: Command): Command {
  return command
    .option('--kubectl <path>', 'the kubectl to run', 'kubectl')
    .option('--source-kubeconfig <file>', 'kubeconfig kubectl reads (passed as kubectl --kubeconfig; default: KUBECONFIG, else ~/.kube/config)')
    .option('--source-context <name>', 'context kubectl uses (passed as kubectl --context; default: its current context)')
    .option('--kubectl-timeout <duration>', 'give up on one kubectl call after this long', '60s');
}

export function kubectlTargetFrom(options: KubectlOptions): KubectlTarget {
  const timeoutMs = parseTimeout(options.kubectlTimeout, '--kubectl-timeout');
  // 0 would kill every kubectl call at once ("timed out after 0s", exit 4): a usage error, as probe --timeout 0.
  if (timeoutMs <= 0) throw new CliError('ERR_BAD_DURATION', '--kubectl-timeout must be positive');
  // Was: exit 4, "cannot start ''", as if kubectl were broken.
  if (options.kubectl.trim() === '') throw new CliError('ERR_BAD_FLAG_VALUE', '--kubectl must name the kubectl to run', { hint: 'e.g. --kubectl /usr/local/bin/kubectl, or leave it out to run kubectl from PATH' });
  return {
    kubectl: options.kubectl,
    kubeconfig: options.sourceKubeconfig,
    context: options.sourceContext,
    timeoutMs,
  };
}

/** Warnings go to stderr at once and into the JSON summary's `warnings`. */
export interface WarningCollector {
  readonly warn: (message: string) => void;
  readonly list: () => readonly string[];
}

export function collectWarnings(ctx: CommandContext): WarningCollector {
  const warnings: string[] = [];
  return {
    warn: (message) => {
      warnings.push(message);
      ctx.warn(message);
    },
    list: () => [...warnings],
  };
}

const CA_TEXT: Readonly<Record<CaSource, string>> = {
  'source-context': 'the one the source context trusts for this server',
  secret: "the Secret's ca.crt",
  configmap: 'ConfigMap kube-root-ca.crt',
  none: 'none (the system trust store)',
};

export interface WriteObtainedInput {
  readonly destination: Destination;
  readonly credentials: ServiceAccountCredentials;
  /** The account's short name, for entry names; undefined when unknown (opaque token, no annotation). */
  readonly accountName: string | undefined;
  readonly tokenExpiresAt: Date | undefined;
  /** Whether the token is a JWT: without one the expiry is unknown rather than "never". */
  readonly tokenKind: 'jwt' | 'opaque';
  /** The text summary's `source` line. */
  readonly sourceText: string;
  readonly warnings: WarningCollector;
}

/**
 * The tail both commands share: embedded entries → --stdout, or write + summary (+ --probe).
 * The summary adds `source`, `secret`, `caSource` and `warnings` to init's shape.
 */
/**
 * Before any kubectl call mints a token or creates a Secret: the destination kubeconfig(s) must
 * load (a malformed one is refused without touching the cluster; it is read again, under the lock,
 * when written). Nothing to check for --stdout.
 */
export async function checkDestinationLoads(ctx: CommandContext, options: EntryOptions): Promise<void> {
  lockTimeoutMs(options); // a bad --lock-timeout is exit 2 now, not after the token exists
  if (!options.stdout) await checkWriteDestination(ctx.deps, options.kubeconfig);
}

export async function writeObtainedEntries(ctx: CommandContext, options: EntryOptions, input: WriteObtainedInput): Promise<void> {
  const format = checkOutputCombination(options);
  const { destination, credentials } = input;
  if (destination.sourceInsecure && credentials.caPem !== undefined) {
    // kubectl skipped verification for the source, so nothing has checked that this server's
    // certificate chains to the CA written (a proxy or load balancer often has its own).
    input.warnings.warn(
      `source context "${destination.sourceContext ?? ''}" skips TLS verification (insecure-skip-tls-verify), so nothing has checked that ${destination.server} presents a certificate ${CA_TEXT[credentials.caSource]} verifies; if it does not, the kubeconfig fails with x509 errors (--probe checks it)`,
    );
  }
  if (input.tokenExpiresAt !== undefined && input.tokenExpiresAt.getTime() <= ctx.deps.now().getTime()) {
    // A token just minted that has already expired says this machine's clock is wrong (or the
    // Secret's token is stale): either way the API server will refuse it, as init warns too.
    input.warnings.warn(`the token expired at ${input.tokenExpiresAt.toISOString()} by this machine's clock; the API server will refuse it (if it was just issued, check the clock)`);
  }
  const namespace = destination.namespace;
  const names = resolveEntryNames(
    defaultEntryNames({ server: destination.server, namespace, ...(input.accountName === undefined ? {} : { serviceAccount: input.accountName }) }),
    options,
  );
  const entries = buildServiceAccountEntries({
    names,
    server: destination.server,
    namespace,
    ca: credentials.caPem === undefined ? { kind: 'none' } : { kind: 'data', pem: credentials.caPem },
    credential: { kind: 'token', token: credentials.token },
    ...(destination.tlsServerName === undefined ? {} : { tlsServerName: destination.tlsServerName }),
    ...(destination.proxyUrl === undefined ? {} : { proxyUrl: destination.proxyUrl }),
  });
  if (options.stdout) {
    ctx.writeSecretOutput(await renderStandaloneKubeconfig(entries));
    return;
  }
  const result = await writeServiceAccountEntries(ctx.deps, {
    ...(options.kubeconfig === undefined ? {} : { explicitPath: options.kubeconfig }),
    entries,
    setCurrent: options.setCurrent,
    lockTimeoutMs: lockTimeoutMs(options),
  });
  const secret = credentials.secretName === undefined ? undefined : `${namespace}/${credentials.secretName}`;
  const summary = summarize(entries, result, {
    ...(input.accountName === undefined ? {} : { serviceAccount: `system:serviceaccount:${namespace}:${input.accountName}` }),
    ...(input.tokenExpiresAt === undefined ? {} : { tokenExpiresAt: input.tokenExpiresAt }),
    extra: { source: credentials.source, ...(secret === undefined ? {} : { secret }), caSource: credentials.caSource, warnings: input.warnings.list() },
  });
  await reportWrite(ctx, format, options, summary, { tokenKind: input.tokenKind, lines: [`  source          ${input.sourceText}`, `  CA              ${CA_TEXT[credentials.caSource]}`] });
}
