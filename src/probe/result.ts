// The probe's outcome as plain data: one row per stage, and the exit code that follows from it.
// Pure: no I/O here, so rendering and exit-code rules are unit-tested on literals.
import { ExitCode, errorExitCodes, type ErrorCode } from '../errors.js';

export const STAGE_NAMES = ['config', 'dns', 'tcp', 'tls', 'version', 'authn', 'authz', 'request'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export interface StageFailure {
  readonly code: ErrorCode;
  readonly message: string;
  readonly hint?: string | undefined;
}

/**
 * ok: passed. warn: passed, with something the user must know (verification off, no
 * SelfSubjectReview API). denied: the authz answer was "no" — reported, and the request still runs
 * so the server's own 403 message is shown. fail: the probe stops here.
 */
export type StageStatus = 'ok' | 'warn' | 'denied' | 'fail';

export interface StageResult {
  readonly name: StageName;
  readonly status: StageStatus;
  readonly ms: number;
  readonly detail?: string | undefined;
  readonly error?: StageFailure | undefined;
  /**
   * For a warn: what the user must know, without the rest of the detail (the --all-contexts
   * summary shows only this). Undefined: the detail is the warning; empty: nothing to summarise.
   */
  readonly warnings?: readonly string[] | undefined;
}

export interface Identity {
  readonly username: string;
  readonly groups: readonly string[];
}

export interface ProbeResult {
  readonly target: string;
  readonly stages: readonly StageResult[];
  readonly identity?: Identity | undefined;
}

export function stagePassed(stage: StageResult): boolean {
  return stage.status === 'ok' || stage.status === 'warn';
}

/** The exit code of one probe: the first failing stage decides; a "no" from authz alone is not a failure. */
export function probeExitCode(result: ProbeResult): ExitCode {
  const failed = result.stages.find((stage) => stage.status === 'fail');
  if (failed === undefined) return ExitCode.ok;
  return failed.error ? errorExitCodes[failed.error.code] : ExitCode.internal;
}

/**
 * The exit code over several probes (--all-contexts): that of the first failing context in the
 * order the rows are printed (context names sorted), so the same kubeconfig gives the same code.
 */
export function combinedExitCode(results: readonly ProbeResult[]): ExitCode {
  for (const result of results) {
    const code = probeExitCode(result);
    if (code !== ExitCode.ok) return code;
  }
  return ExitCode.ok;
}
