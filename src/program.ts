// The commander program: every command line main.ts does not run straight (flag-spec.ts), with
// commander's help, suggestions and usage errors.
import { Command, CommanderError } from 'commander';
import type { CommandContext } from './context.js';
import { ExitCode } from './errors.js';
import { neutralizeControls } from './output.js';
import { VERSION } from './version.js';
import { initCommand } from './commands/init-command.js';
import { fromSecretCommand } from './commands/from-secret.js';
import { fromServiceAccountCommand } from './commands/from-serviceaccount.js';
import { probeCommand } from './commands/probe.js';
import { demoCommand } from './commands/demo.js';
import { completeCommand, completionCommand } from './commands/completion.js';

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

/**
 * Parses argv with commander and runs the command it names. Resolves to the exit code of
 * commander's own outcomes (help, version: 0; a usage error, which commander has printed: 2),
 * or to undefined when a command ran; a command's error is thrown, for main() to report.
 */
export async function runProgram(argv: readonly string[], ctx: CommandContext, setDebug: (debug: boolean) => void): Promise<ExitCode | undefined> {
  return parseProgram(buildProgram(argv, ctx, setDebug));
}

export interface Program {
  readonly program: Command;
  /** argv as commander is to parse it. */
  readonly args: readonly string[];
}

/** The program for this argv (only the command it names, when it names one), not yet parsed. */
export function buildProgram(argv: readonly string[], ctx: CommandContext, setDebug: (debug: boolean) => void): Program {
  const { deps } = ctx;
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
      setDebug(Boolean(thisCommand.opts<{ debug?: boolean }>().debug));
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
  return { program, args };
}

/** Runs a built program: see runProgram. */
export async function parseProgram({ program, args }: Program): Promise<ExitCode | undefined> {
  try {
    await program.parseAsync(args, { from: 'user' });
    return undefined;
  } catch (error) {
    // Help and version are successes; everything else commander rejects is a usage error.
    // Commander has already printed its message.
    // `help` asks for help (commander.help, exit 0); no command at all gets it on stderr (exit 1
    // to commander), a usage error.
    if (!(error instanceof CommanderError)) throw error;
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return ExitCode.ok;
    return ExitCode.usage;
  }
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
