// The composition root and the only file that touches `process`.
import { homedir, hostname } from 'node:os';
import * as fsp from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { main } from './main.js';
import { killRunningChildren, spawnProcess, type Deps } from './deps.js';

function nodeDeps(): Deps {
  return {
    fs: fsp,
    env: process.env,
    // client-go's HomeDir() on Unix is $HOME; os.homedir() falls back to the passwd entry.
    homeDir: process.env['HOME'] ?? homedir(),
    cwd: process.cwd(),
    pid: process.pid,
    now: () => new Date(),
    sleep: (ms) => sleep(ms),
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    isTTY: {
      stdout: Boolean(process.stdout.isTTY),
      stderr: Boolean(process.stderr.isTTY),
      stdin: Boolean(process.stdin.isTTY),
    },
    spawn: spawnProcess,
    hostname: hostname(),
    onInterrupt: (cleanup) => {
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

// ^C or a TERM: our children lead their own process groups (so a timeout can kill what they
// started), which also keeps the terminal's ^C from reaching them; kill them, then die by the
// signal as usual unless another handler (the demo's cleanup) will.
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

// A reader that goes away (`sa-kubeconfig --help | head`) is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

// Return the code through process.exitCode (process.exit can truncate piped stdout). No top-level
// await: the bundle is CommonJS.
void main(process.argv.slice(2), nodeDeps()).then((code) => {
  process.exitCode = code;
});
