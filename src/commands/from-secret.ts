import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';

// Placeholder until this command lands: it fails loudly instead of pretending.
export function fromSecretCommand(_ctx: CommandContext): Command {
  return new Command('from-secret').description('write a kubeconfig from a service-account-token Secret (through kubectl) (not implemented yet)').argument('[args...]').allowUnknownOption().action(() => {
    throw new CliError('ERR_INTERNAL', 'from-secret is not implemented yet');
  });
}
