// `completion bash|zsh|fish` prints a completion script derived from the commander program itself
// (commands, flags, choices), so it never drifts from the CLI. The hidden `__complete contexts`
// lists context names from the kubeconfig, for the scripts to call at completion time.
import { Argument, Command, Help } from 'commander';
import type { CommandContext } from '../context.js';
import { COMPLETE_COMMAND, valueKindFor, type ArgSpec, type CommandSpec, type CompletionSpec, type FlagSpec } from '../completion/spec.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

const EXAMPLES = `
Examples:
  # bash: load now, or add the line to ~/.bashrc
  source <(sa-kubeconfig completion bash)

  # zsh: after compinit (e.g. in ~/.zshrc)
  source <(sa-kubeconfig completion zsh)

  # fish
  sa-kubeconfig completion fish > ~/.config/fish/completions/sa-kubeconfig.fish
`;

export function completionCommand(ctx: CommandContext): Command {
  return new Command('completion')
    .description('print a shell completion script (bash, zsh or fish): commands, flags and context names')
    .addArgument(new Argument('<shell>', 'the shell to complete for').choices(SHELLS))
    .addHelpText('after', EXAMPLES)
    .action(async (shell: Shell, _options: unknown, command: Command) => {
      const spec = describeProgram(command.parent ?? command);
      const { renderCompletionScript } = await import('../completion/render.js');
      ctx.deps.stdout(renderCompletionScript(shell, spec));
    });
}

/** The hidden `__complete contexts [--kubeconfig FILE]`: one context name per line, in kubectl's precedence. */
export function completeCommand(ctx: CommandContext): Command {
  const complete = new Command(COMPLETE_COMMAND)
    .description('list values for shell completion (used by the completion scripts)')
    .argument('<what>', 'what to list: contexts')
    .option('--kubeconfig <file>', 'read this kubeconfig instead of KUBECONFIG or ~/.kube/config')
    .action(async (what: string, options: { kubeconfig?: string }) => {
      if (what !== 'contexts') return;
      const { loadKubeconfigs } = await import('../kubeconfig/load.js');
      const loaded = await loadKubeconfigs(ctx.deps, options.kubeconfig);
      const names = [...loaded.merged.contexts.keys()];
      if (names.length > 0) ctx.deps.stdout(`${names.join('\n')}\n`);
    });
  // Commander has no public way to hide a command other than addCommand(cmd, { hidden: true }),
  // so main.ts adds it that way, outside its loop: hence the output and exit settings here.
  return complete.exitOverride().configureOutput({
    writeOut: (text) => ctx.deps.stdout(text),
    writeErr: (text) => ctx.deps.stderr(text),
  });
}

/** Walks a commander program through its public Help API (which already omits hidden commands and options). */
export function describeProgram(program: Command): CompletionSpec {
  const help = new Help();
  const describeFlags = (command: Command): FlagSpec[] =>
    help.visibleOptions(command).map((option) => {
      const takesValue = option.required || option.optional;
      return {
        ...(option.long === undefined ? {} : { long: option.long }),
        ...(option.short === undefined ? {} : { short: option.short }),
        description: option.description,
        value: valueKindFor(option.long ?? option.short ?? '', takesValue, option.argChoices),
      };
    });
  const commands: CommandSpec[] = help
    .visibleCommands(program)
    .filter((command) => command.name() !== 'help')
    .map((command) => ({
      name: command.name(),
      description: command.description(),
      flags: describeFlags(command),
      args: command.registeredArguments.map(
        (argument): ArgSpec => ({
          name: argument.name(),
          variadic: argument.variadic,
          value: valueKindFor(argument.name(), true, argument.argChoices),
        }),
      ),
    }));
  return { program: program.name(), flags: describeFlags(program), commands };
}
