// Pure text helpers for the demo's walk-through: step headers, quoted command output, and temp
// paths shown as $DEMO so the narration stays short and stable.
import type { Painter } from '../output.js';

export interface Narrator {
  readonly step: (title: string) => void;
  readonly command: (argv: readonly string[]) => void;
  readonly note: (text: string) => void;
  readonly quote: (text: string, tone?: 'plain' | 'warning') => void;
  readonly pass: (text: string) => void;
  readonly fail: (text: string) => void;
  readonly skip: (text: string) => void;
  /** Replaces the demo's temp root with $DEMO. */
  readonly short: (text: string) => string;
}

const INDENT = '      ';

export function createNarrator(write: (text: string) => void, paint: Painter, totalSteps: number, roots: readonly string[]): Narrator {
  let current = 0;
  // Longest first, so /private/tmp/x is replaced before /tmp/x.
  const sortedRoots = [...new Set(roots)].filter((root) => root.length > 1).sort((a, b) => b.length - a.length);
  const short = (text: string): string => sortedRoots.reduce((acc, root) => acc.split(root).join('$DEMO'), text);
  const line = (text: string): void => write(`${text}\n`);
  return {
    short,
    step(title) {
      current += 1;
      line('');
      line(`${paint.bold(`[${current}/${totalSteps}]`)} ${paint.bold(title)}`);
    },
    command(argv) {
      line(`${INDENT}${paint.dim('$')} ${short(argv.map(quoteArg).join(' '))}`);
    },
    note(text) {
      for (const l of short(text).split('\n')) line(`${INDENT}${l}`);
    },
    quote(text, tone = 'plain') {
      const body = short(text).replace(/\n+$/, '');
      if (body === '') return;
      const bar = tone === 'warning' ? paint.yellow('│') : paint.dim('│');
      for (const l of body.split('\n')) line(`${INDENT}${bar} ${l}`);
    },
    pass(text) {
      line(`${INDENT}${paint.green('✓')} ${short(text)}`);
    },
    fail(text) {
      line(`${INDENT}${paint.red('✗')} ${short(text)}`);
    },
    skip(text) {
      line(`${INDENT}${paint.yellow('–')} ${short(text)}`);
    },
  };
}

/** Shell-style quoting for display only (nothing is ever run through a shell). */
export function quoteArg(arg: string): string {
  return /^[\w@%+=:,./$-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
