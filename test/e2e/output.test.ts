// The CLI writes its output with writeSync on fds 1 and 2 (src/cli.ts), not through
// process.stdout: a reader that goes away must not be an error, and a non-blocking pipe that
// fills up (EAGAIN) must still get every byte, in order, with the right exit status.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { load } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { makeMount, tempDir, testCa } from '../support/mount.js';
import { baseEnv, cliPath } from '../support/run-cli.js';

const dirs: string[] = [];
/** The EAGAIN case needs python3 to hand the CLI a non-blocking stdout (see below). */
const hasPython = spawnSync('python3', ['--version']).status === 0;
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function exitOf(child: ReturnType<typeof spawn>): Promise<{ code: number | null; stderr: string }> {
  const stderr: Buffer[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr: Buffer.concat(stderr).toString('utf8') })));
}

describe('output', () => {
  it('is no error when the reader has gone away (EPIPE)', async () => {
    const child = spawn(process.execPath, [cliPath, '--help'], { env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // before the child has written anything
    const { code, stderr } = await exitOf(child);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });

  // /dev/full answers every write with ENOSPC, as a full disk under `> file` does.
  it.each([
    ['--help', () => ['--help']],
    ['init (the file is written, its report lost)', (dir: string, sa: string) => ['init', '--sa-dir', sa, '--server', 'https://10.96.0.1:443', '--kubeconfig', join(dir, 'config')]],
    ['init --stdout', (_dir: string, sa: string) => ['init', '--stdout', '--sa-dir', sa, '--server', 'https://10.96.0.1:443']],
  ])('says that stdout cannot be written, exit 3, not an internal error (%s)', async (_name, args) => {
    const dir = tempDir();
    dirs.push(dir);
    const mount = await makeMount(join(dir, 'mount'));
    const full = openSync('/dev/full', 'w');
    try {
      const child = spawn(process.execPath, [cliPath, ...args(dir, mount.dir)], { env: { ...baseEnv(), HOME: dir }, stdio: ['ignore', full, 'pipe'] });
      const { code, stderr } = await exitOf(child);
      expect({ code, lines: stderr.split('\n').filter((line) => line.startsWith('error:')) }).toEqual({ code: 3, lines: ['error: cannot write to standard output: no space left on device'] });
      expect(stderr).not.toContain('internal error');
    } finally {
      closeSync(full);
    }
  });

  it.skipIf(!hasPython)('arrives whole through a full non-blocking pipe (EAGAIN), with exit status 0', async () => {
    const dir = tempDir();
    dirs.push(dir);
    // A CA bundle of 400 certificates makes a --stdout kubeconfig of ~300 KB, several times a
    // pipe's buffer, so writeSync meets EAGAIN while nobody reads.
    const ca = (await testCa()).cert;
    const bundle = Array.from({ length: 400 }, () => ca).join('');
    const mount = await makeMount(join(dir, 'mount'), { caPem: bundle });
    const fifo = join(dir, 'stdout.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    // libuv makes a child's stdio blocking, so node's own spawn cannot hand over a non-blocking
    // pipe; python opens the write end O_NONBLOCK and execs the CLI with it as stdout, as a parent
    // whose own stdout is a non-blocking pipe would pass it on.
    const launcher = 'import os, sys\nfd = os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)\nos.dup2(fd, 1)\nos.execv(sys.argv[2], sys.argv[2:])';
    const child = spawn('python3', ['-c', launcher, fifo, process.execPath, cliPath, 'init', '--stdout', '--sa-dir', mount.dir, '--server', 'https://10.96.0.1:443'], {
      env: baseEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let done = false;
    const exited = exitOf(child).then((result) => {
      done = true;
      return result;
    });
    await sleep(500); // let the pipe fill up
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      let read: number;
      try {
        read = readSync(reader, buffer, 0, buffer.length, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        await sleep(5);
        continue;
      }
      if (read === 0) {
        // No writer: not yet (python has not opened the FIFO) or no more (the CLI has exited).
        if (done) break;
        await sleep(5);
        continue;
      }
      chunks.push(Buffer.from(buffer.subarray(0, read)));
    }
    closeSync(reader);
    const { code, stderr } = await exited;
    expect(code).toBe(0);
    expect(stderr).toMatch(/^warning: the embedded token expires in .*\n$/); // --stdout embeds it; nothing else
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text.length).toBeGreaterThan(200_000);
    const kubeconfig = load(text) as { clusters: { cluster: { 'certificate-authority-data': string } }[]; users: { user: { token: string } }[] };
    expect(Buffer.from(kubeconfig.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString()).toBe(bundle);
    expect(kubeconfig.users[0]?.user.token).toBe(mount.token);
  });
});
