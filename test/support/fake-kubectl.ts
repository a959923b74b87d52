// A kubectl wrapper for tests: a `kubectl` script in its own directory that appends every argv it
// is started with to a log file and then execs the real kubectl. Put its directory first on the
// child's PATH (or pass --kubectl <path>) and assert on calls(): e.g. that no token is ever in argv.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REAL_KUBECTL = '/usr/bin/kubectl';

export interface FakeKubectl {
  /** The directory holding `kubectl` (prepend it to PATH). */
  readonly dir: string;
  /** The wrapper script itself. */
  readonly path: string;
  /** Every argv recorded so far, in call order (without the program name). */
  calls(): readonly (readonly string[])[];
  clear(): void;
  remove(): void;
}

// One record per call: "CALL\0" then each argument followed by \0. NUL cannot occur inside an
// argument, so the log is unambiguous for everything but an argument that is exactly "CALL".
const RECORD = 'CALL';

export function createFakeKubectl(options: { readonly real?: string } = {}): FakeKubectl {
  const dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-fake-kubectl-'));
  const path = join(dir, 'kubectl');
  const log = join(dir, 'argv.log');
  writeFileSync(log, '');
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      `{ printf '%s\\0' ${RECORD}; for arg in "$@"; do printf '%s\\0' "$arg"; done; } >> ${quote(log)}`,
      `exec ${quote(options.real ?? REAL_KUBECTL)} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return {
    dir,
    path,
    calls() {
      const fields = readFileSync(log, 'utf8').split('\0');
      const calls: string[][] = [];
      for (const field of fields.slice(0, -1)) {
        if (field === RECORD) calls.push([]);
        else calls.at(-1)?.push(field);
      }
      return calls;
    },
    clear() {
      writeFileSync(log, '');
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
