import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';

// Placeholder until this command lands: it fails loudly instead of pretending.
export function demoCommand(_ctx: CommandContext): Command {
  return new Command('demo').description('try it: emulated API server, a fake pod mount, init, probe and kubectl, all in a temp dir (not implemented yet)').argument('[args...]').allowUnknownOption().action(() => {
    throw new CliError('ERR_INTERNAL', 'demo is not implemented yet');
  });
}
