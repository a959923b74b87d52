// Picks the renderer for a shell. Loaded lazily by the completion command.
import { renderBashCompletion } from './bash.js';
import { renderFishCompletion } from './fish.js';
import type { CompletionSpec } from './spec.js';
import { renderZshCompletion } from './zsh.js';

export function renderCompletionScript(shell: 'bash' | 'zsh' | 'fish', spec: CompletionSpec): string {
  switch (shell) {
    case 'bash':
      return renderBashCompletion(spec);
    case 'zsh':
      return renderZshCompletion(spec);
    case 'fish':
      return renderFishCompletion(spec);
  }
}
