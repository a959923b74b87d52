import { describe, expect, it } from 'vitest';
import { createSecretRegistry, neutralizeControls } from '../../src/output.js';

describe('neutralizeControls', () => {
  it.each([
    ['an OSC title sequence and a screen clear', 'error: \u001b]0;pwned\u0007\u001b[2Jboom', 'error: \\x1b]0;pwned\\x07\\x1b[2Jboom'],
    ['a NUL byte', 'a\u0000b', 'a\\x00b'],
    ['a C1 control', 'a\u009bb', 'a\\x9bb'],
    ['DEL', 'a\u007fb', 'a\\x7fb'],
    ['a right-to-left override (Trojan Source)', 'ctx-\u202eevil', 'ctx-\\u202eevil'],
    ['a bidi isolate', 'a\u2066b\u2069', 'a\\u2066b\\u2069'],
  ])('shows %s instead of obeying it', (_name, input, output) => {
    expect(neutralizeControls(input)).toBe(output);
  });

  it('keeps tabs, newlines and non-ASCII text', () => {
    expect(neutralizeControls('a\tb\nc ✓ système')).toBe('a\tb\nc ✓ système');
  });
});

describe('createSecretRegistry', () => {
  it('redacts every registered secret everywhere it appears, and ignores short values', () => {
    const secrets = createSecretRegistry();
    secrets.add('eyJhbGciOiJFUzI1NiJ9.payload.signature');
    secrets.add('short');
    expect(secrets.redact('Bearer eyJhbGciOiJFUzI1NiJ9.payload.signature and eyJhbGciOiJFUzI1NiJ9.payload.signature, short')).toBe('Bearer REDACTED and REDACTED, short');
  });
});
