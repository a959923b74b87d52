// What every command receives from main(): the world (deps, with redacting stdout/stderr), the
// secret registry, and a way to report warnings. Commands return an exit code.
import type { Deps } from './deps.js';
import type { ExitCode } from './errors.js';
import type { SecretRegistry } from './output.js';

export interface CommandContext {
  /** The world; deps.stdout and deps.stderr redact every registered secret. */
  readonly deps: Deps;
  /**
   * Unredacted stdout, only for a kubeconfig the user asked for on stdout (--stdout). On GitHub
   * Actions it masks the registered secrets first (::add-mask::).
   */
  readonly writeSecretOutput: (text: string) => void;
  readonly secrets: SecretRegistry;
  readonly debug: () => boolean;
  /** `warning: …` on stderr (redacted). Commands with -o json still warn on stderr. */
  readonly warn: (message: string) => void;
  /** Records the exit code the command wants main() to return. */
  readonly setExitCode: (code: ExitCode) => void;
}
