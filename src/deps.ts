// The Deps record: everything a command needs from the outside world. Only src/cli.ts builds the
// real one (nodeDeps); tests pass fakes or a real fs rooted in a temp dir. No module reads
// process.env or touches the terminal on its own.
import { spawn as spawnChild } from 'node:child_process';
import * as fsp from 'node:fs/promises';

export type FileSystem = Pick<
  typeof fsp,
  | 'readFile'
  | 'writeFile'
  | 'open'
  | 'rename'
  | 'unlink'
  | 'stat'
  | 'lstat'
  | 'realpath'
  | 'mkdir'
  | 'chmod'
  | 'readdir'
  | 'rm'
  | 'readlink'
  | 'link'
>;

export interface SpawnRequest {
  readonly command: string;
  readonly args: readonly string[];
  /** Written to the child's stdin, then closed. Secrets go here, never into args. */
  readonly stdin?: string;
  /** The complete environment of the child (not merged with anything). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs: number;
  readonly maxOutputBytes?: number;
}

export interface SpawnResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** The child printed more than maxOutputBytes on stdout or stderr; it was killed and the output cut. */
  readonly outputTooLarge?: boolean;
}

/** Runs a program with an argv array, never through a shell. Rejects (errno ENOENT, EACCES) when it cannot start. */
export type Spawn = (request: SpawnRequest) => Promise<SpawnResult>;

export interface Deps {
  readonly fs: FileSystem;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  readonly cwd: string;
  readonly pid: number;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly isTTY: { readonly stdout: boolean; readonly stderr: boolean; readonly stdin: boolean };
  readonly spawn: Spawn;
  /** For stale-lock detection; without them a lock is judged by its age alone. */
  readonly hostname?: string;
  readonly processAlive?: (pid: number) => boolean;
  /** On Ctrl-C (SIGINT): run cleanup, then die by the signal as usual. Returns a function that removes the hook. */
  readonly onInterrupt?: (cleanup: () => Promise<void>) => () => void;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** Process groups of children still running (each child leads its own group, see below). */
const runningGroups = new Set<number>();

/**
 * Kills every child still running, with what it started. Our children do not share the terminal's
 * process group, so ^C does not reach them: cli.ts calls this on SIGINT and SIGTERM.
 */
export function killRunningChildren(): void {
  for (const group of runningGroups) {
    try {
      // eslint-disable-next-line no-restricted-globals -- see killGroup below
      process.kill(-group, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  runningGroups.clear();
}

/**
 * The real Spawn. The child leads its own process group, so a timeout (or too much output) kills
 * it together with whatever it started (a kubectl wrapper script's own children); execFile's
 * timeout would kill only the direct child. Output past maxOutputBytes is not kept.
 */
export const spawnProcess: Spawn = (request) =>
  new Promise((resolve, reject) => {
    const limit = request.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const child = spawnChild(request.command, [...request.args], {
      env: request.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      windowsHide: true,
      shell: false,
    });
    const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const sizes = { stdout: 0, stderr: 0 };
    let timedOut = false;
    let outputTooLarge = false;
    const killGroup = () => {
      try {
        // A negative pid signals the whole process group the child leads. (The one use of process
        // outside cli.ts: child_process offers no group kill.)
        // eslint-disable-next-line no-restricted-globals
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    if (child.pid !== undefined) runningGroups.add(child.pid);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, request.timeoutMs);
    for (const name of ['stdout', 'stderr'] as const) {
      child[name].on('data', (chunk: Buffer) => {
        sizes[name] += chunk.length;
        if (sizes[name] <= limit) chunks[name].push(chunk);
        else if (!outputTooLarge) {
          outputTooLarge = true;
          killGroup();
        }
      });
    }
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (child.pid !== undefined) runningGroups.delete(child.pid);
      // ENOENT / EACCES: the program could not be started at all.
      reject(Object.assign(new Error(error.message), { code: error.code }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (child.pid !== undefined) runningGroups.delete(child.pid);
      resolve({
        exitCode: code,
        signal,
        stdout: Buffer.concat(chunks.stdout).toString('utf8'),
        stderr: Buffer.concat(chunks.stderr).toString('utf8'),
        timedOut,
        outputTooLarge,
      });
    });
    child.stdin.on('error', () => {
      /* the child may exit before reading stdin (EPIPE); its exit status tells the story */
    });
    child.stdin.end(request.stdin ?? '');
  });
