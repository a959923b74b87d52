import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';

// Placeholder until this command lands: it fails loudly instead of pretending.
export function fromServiceAccountCommand(_ctx: CommandContext): Command {
  return new Command('from-serviceaccount').description('mint a token for a service account (kubectl create token) and write a kubeconfig (not implemented yet)').argument('[args...]').allowUnknownOption().action(() => {
    throw new CliError('ERR_INTERNAL', 'from-serviceaccount is not implemented yet');
  });
}
