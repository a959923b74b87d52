// The Node single executable (scripts/sea.mjs) runs where no Node is installed: PATH holds
// nothing but a directory that does not exist.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMount, type Mount } from '../support/mount.js';
import { repoRoot, runCli } from '../support/run-cli.js';

const execFileAsync = promisify(execFile);
const SERVER = 'https://127.0.0.1:6443';

/** Why the single executable cannot be built on this machine, or undefined when it can. */
function seaUnsupported(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the single executable is built for linux-x64 only, this is ${process.platform}-${process.arch}`;
  // Distribution builds of node may lack the fuse postject looks for (documented in Node's SEA guide).
  if (!readFileSync(process.execPath).includes('NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2')) return `${process.execPath} was built without the SEA fuse`;
  return undefined;
}

const reason = seaUnsupported();

describe.skipIf(reason !== undefined)(`single executable${reason === undefined ? '' : ` (skipped: ${reason})`}`, () => {
  let work: string;
  let executable: string;
  let mount: Mount;
  // The child sees no node at all: PATH points at a directory that does not exist.
  const env = { PATH: '/nonexistent' };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sa-sea-'));
    mount = await makeMount(join(work, 'mount'));
    const { stdout } = await execFileAsync(process.execPath, [join(repoRoot, 'scripts', 'sea.mjs'), join(work, 'build')], {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work },
      maxBuffer: 16 * 1024 * 1024,
    });
    executable = stdout.trim().replace(/^wrote /, '');
  }, 180_000);

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('prints its version with no node on PATH', async () => {
    const packageJson = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const result = await runCli(['--version'], { command: [executable], env, cwd: work });
    expect(result).toMatchObject({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' });
  });

  it('runs init into a temporary kubeconfig with no node on PATH', async () => {
    const kubeconfig = join(work, 'sea.kubeconfig');
    const result = await runCli(['init', '--sa-dir', mount.dir, '--kubeconfig', kubeconfig, '--server', SERVER], { command: [executable], env, cwd: work });
    expect(result.stderr).not.toContain(mount.token);
    expect(result.code).toBe(0);
    const written = load(await readFile(kubeconfig, 'utf8')) as { clusters?: { cluster: { server: string } }[] };
    expect(written.clusters?.map((cluster) => cluster.cluster.server)).toEqual([SERVER]);
  });
});
