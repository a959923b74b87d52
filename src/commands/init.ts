import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';

// Placeholder until this command lands: it fails loudly instead of pretending.
export function initCommand(_ctx: CommandContext): Command {
  return new Command('init').description('write a kubeconfig from the service-account mount (not implemented yet)').action(() => {
    throw new CliError('ERR_INTERNAL', 'init is not implemented yet');
  });
}
