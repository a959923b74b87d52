// FlagSpecs (flag-spec.ts) as commander options.
import { Option, type Command } from 'commander';
import { describeFlag, type FlagSpec } from './flag-spec.js';

export function addFlags(command: Command, specs: readonly FlagSpec[]): Command {
  for (const spec of specs) {
    const option = new Option(describeFlag(spec).flags, spec.description);
    if (spec.choices !== undefined) option.choices(spec.choices);
    if (spec.defaultValue !== undefined) option.default(spec.defaultValue);
    command.addOption(option);
  }
  return command;
}
