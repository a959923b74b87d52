// A kubectl wrapper for tests: a `kubectl` script in its own directory that appends every argv it
// is started with to a log file and then execs the real kubectl. Put its directory first on the
// child's PATH (or pass --kubectl <path>) and assert on calls(): e.g. that no token is ever in argv.
import { execFileSync } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * The real kubectl: the first executable `kubectl` on the test process's PATH (read, never
 * changed). /usr/bin/kubectl on these machines; a tool-cache path on GitHub runners.
 */
export function findRealKubectl(path: string = process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin'): string {
  for (const dir of path.split(delimiter)) {
    if (dir === '' || dir.includes('sa-kubeconfig-fake-kubectl-')) continue;
    const candidate = join(dir, 'kubectl');
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  throw new Error('no kubectl on PATH: the e2e tests need the real kubectl');
}

export const REAL_KUBECTL = findRealKubectl();

let minor: number | undefined;
/** The real kubectl's client minor version (e.g. 32), to skip what an old kubectl cannot do. */
export function kubectlClientMinor(): number {
  if (minor === undefined) {
    const text = execFileSync(REAL_KUBECTL, ['version', '--client', '-o', 'json'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: tmpdir() } });
    const parsed = JSON.parse(text) as { clientVersion?: { minor?: string } };
    minor = Number.parseInt(parsed.clientVersion?.minor ?? '0', 10);
  }
  return minor;
}

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
