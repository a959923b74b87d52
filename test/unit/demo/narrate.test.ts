import { describe, expect, it } from 'vitest';
import { createNarrator, quoteArg } from '../../../src/demo/narrate.js';
import { createPainter } from '../../../src/output.js';

function narrator(roots: readonly string[]) {
  let out = '';
  const say = createNarrator((text) => (out += text), createPainter(false), 6, roots);
  return { say, output: () => out };
}

describe('demo narration', () => {
  it.each([
    ['/tmp/d/kubeconfig', ['/tmp/d'], '$DEMO/kubeconfig'],
    ['/private/tmp/d/x and /tmp/d/y', ['/tmp/d', '/private/tmp/d'], '$DEMO/x and $DEMO/y'],
    ['no temp path here', ['/tmp/d'], 'no temp path here'],
    ['/ stays /', ['/'], '/ stays /'],
  ])('shows %s as %s', (text, roots, expected) => {
    expect(narrator(roots).say.short(text)).toBe(expected);
  });

  it.each([
    ['--kubeconfig', '--kubeconfig'],
    ['https://127.0.0.1:6443', 'https://127.0.0.1:6443'],
    ['two words', "'two words'"],
    ["it's", `'it'\\''s'`],
  ])('quotes %s for display as %s', (arg, expected) => {
    expect(quoteArg(arg)).toBe(expected);
  });

  it('numbers steps and quotes output line by line, dropping trailing blank lines', () => {
    const { say, output } = narrator(['/tmp/d']);
    say.step('first');
    say.quote('a\n/tmp/d/b\n\n');
    say.step('second');
    say.quote('');
    expect(output()).toBe('\n[1/6] first\n      │ a\n      │ $DEMO/b\n\n[2/6] second\n');
  });
});
