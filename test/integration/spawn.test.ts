// The real Spawn (src/children.ts spawnProcess): argv without a shell, stdin, timeouts that kill the
// whole process group, and an output cap.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnProcess } from '../../src/children.js';
import { tempDir } from '../support/mount.js';

/** Running (a zombie waiting for a reaper counts as gone: it was killed). */
const alive = (pid: number) => {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
};

describe('spawnProcess', () => {
  it('passes argv verbatim (no shell) and stdin, and reports the exit code', async () => {
    const result = await spawnProcess({ command: process.execPath, args: ['-e', 'process.stdin.pipe(process.stdout); process.exitCode = 3', '$HOME;`x`'], stdin: 'secret on stdin', timeoutMs: 10_000 });
    expect(result).toMatchObject({ exitCode: 3, stdout: 'secret on stdin', timedOut: false, outputTooLarge: false });
  });

  it('rejects with ENOENT when the program does not exist', async () => {
    await expect(spawnProcess({ command: '/nonexistent/kubectl', args: [], timeoutMs: 1000 })).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('kills the child and what it started when the timeout passes', async () => {
    const dir = tempDir();
    const pidFile = join(dir, 'grandchild.pid');
    const result = await spawnProcess({ command: 'sh', args: ['-c', `sleep 30 & echo $! > ${pidFile}; wait`], timeoutMs: 500 });
    expect(result.timedOut).toBe(true);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive(grandchild)).toBe(false);
  });

  it('returns once the child has exited, though what it left in the background holds the pipes open', async () => {
    // Was: waited for 'close', i.e. for the background sleep, and reported a timeout.
    const started = Date.now();
    const result = await spawnProcess({ command: 'sh', args: ['-c', 'sleep 30 & echo $!; echo done >&2'], timeoutMs: 10_000 });
    const leftover = Number(result.stdout.trim());
    try {
      expect(result).toMatchObject({ exitCode: 0, stderr: 'done\n', timedOut: false });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(alive(leftover)).toBe(true);
    } finally {
      process.kill(leftover, 'SIGKILL');
    }
  });

  it('stops reading at the timeout when what the child left behind keeps writing, without calling it a timeout', async () => {
    const result = await spawnProcess({ command: 'sh', args: ['-c', '(while :; do sleep 0.05; echo more; done) & echo $! >&2; echo first'], timeoutMs: 1_500 });
    const leftover = Number(result.stderr.trim());
    try {
      expect(result).toMatchObject({ exitCode: 0, timedOut: false });
      expect(result.stdout.split('\n')).toContain('first');
    } finally {
      process.kill(leftover, 'SIGKILL');
    }
  });

  it('stops a child that prints more than the limit, keeping only the limit', async () => {
    const result = await spawnProcess({ command: 'sh', args: ['-c', 'yes aaaaaaaaaaaaaaaa'], timeoutMs: 10_000, maxOutputBytes: 1024 * 1024 });
    expect(result.outputTooLarge).toBe(true);
    expect(result.timedOut).toBe(false);
    expect(result.stdout.length).toBeLessThanOrEqual(1024 * 1024);
  });
});
