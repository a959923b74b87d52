import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';

// Placeholder until this command lands: it fails loudly instead of pretending.
export function completionCommand(_ctx: CommandContext): Command {
  return new Command('completion').description('print a shell completion script (bash, zsh, fish) (not implemented yet)').argument('[args...]').allowUnknownOption().action(() => {
    throw new CliError('ERR_INTERNAL', 'completion is not implemented yet');
  });
}
