// main(argv, deps) → exit code. Builds the commander program and is the single place where errors
// become text and exit codes (STYLE: "only main.ts turns errors into text").
import { Command, CommanderError } from 'commander';
import type { CommandContext } from './context.js';
import type { Deps } from './deps.js';
import { ExitCode, isCliError } from './errors.js';
import { createSecretRegistry, neutralizeControls } from './output.js';
import { initCommand } from './commands/init.js';
import { fromSecretCommand } from './commands/from-secret.js';
import { fromServiceAccountCommand } from './commands/from-serviceaccount.js';
import { probeCommand } from './commands/probe.js';
import { demoCommand } from './commands/demo.js';
import { completeCommand, completionCommand } from './commands/completion.js';

export const VERSION = '0.1.0';

const ROOT_EXAMPLES = `
Examples:
  # inside a pod: write a kubeconfig from the mounted service account and check it works
  sa-kubeconfig init --probe

  # in CI: a kubeconfig for service account "deployer", token minted for 2h
  sa-kubeconfig from-serviceaccount deployer -n team-a --duration 2h --kubeconfig ./ci.kubeconfig

  # on a laptop: say exactly which layer fails for the current context
  sa-kubeconfig probe

Exit status: 0 ok, 1 internal error, 2 usage, 3 bad local input, 4 kubectl failed,
5 network, 6 TLS, 7 authentication refused (401), 8 authorization refused (403).
`;

/** The commands that need nothing but themselves to run, in the order `--help` lists them. */
const SELF_CONTAINED_COMMANDS: Readonly<Record<string, (ctx: CommandContext) => Command>> = {
  init: initCommand,
  'from-secret': fromSecretCommand,
  'from-serviceaccount': fromServiceAccountCommand,
  probe: probeCommand,
  demo: demoCommand,
};

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

  const program = new Command('sa-kubeconfig')
    .description('Turn Kubernetes service-account credentials into a kubeconfig that works, and prove that it works.')
    .version(VERSION, '-V, --version')
    .option('--debug', 'on error, print the cause chain and stack (never a secret)')
    .addHelpText('after', ROOT_EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.stdout(text),
      writeErr: (text) => deps.stderr(text),
      outputError: (text, write) => write(formatUsageError(text, 'sa-kubeconfig')),
    })
    .hook('preAction', (thisCommand) => {
      debug = Boolean(thisCommand.opts<{ debug?: boolean }>().debug);
    });

  // Only the command named on the command line is built when there is one: defining all of them
  // (~60 options) cost 1.2 ms of every start-up here, and commander dispatches to that one alone.
  // Help (also `--help init`, which commander answers with the root's help), a typo (whose
  // suggestion needs every name) and completion (which describes the whole program) get them all.
  // The root has no options that take a value, so the first operand is the command.
  const at = argv.findIndex((arg) => !arg.startsWith('-'));
  const requested = at === -1 ? undefined : argv[at];
  const onlyDebugBefore = argv.slice(0, Math.max(at, 0)).every((arg) => arg === '--debug');
  const single = requested !== undefined && onlyDebugBefore && Object.hasOwn(SELF_CONTAINED_COMMANDS, requested) ? SELF_CONTAINED_COMMANDS[requested] : undefined;
  const commands = single ? [single(ctx)] : [...Object.values(SELF_CONTAINED_COMMANDS).map((define) => define(ctx)), completionCommand(ctx)];
  for (const command of commands) {
    program.addCommand(
      command
        .exitOverride()
        .showSuggestionAfterError(true)
        .configureOutput({
          writeOut: (text) => deps.stdout(text),
          writeErr: (text) => deps.stderr(text),
          outputError: (text, write) => write(formatUsageError(text, `sa-kubeconfig ${command.name()}`)),
        }),
    );
  }
  if (!single) program.addCommand(completeCommand(ctx), { hidden: true });

  // `help NAME` with an unknown NAME: commander's help command prints the root help and exits 0.
  // Answer it as `NAME` alone is answered: "unknown command 'NAME'" (with a suggestion), exit 2.
  let args = [...argv];
  if (requested === 'help') {
    const name = argv.slice(at + 1).find((arg) => !arg.startsWith('-'));
    const known = (candidate: string) => candidate === 'help' || program.commands.some((command) => command.name() === candidate || command.aliases().includes(candidate));
    if (name !== undefined && !known(name)) args = [...argv.slice(0, at), ...argv.slice(at + 1)];
  }

  try {
    await program.parseAsync(args, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, ctx);
  }
}

function reportError(error: unknown, ctx: CommandContext): ExitCode {
  const { deps } = ctx;
  if (error instanceof CommanderError) {
    // Help and version are successes; everything else commander rejects is a usage error.
    // Commander has already printed its message.
    // `help` asks for help (commander.help, exit 0); no command at all gets it on stderr (exit 1
    // to commander), a usage error.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return ExitCode.ok;
    return ExitCode.usage;
  }
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

/**
 * Commander's usage error as ours are: one `error:` line, then one `hint:` line, with its
 * suggestion ("(Did you mean init?)", on a line of its own) and where the usage is.
 */
function formatUsageError(text: string, command: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const suggestion = lines.map((line) => /^\(Did you mean (.+)\?\)$/.exec(line.trim())?.[1]).find((name) => name !== undefined);
  const message = lines.filter((line) => !/^\(Did you mean .+\?\)$/.test(line.trim())).join(' ');
  const usage = `run ${command} --help for usage`;
  // The message quotes what was typed: nothing in it may reach a terminal as a control.
  return `${neutralizeControls(message)}\nhint: ${suggestion === undefined ? usage : `did you mean ${neutralizeControls(suggestion)}? (${usage})`}\n`;
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
