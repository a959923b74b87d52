// Options and output shared by every command that writes our three entries (init, from-secret,
// from-serviceaccount): names, destination, --stdout, -o json, --no-set-current, --lock-timeout.
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatDuration, parseTimeout } from '../duration.js';
import { formatTimestamp } from '../timestamp.js';
import type { EntryNames, ServiceAccountEntries } from '../kubeconfig/entry.js';
import { colorAllowed, neutralizeControls, renderJson, type OutputFormat } from '../output.js';
import { DEFAULT_LOCK_TIMEOUT_MS } from '../kubeconfig/lock.js';
import type { WriteResult } from '../kubeconfig/store.js';
import type { Change } from '../kubeconfig/merge.js';
import type { FlagSpec } from './flag-spec.js';

export interface EntryOptions {
  readonly kubeconfig?: string;
  readonly cluster?: string;
  readonly user?: string;
  readonly context?: string;
  readonly setCurrent: boolean;
  readonly stdout?: boolean;
  readonly output: string;
  readonly lockTimeout?: string;
  readonly probe?: boolean;
  readonly probeTimeout?: string;
}

const PROBE_TIMEOUT_DEFAULT = '5s';

/** The flags of every command that writes our three entries, in --help's order. */
export const ENTRY_FLAGS: readonly FlagSpec[] = [
  { long: 'kubeconfig', value: 'file', description: 'kubeconfig to write (default: as kubectl — an existing entry is changed where it is defined, a new one goes to $KUBECONFIG\'s first existing file (its last entry when none exists), else ~/.kube/config)' },
  { long: 'cluster', value: 'name', description: 'cluster entry name (default: the server host[:port unless 443][/path], e.g. kubernetes.default.svc)' },
  { long: 'user', value: 'name', description: 'user entry name (default: <namespace>/<serviceaccount>@<default cluster name>, also with --cluster)' },
  { long: 'context', value: 'name', description: 'context entry name (default: the default user name, also with --user)' },
  { long: 'no-set-current', description: 'leave current-context alone (default: switch to the new context)' },
  { long: 'stdout', description: 'print a standalone kubeconfig (our entries only, credentials embedded) and write nothing' },
  { long: 'output', short: 'o', value: 'format', description: 'output format', choices: ['text', 'json'], defaultValue: 'text' },
  { long: 'lock-timeout', value: 'duration', description: 'how long to wait for another writer\'s lock', defaultValue: '15s' },
  { long: 'probe', description: 'after writing, probe the new context (dns, tcp, tls, version, authn, authz, request)' },
  // No default: whether it was given at all decides whether it is refused without --probe.
  { long: 'probe-timeout', value: 'duration', description: `time limit for --probe (default: "${PROBE_TIMEOUT_DEFAULT}")` },
];

export function resolveEntryNames(defaults: EntryNames, options: EntryOptions): EntryNames {
  const names = { cluster: options.cluster ?? defaults.cluster, user: options.user ?? defaults.user, context: options.context ?? defaults.context };
  for (const [flag, value] of Object.entries(names)) {
    checkEntryName(flag, value);
  }
  return names;
}

/**
 * A name we write must be something kubectl's own commands can name back: not empty nor only
 * white space (kubectl takes `' '`, and every later `--context ' '` is a puzzle), one line, no NUL.
 */
function checkEntryName(flag: string, value: string): void {
  if (value === '') throw new CliError('ERR_BAD_NAME', `--${flag} name must not be empty`);
  if (value.trim() === '') throw new CliError('ERR_BAD_NAME', `--${flag} name ${JSON.stringify(value)} is only white space`, { hint: `give the ${flag} entry a name you can type` });
  if (/[\n\r\0]/.test(value)) throw new CliError('ERR_BAD_NAME', `--${flag} name must be on one line, without NUL`);
}

export function lockTimeoutMs(options: EntryOptions): number {
  return options.lockTimeout === undefined ? DEFAULT_LOCK_TIMEOUT_MS : parseTimeout(options.lockTimeout, '--lock-timeout');
}

/**
 * Every check of the shared flags, done first: a bad --probe-timeout or an empty --context must be
 * exit 2 before anything is written or any kubectl call mints a token or creates a Secret.
 */
export function checkOutputCombination(options: EntryOptions): OutputFormat {
  const format = options.output === 'json' ? 'json' : 'text';
  lockTimeoutMs(options);
  if (options.probeTimeout !== undefined) {
    // As probe's --timeout and --kubectl-timeout: a zero limit would fail every probe at once.
    if (parseTimeout(options.probeTimeout, '--probe-timeout') <= 0) throw new CliError('ERR_BAD_DURATION', '--probe-timeout must be positive');
    // As --wait without --long-lived: a limit for a probe that will not run is a mistake worth saying.
    if (!options.probe) throw new CliError('ERR_USAGE', '--probe-timeout applies only with --probe', { hint: 'add --probe to probe the new context, or drop --probe-timeout' });
  }
  for (const flag of ['cluster', 'user', 'context'] as const) {
    const value = options[flag];
    if (value !== undefined) checkEntryName(flag, value);
  }
  if (options.stdout && format === 'json') throw new CliError('ERR_USAGE', '--stdout and -o json cannot be combined', { hint: '--stdout already prints a kubeconfig' });
  // --kubeconfig names the file to write, which --stdout does not do: it was silently ignored.
  if (options.stdout && options.kubeconfig !== undefined) {
    throw new CliError('ERR_USAGE', '--stdout and --kubeconfig cannot be combined', { hint: `--stdout writes no file: drop --kubeconfig, or drop --stdout to write ${JSON.stringify(options.kubeconfig)}` });
  }
  if (options.stdout && options.probe) throw new CliError('ERR_USAGE', '--stdout and --probe cannot be combined', { hint: '--stdout writes nothing to probe; pipe it to a file and run sa-kubeconfig probe --kubeconfig FILE' });
  return format;
}

/** The JSON summary shared by init, from-secret and from-serviceaccount. */
export interface WriteSummary {
  readonly kubeconfig: string | null;
  readonly cluster: string;
  readonly user: string;
  readonly context: string;
  readonly server: string;
  readonly namespace: string;
  readonly serviceAccount: string | null;
  readonly tokenExpiresAt: string | null;
  readonly currentContext: string | null;
  readonly credential: 'tokenFile' | 'token';
  readonly changes: readonly (Change & { readonly file?: string })[];
  readonly [extra: string]: unknown;
}

export function summarize(
  entries: ServiceAccountEntries,
  result: WriteResult | undefined,
  facts: { readonly serviceAccount?: string; readonly tokenExpiresAt?: Date; readonly extra?: Readonly<Record<string, unknown>> },
): WriteSummary {
  return {
    kubeconfig: result?.kubeconfig ?? null,
    cluster: entries.cluster.name,
    user: entries.user.name,
    context: entries.context.name,
    server: entries.cluster.cluster.server ?? '',
    namespace: entries.context.context.namespace ?? 'default',
    serviceAccount: facts.serviceAccount ?? null,
    tokenExpiresAt: facts.tokenExpiresAt ? formatTimestamp(facts.tokenExpiresAt) : null,
    currentContext: result?.currentContext ?? null,
    credential: entries.user.user.tokenFile ? 'tokenFile' : 'token',
    changes: result?.changes ?? [],
    ...(result && result.tightened.length > 0 ? { modeTightened: result.tightened.map((t) => ({ file: t.file, from: octal(t.from), to: octal(t.to) })) } : {}),
    ...facts.extra,
  };
}

/** What the text summary says beyond the JSON: extra lines, and whether the token is a JWT at all. */
export interface SummaryText {
  readonly lines?: readonly string[];
  /** 'opaque': the expiry is unknown, not "never" (only a JWT without exp never expires). */
  readonly tokenKind: 'jwt' | 'opaque';
}

/** The text summary's expiry: a JWT's exp, "never" for a JWT without one, "unknown" for a token that is not a JWT. */
export function describeTokenExpiry(tokenExpiresAt: string | null, tokenKind: SummaryText['tokenKind'], now: number): string {
  if (tokenExpiresAt) {
    const left = Date.parse(tokenExpiresAt) - now;
    // Was "in -20788d17h…" for an expired token.
    return left > 0 ? `${tokenExpiresAt} (in ${formatDuration(left)})` : `${tokenExpiresAt} (expired ${formatDuration(-left)} ago)`;
  }
  return tokenKind === 'jwt' ? 'never (the token holds no expiry)' : 'unknown (not a JWT)';
}

export function printSummary(ctx: CommandContext, format: OutputFormat, summary: WriteSummary, text: SummaryText): void {
  if (format === 'json') {
    ctx.deps.stdout(renderJson(summary));
    return;
  }
  const now = ctx.deps.now().getTime();
  const current = summary.currentContext === summary.context ? ' (now the current context)' : '';
  // A KUBECONFIG chain can put the cluster or user into another file (where it was defined), and
  // an existing entry of the same name is updated: both are said, with what the entry lost.
  const noted = summary.changes.filter(
    (change) => change.kind !== 'unchanged' && change.file !== undefined && (change.file !== summary.kubeconfig || (change.kind === 'updated' && change.replaced !== undefined)),
  );
  const out = [
    `Wrote context "${summary.context}" to ${summary.kubeconfig ?? '(stdout)'}${current}`,
    ...noted.map((change) => `  ${change.kind} ${change.kind === 'updated' && change.stanza !== 'current-context' ? 'existing ' : ''}${change.stanza} "${change.name}" in ${change.file}${change.replaced === undefined ? '' : ` (replaced ${change.replaced.join(', ')})`}`),
    `  server          ${summary.server}`,
    `  namespace       ${summary.namespace}`,
    `  identity        ${summary.serviceAccount ?? 'unknown (the token names no service account)'}`,
    `  credential      ${summary.credential === 'tokenFile' ? 'tokenFile (re-read on every use, follows kubelet rotation)' : 'token embedded'}`,
    `  token expires   ${describeTokenExpiry(summary.tokenExpiresAt, text.tokenKind, now)}`,
    ...(text.lines ?? []),
  ];
  // Names and paths come from flags and files: nothing in them may reach a terminal as a control.
  // (a line break or tab in a path, too: each line stays one line).
  ctx.deps.stdout(`${out.map((line) => neutralizeControls(line).replace(/[\t\n]/g, (char) => (char === '\t' ? '\\t' : '\\n'))).join('\n')}\n`);
}

/**
 * Prints what a writing command did, probing the new context first when --probe was given: in
 * text the summary, then the probe table; with -o json one object, the summary plus `probe`
 * (the probe's JSON). The probe's exit code becomes the command's.
 */
export async function reportWrite(ctx: CommandContext, format: OutputFormat, options: EntryOptions, summary: WriteSummary, text: SummaryText): Promise<void> {
  for (const change of (summary['modeTightened'] as readonly { file: string; from: string; to: string }[] | undefined) ?? []) {
    ctx.warn(`${change.file} was mode ${change.from}, readable by others; it now holds a token, so it is ${change.to}`);
  }
  for (const change of summary.changes) {
    // As `kubectl config set-cluster --certificate-authority` clears it, but said: another context
    // that shares the entry (an admin's, for the same server) now verifies the server too.
    if (change.stanza === 'cluster' && change.replaced?.includes('insecure-skip-tls-verify')) {
      ctx.warn(`existing cluster "${change.name}" had insecure-skip-tls-verify; it now verifies the server's certificate, for every context that uses it (pass --cluster NAME to write a cluster entry of your own)`);
    }
  }
  if (!options.probe || summary.kubeconfig === null) {
    printSummary(ctx, format, summary, text);
    return;
  }
  const timeoutMs = parseTimeout(options.probeTimeout ?? PROBE_TIMEOUT_DEFAULT, '--probe-timeout');
  if (format === 'text') printSummary(ctx, format, summary, text);
  // Lazy: the probe loads only here.
  const { probeWrittenContextResult } = await import('../probe/run.js');
  const probe = await probeWrittenContextResult(ctx, { kubeconfigPath: options.kubeconfig, contextName: summary.context, timeoutMs });
  if (format === 'json') ctx.deps.stdout(renderJson({ ...summary, probe: probe.json }));
  else ctx.deps.stdout(`\n${probe.text(colorAllowed(ctx.deps.isTTY.stdout, ctx.deps.env))}`);
  if (probe.exitCode !== 0) ctx.setExitCode(probe.exitCode);
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}
