// The real Spawn (src/deps.ts declares it): children in their own process groups, and the registry
// of those still running, which cli.ts kills on ^C. A module of its own so that the registry has
// exactly one copy: dist/ has several bundles (scripts/build.mjs), and the build fails if any
// bundle but cli.cjs contains this file. Everything else gets spawn from Deps.
import type { Spawn } from './deps.js';

export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** After a child exits, how long its pipes may stay quiet before we stop waiting for them to close. */
const EXIT_DRAIN_MS = 250;

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
export const spawnProcess: Spawn = async (request) => {
  // Loaded on first use: node:child_process (with net, dgram and streams) costs start-up that
  // init, which never spawns, should not pay. The build turns this import() into a require().
  const { spawn: spawnChild } = await import('node:child_process');
  return new Promise((resolve, reject) => {
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
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let drained: ReturnType<typeof setTimeout> | undefined;
    if (child.pid !== undefined) runningGroups.add(child.pid);
    const timer = setTimeout(() => {
      if (exited) {
        // Exited in time, but something it left behind still writes to the pipes: stop reading.
        child.stdout.destroy();
        child.stderr.destroy();
        finish(exited.code, exited.signal);
        return;
      }
      timedOut = true;
      killGroup();
    }, request.timeoutMs);
    for (const name of ['stdout', 'stderr'] as const) {
      child[name].on('data', (chunk: Buffer) => {
        if (exited) waitForQuiet();
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
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drained);
      if (child.pid !== undefined) runningGroups.delete(child.pid);
      resolve({
        exitCode: code,
        signal,
        stdout: Buffer.concat(chunks.stdout).toString('utf8'),
        stderr: Buffer.concat(chunks.stderr).toString('utf8'),
        timedOut,
        outputTooLarge,
      });
    };
    // 'close' comes when every writer of the pipes has closed them, which includes anything the
    // child left running in the background with its stdout or stderr (an exec plugin's helper
    // daemon): a kubectl that exited 0 long ago was reported as timed out. So once the child has
    // exited, the pipes get until they have been quiet for EXIT_DRAIN_MS, then we stop reading.
    // What the child left behind keeps running, as it would after a shell's `$(kubectl …)`.
    const waitForQuiet = () => {
      clearTimeout(drained);
      // One more poll pass first (setImmediate): had we been descheduled past the quiet time, libuv
      // runs this timer before reading what is already in the pipes.
      drained = setTimeout(() => {
        setImmediate(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          if (exited) finish(exited.code, exited.signal);
        });
      }, EXIT_DRAIN_MS);
    };
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      waitForQuiet();
    });
    child.on('close', (code, signal) => finish(code, signal));
    child.stdin.on('error', () => {
      /* the child may exit before reading stdin (EPIPE); its exit status tells the story */
    });
    child.stdin.end(request.stdin ?? '');
  });
};
