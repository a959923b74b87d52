// The composition root and the only file that touches `process`.
import { readFileSync, writeSync } from 'node:fs';
import { main } from './main.js';
import { CliError, describeErrno } from './errors.js';
import { killRunningChildren, spawnProcess } from './children.js';
import { nodeFileSystem, type Deps } from './deps.js';

async function nodeDeps(): Promise<Deps> {
  return {
    fs: nodeFileSystem,
    env: process.env,
    // client-go's HomeDir() on Unix is $HOME, unset or not: without it kubectl's ~/.kube/config is
    // .kube/config in the working directory, and so is ours. Not os.homedir(), which falls back
    // to the passwd entry: a file kubectl in the same environment would not read. On Windows
    // client-go looks through HOME, USERPROFILE and HOMEDRIVE/HOMEPATH; os.homedir() is the
    // nearest.
    homeDir: process.platform === 'win32' ? (process.env['HOME'] ?? (await import('node:os')).homedir()) : (process.env['HOME'] ?? ''),
    cwd: process.cwd(),
    pid: process.pid,
    uid: process.geteuid?.(),
    platform: process.platform,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    stdout: createOutput(1, () => process.stdout),
    stderr: createOutput(2, () => process.stderr),
    // Getters: process.stdout, stderr and stdin are created on first access, and creating one
    // costs about a millisecond of start-up; init never asks whether they are terminals.
    isTTY: {
      get stdout() {
        return Boolean(process.stdout.isTTY);
      },
      get stderr() {
        return Boolean(process.stderr.isTTY);
      },
      get stdin() {
        return Boolean(process.stdin.isTTY);
      },
    },
    spawn: (request) => {
      handleSignals();
      return spawnProcess(request);
    },
    hostname: await readHostname(),
    onInterrupt: (cleanup) => {
      handleSignals();
      const handler = () => void cleanup().finally(() => process.kill(process.pid, 'SIGINT'));
      process.once('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
    processAlive: (pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch (error) {
        // EPERM: it exists but belongs to someone else.
        return (error as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
  };
}

/**
 * For lock files (lock.ts). On Linux the kernel's own file, which is what os.hostname() returns
 * (uname's nodename): node:os is not in Node's start-up snapshot, and loading it cost 2.1M
 * instructions (callgrind), ~5% of what init adds to `node -e 0`.
 */
async function readHostname(): Promise<string> {
  if (process.platform === 'linux') {
    try {
      const name = readFileSync('/proc/sys/kernel/hostname', 'utf8').trim();
      if (name !== '') return name;
    } catch {
      /* no /proc (a chroot, a sandbox): ask libuv */
    }
  }
  return (await import('node:os')).hostname();
}

/**
 * Output to fd 1 or 2 with writeSync, not process.stdout: creating the stream loads Node's stream
 * modules (~1.5 ms of start-up, measured here), and a synchronous write is complete before we
 * exit, pipe or not. Should the descriptor be non-blocking (EAGAIN, e.g. a pipe another program
 * set so), the rest of the output goes through the stream, which waits for the reader. A reader
 * that goes away (`sa-kubeconfig --help | head`, EPIPE) is not an error of ours.
 */
function createOutput(fd: 1 | 2, stream: () => NodeJS.WriteStream): (text: string) => void {
  let viaStream = false;
  let closed = false;
  const switchToStream = () => {
    viaStream = true;
    stream().on('error', (streamError: NodeJS.ErrnoException) => {
      if (streamError.code !== 'EPIPE') throw streamError;
    });
  };
  // On Windows a console needs the stream (WriteConsoleW): raw UTF-8 bytes would be garbled.
  if (process.platform === 'win32') switchToStream();
  return (text) => {
    if (closed) return;
    if (viaStream) {
      stream().write(text);
      return;
    }
    const bytes = Buffer.from(text, 'utf8');
    for (let offset = 0; offset < bytes.length; ) {
      try {
        offset += writeSync(fd, bytes, offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EPIPE' || code === 'EBADF') {
          closed = true;
          return;
        }
        if (code !== 'EAGAIN') {
          // Nothing can be said about a failing stderr; a failing stdout (a full disk) is said
          // there, not called a bug (exit 3, not 1).
          if (fd === 2) {
            closed = true;
            return;
          }
          throw new CliError('ERR_OUTPUT_FAILED', `cannot write to standard output: ${describeErrno(error)}`, { cause: error });
        }
        switchToStream();
        stream().write(bytes.subarray(offset));
        return;
      }
    }
  };
}

let handlingSignals = false;

/**
 * ^C or a TERM: our children lead their own process groups (so a timeout can kill what they
 * started), which also keeps the terminal's ^C from reaching them; kill them, then die by the
 * signal as usual unless another handler (the demo's cleanup) will. Installed with the first
 * child or interrupt hook: before that, the default (die at once) is the same thing, and
 * installing a handler costs start-up.
 */
function handleSignals(): void {
  if (handlingSignals) return;
  handlingSignals = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      killRunningChildren();
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

// Return the code through process.exitCode (process.exit can truncate piped stdout). No top-level
// await: the bundle is CommonJS.
void nodeDeps().then((deps) => main(process.argv.slice(2), deps)).then((code) => {
  process.exitCode = code;
});
