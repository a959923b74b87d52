// main(argv, deps) → exit code: the single place where errors become text and exit codes (STYLE:
// "only main.ts turns errors into text"). A plain `init` command line runs straight, without
// commander (flag-spec.ts says why); every other one goes to the commander program (program.ts),
// loaded only then.
import type { CommandContext } from './context.js';
import type { Deps } from './deps.js';
import { ExitCode, isCliError } from './errors.js';
import { createSecretRegistry, neutralizeControls } from './output.js';
import { readPlainArgv } from './commands/flag-spec.js';
import { INIT_FLAGS, runInit, type InitOptions } from './commands/init.js';

export async function main(argv: readonly string[], rawDeps: Deps): Promise<ExitCode> {
  const secrets = createSecretRegistry();
  let debug = false;
  let exitCode: ExitCode = ExitCode.ok;
  const deps: Deps = {
    ...rawDeps,
    stdout: (text) => rawDeps.stdout(secrets.redact(text)),
    stderr: (text) => rawDeps.stderr(secrets.redact(text)),
  };
  const ctx: CommandContext = {
    deps,
    secrets,
    debug: () => debug,
    warn: (message) => deps.stderr(`warning: ${oneLine(message)}\n`),
    setExitCode: (code) => {
      exitCode = code;
    },
    writeSecretOutput: (text) => {
      if (rawDeps.env['GITHUB_ACTIONS'] === 'true') {
        // GitHub masks any later occurrence of these values in the job log. On stderr: the runner
        // reads workflow commands from both streams (actions/runner ScriptHandler.cs, one
        // OutputManager each), and stdout is the kubeconfig, usually redirected to a file, where
        // the command would make it unloadable and the runner would never see it.
        for (const secret of secrets.list()) rawDeps.stderr(`::add-mask::${secret}\n`);
      }
      rawDeps.stdout(text);
    },
  };

  try {
    const plain = readPlainArgv(argv, 'init', INIT_FLAGS);
    if (plain !== undefined) {
      debug = plain.debug;
      await runInit(ctx, plain.options as unknown as InitOptions);
      return exitCode;
    }
    // As commander's root will take it (anywhere before a `--`), for an error before it runs: a
    // program.cjs that does not load.
    const end = argv.indexOf('--');
    debug = (end === -1 ? argv : argv.slice(0, end)).includes('--debug');
    const { runProgram } = await import('./program.js');
    return (await runProgram(argv, ctx, (on) => {
      debug = on;
    })) ?? exitCode;
  } catch (error) {
    return reportError(error, ctx);
  }
}

function reportError(error: unknown, ctx: CommandContext): ExitCode {
  const { deps } = ctx;
  if (isCliError(error)) {
    deps.stderr(`error: ${oneLine(error.message)}\n`);
    if (error.hint) deps.stderr(`hint: ${oneLine(error.hint)}\n`);
    if (ctx.debug()) deps.stderr(renderDebug(error));
    return error.exitCode;
  }
  deps.stderr(`error: internal error: ${oneLine(error instanceof Error ? error.message : String(error))}\n`);
  deps.stderr('hint: this is a bug in sa-kubeconfig; please report it with the output of --debug\n');
  if (ctx.debug()) deps.stderr(renderDebug(error));
  return ExitCode.internal;
}

/** One line, and nothing a terminal would obey: messages often quote kubectl or a server. */
function oneLine(text: string): string {
  return neutralizeControls(text.replace(/\s*\n\s*/g, ' ').trim());
}

function renderDebug(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth += 1) {
    if (current instanceof Error) {
      lines.push(depth === 0 ? `debug: ${current.stack ?? current.message}` : `debug: caused by: ${current.stack ?? current.message}`);
      current = current.cause;
    } else {
      lines.push(`debug: caused by: ${typeof current === 'string' ? current : JSON.stringify(current)}`);
      current = undefined;
    }
  }
  return `${lines.join('\n')}\n`;
}
