import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';

// Placeholder until this command lands: it fails loudly instead of pretending.
export function probeCommand(_ctx: CommandContext): Command {
  return new Command('probe').description('check a kubeconfig context stage by stage: dns, tcp, tls, version, authn, authz, request (not implemented yet)').argument('[args...]').allowUnknownOption().action(() => {
    throw new CliError('ERR_INTERNAL', 'probe is not implemented yet');
  });
}
