// The one place that starts kubectl. Every call is an argv array (never a shell), has a timeout,
// and takes anything secret on stdin; structured answers are read with `-o json` and zod, never
// with jsonpath text (jsonpath prints "" for a missing key, which is how broken scripts write
// empty tokens). Callers get a discriminated outcome so they can turn kubectl's NotFound into
// their own error code; runKubectlOrThrow is the short form for callers that do not care.
import type * as z from 'zod/mini';
import type { Deps } from '../deps.js';
import { formatDuration } from '../duration.js';
import { CliError, errnoCode, type ErrorCode } from '../errors.js';

/** Which kubectl, and which source kubeconfig/context it reads (passed through as --kubeconfig/--context). */
export interface KubectlTarget {
  /** Program name or path; a bare name is looked up on the child's PATH. */
  readonly kubectl: string;
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly timeoutMs: number;
}

export type KubectlDeps = Pick<Deps, 'spawn' | 'env'>;

export const DEFAULT_KUBECTL_TIMEOUT_MS = 60_000;

export const KUBECTL_FAILURE_KINDS = [
  'not-found',
  'forbidden',
  'unauthorized',
  'already-exists',
  'invalid',
  'unreachable',
  'credential-plugin',
  'other',
] as const;
export type KubectlFailureKind = (typeof KUBECTL_FAILURE_KINDS)[number];

export type KubectlOutcome =
  | { readonly ok: true; readonly stdout: string; readonly stderr: string; readonly command: string }
  | {
      readonly ok: false;
      readonly kind: KubectlFailureKind;
      /** kubectl's own first error line, e.g. `Error from server (NotFound): secrets "x" not found`. */
      readonly line: string;
      /** The argv that failed, for messages (it never holds a secret: secrets go on stdin). */
      readonly command: string;
      /** What to do about this kind of failure, naming the source kubeconfig and context in use. */
      readonly hint?: string | undefined;
    };

export interface KubectlCallOptions {
  /** Written to kubectl's stdin (manifests, anything secret). */
  readonly stdin?: string;
}

/** The full argv for a call: the program, the source passthrough flags, then the call's own args. */
export function kubectlArgv(target: KubectlTarget, args: readonly string[]): readonly string[] {
  return [
    ...(target.kubeconfig === undefined ? [] : ['--kubeconfig', target.kubeconfig]),
    ...(target.context === undefined ? [] : ['--context', target.context]),
    ...args,
  ];
}

/** `kubectl get secret x -n ns -o json`, quoted where needed, for messages. */
export function renderCommand(program: string, argv: readonly string[]): string {
  return [program, ...argv].map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export async function runKubectl(
  deps: KubectlDeps,
  target: KubectlTarget,
  args: readonly string[],
  options: KubectlCallOptions = {},
): Promise<KubectlOutcome> {
  const argv = kubectlArgv(target, args);
  const command = renderCommand(target.kubectl, argv);
  let result;
  try {
    result = await deps.spawn({
      command: target.kubectl,
      args: argv,
      env: deps.env,
      timeoutMs: target.timeoutMs,
      ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    });
  } catch (error) {
    const errno = errnoCode(error);
    if (errno === 'ENOENT' || errno === 'EACCES') {
      throw new CliError(
        'ERR_KUBECTL_MISSING',
        errno === 'ENOENT' ? `kubectl not found: ${target.kubectl}` : `kubectl cannot be run: ${target.kubectl}: permission denied`,
        {
          hint: 'install kubectl (https://kubernetes.io/docs/tasks/tools/, or `apt-get install kubernetes-client`) or pass --kubectl PATH',
          cause: error,
        },
      );
    }
    throw new CliError('ERR_KUBECTL_FAILED', `cannot start ${command}`, { cause: error });
  }
  if (result.timedOut) {
    throw new CliError('ERR_KUBECTL_TIMEOUT', `${command} timed out after ${formatDuration(target.timeoutMs)}`, {
      hint: 'check that the API server of the source context is reachable (sa-kubeconfig probe), or raise --kubectl-timeout',
    });
  }
  if (result.outputTooLarge) {
    throw new CliError('ERR_KUBECTL_OUTPUT', `${command} printed more output than sa-kubeconfig reads (16 MiB); it was stopped`, {
      hint: 'run the command by hand to see what kubectl prints',
    });
  }
  if (result.exitCode === 0) return { ok: true, stdout: result.stdout, stderr: result.stderr, command };
  // kubectl says why on stderr. Its stdout is the call's answer, which may be the secret itself (the
  // token of `create token`, a Secret's data): a kubectl (or wrapper) that printed it and then exited
  // non-zero had it quoted as the error line, before anything had registered it for redaction.
  let line = firstErrorLine(result.stderr) ?? firstErrorLine(redactCredentials(result.stdout)) ?? `exit status ${result.exitCode ?? result.signal ?? 'unknown'}`;
  const kind = classifyKubectlError(line);
  if (kind === 'credential-plugin') line = withPluginOutput(line, result.stderr);
  return { ok: false, kind, line, command, hint: defaultHint(kind, target) };
}

/** A failed outcome as an error: `<command> failed: <kubectl's line>`, with the caller's code and hint. */
export function kubectlFailure(
  outcome: Extract<KubectlOutcome, { ok: false }>,
  code: ErrorCode = 'ERR_KUBECTL_FAILED',
  hint: string | undefined = outcome.hint,
): CliError {
  return new CliError(code, `${outcome.command} failed: ${outcome.line}`, hint === undefined ? {} : { hint });
}

export async function runKubectlOrThrow(
  deps: KubectlDeps,
  target: KubectlTarget,
  args: readonly string[],
  options: KubectlCallOptions = {},
): Promise<string> {
  const outcome = await runKubectl(deps, target, args, options);
  if (!outcome.ok) throw kubectlFailure(outcome);
  return outcome.stdout;
}

/** Parses kubectl's `-o json` stdout with a schema; anything else is ERR_KUBECTL_OUTPUT. */
export function parseKubectlJson<T>(stdout: string, schema: z.ZodMiniType<T>, command: string): T {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    // No cause: V8's SyntaxError quotes the input, which may be a Secret's data (shown by --debug).
    throw new CliError('ERR_KUBECTL_OUTPUT', `${command} printed something that is not JSON`, { hint: 'run the command by hand to see what kubectl prints' });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new CliError('ERR_KUBECTL_OUTPUT', `${command} printed JSON of an unexpected shape`, { cause: parsed.error });
  }
  return parsed.data;
}

// klog lines (E1128 19:34:07.024896 4995 memcache.go:265] …) and `Warning:` lines come before the
// real message; kubectl's own error is the line it prints last through cmdutil.CheckErr
// (`error: …`, `Error from server (Reason): …`, `Unable to connect to the server: …`,
// `The connection to the server … was refused …`).
const KLOG_LINE = /^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s/;
const KUBECTL_ERROR_LINE = /^(error:|Error from server|Unable to connect to the server|The connection to the server)/;

export function firstErrorLine(text: string): string | undefined {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const line =
    lines.find((line) => KUBECTL_ERROR_LINE.test(line)) ??
    lines.find((line) => !KLOG_LINE.test(line) && !/^warning:/i.test(line)) ??
    lines.at(-1);
  // One line of an error message, not a page (a broken kubectl may print megabytes on one line).
  return line !== undefined && line.length > 500 ? `${line.slice(0, 500)}…` : line;
}

export function classifyKubectlError(line: string): KubectlFailureKind {
  // client-go's exec authenticator wraps the plugin's failure as `getting credentials: exec: …`
  // (plugin/pkg/client/auth/exec), and kubectl prints it after "Unable to connect to the server",
  // though nothing was connected to: it is the local plugin (a stale login), not the network.
  if (/getting credentials: exec\b/.test(line)) return 'credential-plugin';
  if (/\(NotFound\)|\bnot found\b/.test(line) && !/command not found|unknown command/.test(line)) return 'not-found';
  if (/\(Forbidden\)|\bis forbidden\b/.test(line)) return 'forbidden';
  if (/\(Unauthorized\)|must be logged in|:\s*Unauthorized\s*$/.test(line)) return 'unauthorized';
  if (/\(AlreadyExists\)|already exists/.test(line)) return 'already-exists';
  if (/\(Invalid\)|\bis invalid\b/.test(line)) return 'invalid';
  if (/connection to the server .* was refused|Unable to connect to the server|connection refused|no such host|i\/o timeout|dial tcp|network is unreachable|TLS handshake|x509:/.test(line)) {
    return 'unreachable';
  }
  return 'other';
}

/**
 * The last line the credential plugin printed before kubectl's error line: kubectl passes the
 * plugin's stderr through (client-go runs it with kubectl's stderr), and that is where plugins say
 * why they failed ("please run login first"). One line, never klog's or kubectl's own, and with
 * anything that looks like a credential replaced: a plugin's stderr is not ours to trust with
 * secrets, and this goes into CI logs.
 */
function withPluginOutput(line: string, stderr: string): string {
  const said = stderr
    .split(/\r?\n/)
    .map((raw) => raw.trim())
    .filter((text) => text !== '' && text !== line && !KLOG_LINE.test(text) && !KUBECTL_ERROR_LINE.test(text) && !/^warning:/i.test(text));
  const last = said.at(-1);
  if (last === undefined) return line;
  const scrubbed = redactCredentials(last);
  return `${line} (the plugin printed: ${scrubbed.length > 300 ? `${scrubbed.slice(0, 300)}…` : scrubbed})`;
}

/** JWTs, Bearer/Basic values, key=value pairs whose key names a secret, and long base64 runs. */
export function redactCredentials(text: string): string {
  return text
    .replace(/\beyJ[\w-]*\.[\w-]*\.[\w-]*/g, 'REDACTED')
    .replace(/\b(Bearer|Basic)\s+\S+/gi, '$1 REDACTED')
    .replace(/\b([\w-]*(?:token|secret|password|passwd|credential|key)[\w-]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, '$1$2REDACTED')
    // And as a quoted JSON key, whose quote stood between the key and the colon: "password":"hunter2".
    .replace(/"([\w-]*(?:token|secret|password|passwd|credential|key)[\w-]*)"(\s*:\s*)"[^"]*"/gi, '"$1"$2"REDACTED"')
    .replace(/[A-Za-z0-9+/_-]{32,}={0,2}/g, 'REDACTED');
}

/** `sa-kubeconfig probe` for the source kubectl used, to copy from a hint. */
function probeCommand(target: KubectlTarget): string {
  return renderCommand('sa-kubeconfig', ['probe', ...(target.kubeconfig === undefined ? [] : ['--kubeconfig', target.kubeconfig]), ...(target.context === undefined ? [] : ['--context', target.context])]);
}

function defaultHint(kind: KubectlFailureKind, target: KubectlTarget): string | undefined {
  switch (kind) {
    case 'unauthorized':
      return 'the credentials of the source context were refused; log in again or pick another with --source-context / --source-kubeconfig';
    case 'forbidden':
      return 'the source context lacks the RBAC permission named above (the README, "In CI" → "RBAC", lists what is needed)';
    case 'unreachable':
      return `check the API server of the source context: ${probeCommand(target)}`;
    case 'credential-plugin':
      return `the credential plugin (exec) of the source context failed before anything reached the server: log in with it again, or run ${probeCommand(target)} to see its own error`;
    case 'not-found':
    case 'already-exists':
    case 'invalid':
    case 'other':
      return undefined;
  }
}
