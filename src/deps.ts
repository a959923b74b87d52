// The Deps record: everything a command needs from the outside world. Only src/cli.ts builds the
// real one (nodeDeps); tests pass fakes or a real fs rooted in a temp dir. No module reads
// process.env or touches the terminal on its own.
// Named imports: a namespace import would make the bundle copy every export of node:fs at start-up.
import { chmodSync, close, closeSync, fchmodSync, fchownSync, fstatSync, fsyncSync, ftruncateSync, linkSync, lstatSync, mkdirSync, open, openSync, read, readFileSync, readSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { errnoCode } from './errors.js';

/** The part of an open file we use (a subset of fs/promises' FileHandle, which satisfies it). */
export interface FileHandle {
  writeFile(data: string, encoding?: 'utf8' | 'latin1'): Promise<void>;
  read(buffer: Buffer, offset: number, length: number, position: number | null): Promise<{ readonly bytesRead: number }>;
  chown(uid: number, gid: number): Promise<void>;
  chmod(mode: number): Promise<void>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  stat(): Promise<Stats>;
  close(): Promise<void>;
}

/**
 * The file operations we use, with fs/promises' signatures (so node:fs/promises itself satisfies
 * it, as the tests pass it). Errors keep their errno `code`.
 */
export interface FileSystem {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  readFile(path: string): Promise<Buffer>;
  writeFile(path: string, data: string, options?: { readonly mode?: number }): Promise<void>;
  open(path: string, flags: string | number, mode?: number): Promise<FileHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  stat(path: string): Promise<Stats>;
  /**
   * stat, or undefined for a path that does not exist, without creating an error: the first
   * errno error of a run costs ~1.3M instructions (V8 sets up error and stack machinery), which
   * the legacy-kubeconfig check would otherwise add to every init. Optional: fs/promises lacks it.
   */
  statIfExists?(path: string): Promise<Stats | undefined>;
  lstatIfExists?(path: string): Promise<Stats | undefined>;
  lstat(path: string): Promise<Stats>;
  realpath(path: string): Promise<string>;
  mkdir(path: string, options?: { readonly recursive?: boolean; readonly mode?: number }): Promise<string | undefined>;
  chmod(path: string, mode: number): Promise<void>;
  readdir(path: string): Promise<string[]>;
  rm(path: string, options?: { readonly recursive?: boolean; readonly force?: boolean; readonly maxRetries?: number; readonly retryDelay?: number }): Promise<void>;
  readlink(path: string): Promise<string>;
  link(existing: string, path: string): Promise<void>;
}

/** stat, or undefined where nothing exists (ENOENT); other errors reject. No error object is made for a missing path when fs can say so. */
export async function statIfExists(fs: FileSystem, path: string): Promise<Stats | undefined> {
  if (fs.statIfExists) return fs.statIfExists(path);
  try {
    return await fs.stat(path);
  } catch (error) {
    if (isNoEntry(error)) return undefined;
    throw error;
  }
}

/** lstat, as statIfExists. */
export async function lstatIfExists(fs: FileSystem, path: string): Promise<Stats | undefined> {
  if (fs.lstatIfExists) return fs.lstatIfExists(path);
  try {
    return await fs.lstat(path);
  } catch (error) {
    if (isNoEntry(error)) return undefined;
    throw error;
  }
}

function isNoEntry(error: unknown): boolean {
  return errnoCode(error) === 'ENOENT';
}

/** Runs one synchronous node:fs call and settles a promise with its outcome. */
function settle<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (error) {
    // node:fs throws Errors that carry an errno code.
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function openFileHandle(fd: number): FileHandle {
  return {
    // writeSync until all is written, which is what writeFileSync does with a descriptor; writeSync
    // is the one the output already uses, and a second function's first call costs start-up.
    writeFile: (data, encoding = 'utf8') =>
      settle(() => {
        const bytes = Buffer.from(data, encoding);
        for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
      }),
    read: (buffer, offset, length, position) => settle(() => ({ bytesRead: readSync(fd, buffer, offset, length, position) })),
    chown: (uid, gid) => settle(() => fchownSync(fd, uid, gid)),
    chmod: (mode) => settle(() => fchmodSync(fd, mode)),
    sync: () => settle(() => fsyncSync(fd)),
    truncate: (length) => settle(() => ftruncateSync(fd, length)),
    stat: () => settle(() => fstatSync(fd)),
    close: () => settle(() => closeSync(fd)),
  };
}

/** Wraps one callback-style node:fs call in a promise. */
function call<T>(start: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}

/** A FileHandle whose reads wait in libuv's thread pool, not on the main thread (see below). */
function openWaitingFileHandle(fd: number): FileHandle {
  return {
    ...openFileHandle(fd),
    read: (buffer, offset, length, position) => call<number>((done) => read(fd, buffer, offset, length, position, done)).then((bytesRead) => ({ bytesRead })),
    close: () => call<void>((done) => close(fd, done)),
  };
}

/** More than any kubeconfig, CA bundle or token we accept; a device such as /dev/zero never ends. */
export const MAX_SPECIAL_FILE_BYTES = 64 * 1024 * 1024;

/** A FIFO or a device (not a regular file, directory or missing path): reading it may wait or never end. */
function isSpecialFile(path: string): boolean {
  try {
    const stat = statSync(path, { throwIfNoEntry: false });
    return stat !== undefined && !stat.isFile() && !stat.isDirectory();
  } catch {
    return false; // the read itself reports the error (EACCES, ENOTDIR, …)
  }
}

/** Reads a FIFO or device in the thread pool, at most MAX_SPECIAL_FILE_BYTES (then EFBIG). */
async function readSpecialFile(path: string): Promise<Buffer> {
  const handle = openWaitingFileHandle(await call<number>((done) => open(path, 'r', done)));
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(1024 * 1024);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) return Buffer.concat(chunks, total);
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > MAX_SPECIAL_FILE_BYTES) {
        throw Object.assign(new Error(`EFBIG: file too large, read '${path}'`), { code: 'EFBIG', syscall: 'read', path });
      }
    }
  } finally {
    await handle.close();
  }
}

/**
 * The real FileSystem: node:fs's synchronous calls behind the promise interface. Measured here
 * (Node 20.20), node:fs/promises cost ~2 ms of start-up (it loads streams and readline), and the
 * thread-pool round trip of each asynchronous call added up over init's twenty-odd calls on
 * local files. The exception is reading a FIFO or a device (`--kubeconfig <(…)`, a
 * certificate-authority of /dev/zero): that goes through the thread pool, so that it can wait
 * for a writer while ^C and timers still work, and it stops at MAX_SPECIAL_FILE_BYTES.
 */
export const nodeFileSystem: FileSystem = {
  readFile: ((path: string, encoding?: 'utf8') =>
    isSpecialFile(path)
      ? readSpecialFile(path).then((bytes) => (encoding === undefined ? bytes : bytes.toString(encoding)))
      : settle(() => (encoding === undefined ? readFileSync(path) : readFileSync(path, encoding)))) as FileSystem['readFile'],
  writeFile: (path, data, options) => settle(() => writeFileSync(path, data, { mode: options?.mode ?? 0o666 })),
  open: (path, flags, mode) =>
    flags === 'r' && isSpecialFile(path)
      ? call<number>((done) => open(path, flags, done)).then(openWaitingFileHandle)
      : settle(() => openFileHandle(openSync(path, flags, mode ?? 0o666))),
  rename: (from, to) => settle(() => renameSync(from, to)),
  unlink: (path) => settle(() => unlinkSync(path)),
  stat: (path) => settle(() => statSync(path)),
  statIfExists: (path) => settle(() => statSync(path, { throwIfNoEntry: false })),
  lstatIfExists: (path) => settle(() => lstatSync(path, { throwIfNoEntry: false })),
  lstat: (path) => settle(() => lstatSync(path)),
  realpath: (path) => settle(() => realpathSync.native(path)),
  mkdir: (path, options) => settle(() => mkdirSync(path, { ...options })),
  chmod: (path, mode) => settle(() => chmodSync(path, mode)),
  readdir: (path) => settle(() => readdirSync(path)),
  rm: (path, options) => settle(() => rmSync(path, { ...options })),
  readlink: (path) => settle(() => readlinkSync(path)),
  link: (existing, path) => settle(() => linkSync(existing, path)),
};

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
  /** The effective user id (Unix), for the kernel's protected_symlinks / protected_regular rules (store.ts). */
  readonly uid?: number | undefined;
  /** process.platform: the probe reads the system roots as Go does on Linux (probe/target.ts loadGoSystemRoots). */
  readonly platform?: NodeJS.Platform | undefined;
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
