// What a shell needs to know to complete sa-kubeconfig: commands, their flags and positionals, and
// what kind of value each takes. Plain data, derived from the commander program at run time (see
// src/commands/completion.ts), so a new flag is completed without anyone keeping a list.

/** How the value of a flag or positional is completed. */
export type ValueKind =
  | { readonly kind: 'none' }
  | { readonly kind: 'any' }
  | { readonly kind: 'file' }
  | { readonly kind: 'directory' }
  /**
   * Context names listed by `sa-kubeconfig __complete contexts`, from the file given to
   * `kubeconfigFlag` on the same command line (else KUBECONFIG, else ~/.kube/config).
   */
  | { readonly kind: 'context'; readonly kubeconfigFlag: string }
  | { readonly kind: 'choices'; readonly choices: readonly string[] };

export interface FlagSpec {
  /** `--sa-dir`; absent for a short-only flag. */
  readonly long?: string;
  /** `-o`; absent for a long-only flag. */
  readonly short?: string;
  readonly description: string;
  readonly value: ValueKind;
}

export interface ArgSpec {
  readonly name: string;
  readonly variadic: boolean;
  readonly value: ValueKind;
}

export interface CommandSpec {
  readonly name: string;
  readonly description: string;
  readonly flags: readonly FlagSpec[];
  readonly args: readonly ArgSpec[];
}

export interface CompletionSpec {
  /** The program name the shell completes (`sa-kubeconfig`). */
  readonly program: string;
  /** Flags of the program itself (also accepted after a command, as commander parses them anywhere). */
  readonly flags: readonly FlagSpec[];
  readonly commands: readonly CommandSpec[];
}

/** The hidden command the scripts call to list context names. */
export const COMPLETE_COMMAND = '__complete';

const FILE_NAME = /(^|-)(kubeconfig|file|ca|cert|certificate|key|ca-file|cert-file|key-file)$/;
const DIRECTORY_NAME = /(^|-)(dir|directory)$/;
const CONTEXT_NAME = /(^|-)context$/;

/**
 * Decides how a value is completed from its name (flag without dashes, or positional name) and
 * any declared choices. Names are this program's conventions: `X-context` → contexts of `--X-kubeconfig`,
 * `--kubeconfig` and `*-file` → files, `*-dir` → directories.
 */
export function valueKindFor(name: string, takesValue: boolean, choices?: readonly string[]): ValueKind {
  if (!takesValue) return { kind: 'none' };
  if (choices !== undefined && choices.length > 0) return { kind: 'choices', choices };
  const bare = name.replace(/^-+/, '');
  // `--context` names a context of `--kubeconfig`, `--source-context` one of `--source-kubeconfig`
  // (never of the destination --kubeconfig: from-* passes the source pair to kubectl).
  if (CONTEXT_NAME.test(bare)) return { kind: 'context', kubeconfigFlag: `--${bare.slice(0, -'context'.length)}kubeconfig` };
  if (DIRECTORY_NAME.test(bare)) return { kind: 'directory' };
  if (FILE_NAME.test(bare)) return { kind: 'file' };
  return { kind: 'any' };
}

/** Every spelling of a flag (`-o`, `--output`). */
export function flagNames(flag: FlagSpec): readonly string[] {
  return [flag.short, flag.long].filter((name): name is string => name !== undefined);
}
