// One error type with stable codes; the code decides the exit status (README "Exit status").
// Only main.ts turns a CliError into text.

export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  localInput: 3,
  kubectl: 4,
  network: 5,
  tls: 6,
  unauthenticated: 7,
  forbidden: 8,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable error codes → exit status. Codes are part of the JSON interface; never rename one. */
export const errorExitCodes = {
  ERR_INTERNAL: ExitCode.internal,
  // 2: usage
  ERR_USAGE: ExitCode.usage,
  ERR_BAD_FLAG_VALUE: ExitCode.usage,
  ERR_BAD_SERVER_URL: ExitCode.usage,
  ERR_BAD_DURATION: ExitCode.usage,
  ERR_BAD_NAME: ExitCode.usage,
  // 3: bad local input
  ERR_SA_DIR_MISSING: ExitCode.localInput,
  ERR_SA_TOKEN_MISSING: ExitCode.localInput,
  ERR_SA_TOKEN_INVALID: ExitCode.localInput,
  ERR_SA_CA_MISSING: ExitCode.localInput,
  ERR_SA_CA_INVALID: ExitCode.localInput,
  ERR_SA_NAMESPACE_INVALID: ExitCode.localInput,
  ERR_KUBECONFIG_MALFORMED: ExitCode.localInput,
  ERR_KUBECONFIG_UNREADABLE: ExitCode.localInput,
  ERR_KUBECONFIG_UNWRITABLE: ExitCode.localInput,
  ERR_KUBECONFIG_LOCKED: ExitCode.localInput,
  ERR_KUBECONFIG_NOT_FOUND: ExitCode.localInput,
  ERR_CONTEXT_NOT_FOUND: ExitCode.localInput,
  ERR_CLUSTER_NOT_FOUND: ExitCode.localInput,
  ERR_CONFIG_INVALID: ExitCode.localInput,
  ERR_CREDENTIALS_INVALID: ExitCode.localInput,
  ERR_EXEC_PLUGIN: ExitCode.localInput,
  ERR_AUTH_PROVIDER_UNSUPPORTED: ExitCode.localInput,
  ERR_OUTPUT_FAILED: ExitCode.localInput,
  // 4: kubectl
  ERR_KUBECTL_MISSING: ExitCode.kubectl,
  ERR_KUBECTL_FAILED: ExitCode.kubectl,
  ERR_KUBECTL_TIMEOUT: ExitCode.kubectl,
  ERR_KUBECTL_OUTPUT: ExitCode.kubectl,
  ERR_SECRET_NOT_FOUND: ExitCode.kubectl,
  ERR_SECRET_WRONG_TYPE: ExitCode.kubectl,
  ERR_SECRET_NOT_POPULATED: ExitCode.kubectl,
  ERR_SECRET_BAD_DATA: ExitCode.kubectl,
  ERR_SERVICEACCOUNT_NOT_FOUND: ExitCode.kubectl,
  ERR_TOKEN_REQUEST_FAILED: ExitCode.kubectl,
  // 5: network
  ERR_DNS: ExitCode.network,
  ERR_TCP: ExitCode.network,
  ERR_TIMEOUT: ExitCode.network,
  ERR_PROXY: ExitCode.network,
  ERR_HTTP: ExitCode.network,
  // 6: TLS
  ERR_TLS: ExitCode.tls,
  // 7 / 8
  ERR_UNAUTHENTICATED: ExitCode.unauthenticated,
  ERR_FORBIDDEN: ExitCode.forbidden,
} as const satisfies Record<string, ExitCode>;
export type ErrorCode = keyof typeof errorExitCodes;

export interface CliErrorOptions {
  readonly hint?: string;
  readonly cause?: unknown;
}

export class CliError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): ExitCode {
    return errorExitCodes[this.code];
  }
}

/**
 * Structural, not instanceof: the demo is a separate bundle (dist/demo.cjs) with its own copy of
 * this class, and its errors must still map to their exit codes.
 */
export function isCliError(value: unknown): value is CliError {
  return (
    value instanceof Error &&
    value.name === 'CliError' &&
    'code' in value &&
    typeof value.code === 'string' &&
    Object.hasOwn(errorExitCodes, value.code) &&
    'exitCode' in value
  );
}

/** The errno code of a Node system error (ENOENT, EACCES, …), if it is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = error.code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** A short human reason for a system error: "no such file or directory" rather than the whole errno line. */
export function describeErrno(error: unknown): string {
  switch (errnoCode(error)) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EFBIG':
      return 'file too large';
    case undefined:
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
