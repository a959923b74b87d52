// nodeFileSystem (src/deps.ts) runs node:fs's synchronous calls behind fs/promises' interface.
// The callers rely on that interface exactly: a failure is a rejected promise (never a throw,
// since they write `fs.stat(p).catch(() => undefined)`), it keeps its errno code, and an open
// file works like a FileHandle. Checked against node:fs/promises itself, call by call.
import * as fsp from 'node:fs/promises';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_SPECIAL_FILE_BYTES, nodeFileSystem, type FileSystem } from '../../src/deps.js';

const root = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-fs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const missing = join(root, 'missing', 'file');

/** The outcome of a call: its value, or the error's code; a synchronous throw is reported as such. */
async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  let promise: Promise<unknown>;
  try {
    promise = call();
  } catch (error) {
    return { threwSynchronously: (error as NodeJS.ErrnoException).code };
  }
  try {
    return { value: await promise };
  } catch (error) {
    return { rejected: (error as NodeJS.ErrnoException).code, isError: error instanceof Error };
  }
}

describe('nodeFileSystem', () => {
  const failing: [string, (fs: FileSystem) => Promise<unknown>][] = [
    ['readFile', (fs) => fs.readFile(missing, 'utf8')],
    ['writeFile', (fs) => fs.writeFile(missing, 'x')],
    ['open', (fs) => fs.open(missing, 'r')],
    ['open wx on an existing file', (fs) => fs.open(join(root, 'exists'), 'wx', 0o600)],
    ['rename', (fs) => fs.rename(missing, join(root, 'elsewhere'))],
    ['unlink', (fs) => fs.unlink(missing)],
    ['stat', (fs) => fs.stat(missing)],
    ['lstat', (fs) => fs.lstat(missing)],
    ['realpath', (fs) => fs.realpath(missing)],
    ['mkdir of a path under a file', (fs) => fs.mkdir(join(root, 'exists', 'sub'), { recursive: true })],
    ['chmod', (fs) => fs.chmod(missing, 0o600)],
    ['readdir', (fs) => fs.readdir(missing)],
    ['readlink of a regular file', (fs) => fs.readlink(join(root, 'exists'))],
    ['link onto an existing name', (fs) => fs.link(join(root, 'exists'), join(root, 'exists'))],
  ];
  writeFileSync(join(root, 'exists'), 'content');

  it.each(failing)('%s fails like fs/promises: a rejected promise with the same errno code', async (_name, call) => {
    const ours = await outcome(() => call(nodeFileSystem));
    const theirs = await outcome(() => call(fsp));
    expect(theirs).toMatchObject({ isError: true });
    expect(ours).toEqual(theirs);
  });

  it('reads, writes, renames, links and lists like fs/promises', async () => {
    const fs = nodeFileSystem;
    const file = join(root, 'a.txt');
    await fs.writeFile(file, 'hello', { mode: 0o600 });
    expect(await fs.readFile(file, 'utf8')).toBe('hello');
    expect(((await fs.stat(file)).mode & 0o777).toString(8)).toBe('600');
    await fs.chmod(file, 0o640);
    expect(((await fs.lstat(file)).mode & 0o777).toString(8)).toBe('640');
    await fs.rename(file, join(root, 'b.txt'));
    await fs.link(join(root, 'b.txt'), join(root, 'c.txt'));
    symlinkSync('b.txt', join(root, 'link'));
    expect(await fs.readlink(join(root, 'link'))).toBe('b.txt');
    expect(await fs.realpath(join(root, 'link'))).toBe(await fsp.realpath(join(root, 'b.txt')));
    expect((await fs.readdir(root)).sort()).toEqual((await fsp.readdir(root)).sort());
    // Like fs/promises: the first directory it had to create.
    expect(await fs.mkdir(join(root, 'd', 'e'), { recursive: true, mode: 0o700 })).toBe(join(root, 'd'));
    await fs.rm(join(root, 'd'), { recursive: true, force: true });
    await fs.unlink(join(root, 'c.txt'));
    expect((await fs.readdir(root)).sort()).toEqual(['b.txt', 'exists', 'link']);
  });

  it('gives an open file the FileHandle calls the store uses', async () => {
    const fs = nodeFileSystem;
    const file = join(root, 'handle.txt');
    const handle = await fs.open(file, 'wx', 0o600);
    await handle.writeFile('0123456789', 'utf8');
    await handle.chmod(0o644);
    await handle.chown(process.getuid?.() ?? 0, process.getgid?.() ?? 0);
    await handle.sync();
    await handle.close();
    expect(await outcome(() => handle.close())).toMatchObject({ rejected: 'EBADF' });
    const reader = await fs.open(file, 'r');
    const buffer = Buffer.alloc(4);
    expect(await reader.read(buffer, 0, 4, null)).toEqual({ bytesRead: 4 });
    expect(await reader.read(buffer, 0, 4, null)).toEqual({ bytesRead: 4 });
    expect(buffer.toString()).toBe('4567');
    expect(await reader.read(buffer, 0, 4, null)).toEqual({ bytesRead: 2 });
    expect(await reader.read(buffer, 0, 4, null)).toEqual({ bytesRead: 0 });
    await reader.close();
    expect(((await fs.stat(file)).mode & 0o777).toString(8)).toBe('644');
  });

  it('stops reading a device that never ends (/dev/zero) with EFBIG', async () => {
    expect(await outcome(() => nodeFileSystem.readFile('/dev/zero', 'utf8'))).toEqual({ rejected: 'EFBIG', isError: true });
    expect(MAX_SPECIAL_FILE_BYTES).toBe(64 * 1024 * 1024);
  });

  it('waits for the writer of a FIFO without blocking the event loop (timers and ^C still work)', async () => {
    const fifo = join(root, 'kubeconfig.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 10);
    try {
      const reading = nodeFileSystem.readFile(fifo, 'utf8');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(ticks).toBeGreaterThan(5); // the read is waiting, the loop is not
      const writer = spawn('sh', ['-c', `printf 'apiVersion: v1\\n' > '${fifo}'`]);
      const written = new Promise((resolve) => writer.on('close', resolve));
      expect(await reading).toBe('apiVersion: v1\n');
      expect(await written).toBe(0);
    } finally {
      clearInterval(ticker);
    }
  });
});
