// Runs the BUILT CLI (bin/sa-kubeconfig.js → dist/) as a child process, the way a user would.
// The child's environment is explicit: PATH, HOME and NO_COLOR plus what the test passes, never
// the parent's environment (which may hold tokens or a KUBECONFIG that would leak into results).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const cliPath = fileURLToPath(new URL('../../bin/sa-kubeconfig.js', import.meta.url));

export interface RunCliOptions {
  /** Added to (and overriding) the base env {PATH, HOME, NO_COLOR}. A value of undefined removes a key. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** Written to the child's stdin, which is then closed. Default: empty stdin. */
  readonly stdin?: string;
  /** Kill the child (SIGKILL) after this long; the result then has timedOut: true. Default 30 s. */
  readonly timeoutMs?: number;
  /** The program to run instead of `node bin/sa-kubeconfig.js` (e.g. an installed copy or the SEA binary). */
  readonly command?: readonly string[];
}

export interface RunCliResult {
  /** Exit code, or null when the child was killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

let isolatedHome: string | undefined;

/**
 * An empty HOME private to this test process (removed at exit), so a child that falls back to
 * ~/.kube/config never reads or writes the real user's kubeconfig. Pass env.HOME to choose another.
 */
export function isolatedHomeDir(): string {
  if (isolatedHome === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-home-'));
    isolatedHome = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return isolatedHome;
}

/** The base environment every child gets: the parent's PATH, an isolated HOME, NO_COLOR. */
export function baseEnv(): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: isolatedHomeDir(),
    NO_COLOR: '1',
  };
}

export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<RunCliResult> {
  const env: Record<string, string> = baseEnv();
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const [command, ...prefix] = options.command ?? [process.execPath, cliPath];
  if (command === undefined) throw new Error('runCli: empty command');
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...prefix, ...args], {
      cwd: options.cwd ?? repoRoot,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 30_000);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => {
      /* the child may exit before reading stdin (EPIPE) */
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
      });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
