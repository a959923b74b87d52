// Rendering and redaction. Every byte we print goes through a SecretRegistry: once a command has
// learnt a token (or key), it registers it and no later output can carry it by accident.

export const REDACTED = 'REDACTED';

export interface SecretRegistry {
  /** Remember a secret so that it is redacted from all later output. Short values are ignored. */
  add(secret: string | undefined): void;
  redact(text: string): string;
  /** Every registered secret (for tests and for GitHub Actions masking). */
  list(): readonly string[];
}

export function createSecretRegistry(): SecretRegistry {
  const secrets = new Set<string>();
  return {
    add(secret) {
      const value = secret?.trim();
      // Short values (a namespace, "true") would redact ordinary words; tokens and keys are long.
      if (value && value.length >= 8) secrets.add(value);
    },
    redact(text) {
      let result = text;
      for (const secret of secrets) {
        if (result.includes(secret)) result = result.split(secret).join(REDACTED);
      }
      return result;
    },
    list: () => [...secrets],
  };
}

/**
 * Makes text from outside (kubectl's stderr, a server's Status message, a file name) safe for a
 * terminal: control characters other than tab and newline, and C1 controls, are shown as \xNN
 * instead of being obeyed (an ESC sequence could retitle or clear the terminal).
 */
export function neutralizeControls(text: string): string {
  // And the bidirectional controls, which reorder what a terminal shows ("Trojan Source",
  // CVE-2021-42574): a name can otherwise look like another.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|[\u202a-\u202e\u2066-\u2069]/g, (char) => {
    const code = char.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

export type OutputFormat = 'text' | 'json';

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Whether colour may be used on a stream: a terminal, and no NO_COLOR (https://no-color.org). */
export function colorAllowed(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0') return true;
  return isTTY && env['TERM'] !== 'dumb';
}

export interface Painter {
  readonly green: (text: string) => string;
  readonly red: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly bold: (text: string) => string;
}

export function createPainter(enabled: boolean): Painter {
  const wrap = (open: number, close: number) => (text: string) =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return { green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}
