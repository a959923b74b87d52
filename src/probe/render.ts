// Pure: a probe result as the text table or the JSON document (the JSON is part of the interface:
// README.md "From a laptop: probe" → "JSON output (-o json)").
import { errorExitCodes } from '../errors.js';
import { neutralizeControls, type Painter } from '../output.js';
import { oneLine } from './classify.js';
import { probeExitCode, stagePassed, type ProbeResult, type StageFailure, type StageResult } from './result.js';

export interface StageJson {
  readonly name: string;
  readonly ok: boolean;
  readonly status: StageResult['status'];
  readonly ms: number;
  readonly detail?: string;
  readonly error?: { readonly code: string; readonly exitCode: number; readonly message: string; readonly hint?: string };
}

function stageJson(stage: StageResult): StageJson {
  return {
    name: stage.name,
    ok: stagePassed(stage),
    status: stage.status,
    ms: stage.ms,
    ...(stage.detail === undefined ? {} : { detail: stage.detail }),
    ...(stage.error === undefined
      ? {}
      : {
          error: {
            code: stage.error.code,
            exitCode: errorExitCodes[stage.error.code],
            message: stage.error.message,
            ...(stage.error.hint === undefined ? {} : { hint: stage.error.hint }),
          },
        }),
  };
}

export function probeJson(result: ProbeResult): object {
  const exitCode = probeExitCode(result);
  return {
    ok: exitCode === 0,
    exitCode,
    stages: result.stages.map(stageJson),
    ...(result.identity === undefined ? {} : { identity: { username: result.identity.username, groups: result.identity.groups } }),
  };
}

/** `error`: why no context could be probed (the kubeconfig does not load, or has no contexts); results is then empty. */
export function allContextsJson(results: readonly ProbeResult[], exitCode: number, error?: StageFailure): object {
  return {
    ok: exitCode === 0,
    exitCode,
    results: results.map((result) => ({ context: result.target, ...probeJson(result) })),
    ...(error === undefined
      ? {}
      : { error: { code: error.code, exitCode: errorExitCodes[error.code], message: oneLine(error.message), ...(error.hint === undefined ? {} : { hint: oneLine(error.hint) }) } }),
  };
}

const MARK = { ok: '✓', warn: '!', denied: '!', fail: '✗' } as const;

function paintMark(stage: StageResult, paint: Painter): string {
  const mark = MARK[stage.status];
  switch (stage.status) {
    case 'ok':
      return paint.green(mark);
    case 'warn':
    case 'denied':
      return paint.yellow(mark);
    case 'fail':
      return paint.red(mark);
  }
}

/** The one-per-stage table; the failing stage (or a lone authz "no") gets a hint line. */
export function renderProbeText(result: ProbeResult, paint: Painter): string {
  const lines = [paint.bold(`probe ${result.target}`)];
  const msWidth = Math.max(...result.stages.map((stage) => `${stage.ms}ms`.length), 4);
  for (const stage of result.stages) {
    // The row already names the stage; "request: HTTP 403: …" reads better without the repeat.
    const detail = stage.status === 'fail' && stage.error ? stripStage(stage.name, stage.error.message) : (stage.detail ?? '');
    lines.push(`${paintMark(stage, paint)} ${stage.name.padEnd(8)} ${paint.dim(`${stage.ms}ms`.padStart(msWidth))}  ${neutralizeControls(detail)}`);
  }
  const failed = result.stages.find((stage) => stage.status === 'fail') ?? result.stages.find((stage) => stage.status === 'denied');
  if (failed?.error?.hint) lines.push(`${paint.yellow('hint:')} ${neutralizeControls(failed.error.hint)}`);
  const exitCode = probeExitCode(result);
  lines.push(exitCode === 0 ? paint.green('ok') : paint.red(`failed at ${failed?.name ?? '?'} (exit ${exitCode})`));
  return `${lines.join('\n')}\n`;
}

/** --all-contexts: one summary row per context, each followed by its warnings, one short line each. */
export function renderAllContextsText(results: readonly ProbeResult[], paint: Painter): string {
  const nameWidth = Math.max(7, ...results.map((result) => result.target.length));
  const lines = [paint.bold(`${'CONTEXT'.padEnd(nameWidth)}  ${'RESULT'.padEnd(9)} ${'MS'.padStart(6)}  DETAIL`)];
  for (const result of results) {
    const ms = result.stages.reduce((total, stage) => total + stage.ms, 0);
    const failed = result.stages.find((stage) => stage.status === 'fail');
    const denied = result.stages.find((stage) => stage.status === 'denied');
    const warnings = result.stages.flatMap((stage) => (stage.status === 'warn' ? (stage.warnings ?? [stage.detail ?? '']).map((text) => ({ stage: stage.name, text })) : []));
    let status: string;
    let detail: string;
    if (failed) {
      status = paint.red(`✗ ${failed.name}`.padEnd(9));
      detail = `${failed.error?.message ?? ''} (exit ${probeExitCode(result)})`;
    } else {
      status = denied || warnings.length ? paint.yellow('! ok'.padEnd(9)) : paint.green('✓ ok'.padEnd(9));
      const last = result.stages.at(-1);
      detail = [result.identity?.username, denied?.detail, last?.name === 'request' ? undefined : last?.detail].filter(Boolean).join('; ');
    }
    lines.push(`${neutralizeControls(result.target.padEnd(nameWidth))}  ${status} ${String(ms).padStart(6)}  ${neutralizeControls(detail)}`);
    for (const warning of warnings) lines.push(`  ${paint.yellow('!')} ${warning.stage}: ${neutralizeControls(warning.text)}`);
  }
  const failures = results.filter((result) => probeExitCode(result) !== 0).length;
  const contexts = (count: number) => (count === 1 ? 'context' : 'contexts');
  lines.push(failures === 0 ? paint.green(`${results.length} ${contexts(results.length)} ok`) : paint.red(`${failures} of ${results.length} ${contexts(results.length)} failed`));
  return `${lines.join('\n')}\n`;
}

function stripStage(name: string, message: string): string {
  return message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message;
}
