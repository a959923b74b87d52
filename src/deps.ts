// The Deps record: everything a command needs from the outside world. Only src/cli.ts builds the
// real one (nodeDeps); tests pass fakes or a real fs rooted in a temp dir. No module reads
// process.env or touches the terminal on its own.
import { execFile } from 'node:child_process';
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

export const spawnProcess: Spawn = (request) =>
  new Promise((resolve, reject) => {
    const child = execFile(
      request.command,
      [...request.args],
      {
        env: request.env,
        timeout: request.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: request.maxOutputBytes ?? 64 * 1024 * 1024,
        windowsHide: true,
        shell: false,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code === 'string') {
          // ENOENT / EACCES: the program could not be started at all.
          if (error.code === 'ENOENT' || error.code === 'EACCES') {
            reject(Object.assign(new Error(error.message), { code: error.code }));
            return;
          }
        }
        const timedOut = Boolean(error && error.killed && error.signal === 'SIGKILL');
        resolve({
          exitCode: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          signal: error?.signal ?? null,
          stdout: String(stdout),
          stderr: String(stderr),
          timedOut,
        });
      },
    );
    child.stdin?.on('error', () => {
      /* the child may exit before reading stdin (EPIPE); its exit status tells the story */
    });
    child.stdin?.end(request.stdin ?? '');
  });
