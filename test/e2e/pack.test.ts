// Packaging: the npm tarball ships only what runs and installs into an empty prefix; the
// single-file build runs from a directory with no node_modules.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMount, type Mount } from '../support/mount.js';
import { repoRoot, runCli } from '../support/run-cli.js';

const execFileAsync = promisify(execFile);
const SERVER = 'https://127.0.0.1:6443';

/** npm gets PATH and HOME (its cache and registry settings live there), nothing else of ours. */
function npmEnv(): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root', NO_COLOR: '1' };
}

interface KubeconfigShape {
  readonly clusters?: readonly { readonly name: string; readonly cluster: { readonly server: string } }[];
  readonly contexts?: readonly { readonly name: string }[];
  readonly 'current-context'?: string;
}

async function readKubeconfig(path: string): Promise<KubeconfigShape> {
  return load(await readFile(path, 'utf8')) as KubeconfigShape;
}

let work: string;
let mount: Mount;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sa-pack-'));
  mount = await makeMount(join(work, 'mount'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  let tarball: string;
  let files: string[];

  beforeAll(async () => {
    const destination = join(work, 'pack');
    await mkdir(destination);
    // --ignore-scripts: the `prepare` build would delete dist/ under other tests running in
    // parallel; `npm test` has built it already.
    const { stdout } = await execFileAsync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], {
      cwd: repoRoot,
      env: npmEnv(),
    });
    const [result] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    if (result === undefined) throw new Error('npm pack printed no result');
    tarball = join(destination, result.filename);
    files = result.files.map((file) => file.path);
  }, 120_000);

  it('ships only bin/, dist/, README, LICENSE, SECURITY.md and package.json', () => {
    const allowed = (path: string): boolean =>
      path.startsWith('bin/') || path.startsWith('dist/') || ['README.md', 'LICENSE', 'SECURITY.md', 'package.json'].includes(path);
    expect(files.filter((path) => !allowed(path))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['bin/sa-kubeconfig.js', 'dist/cli.cjs', 'LICENSE', 'package.json']));
    if (existsSync(join(repoRoot, 'README.md'))) expect(files).toContain('README.md');
  });

  it('installs into an empty prefix and runs --version, init and probe from there', async () => {
    const prefix = join(work, 'prefix');
    // Runtime dependencies come from the npm cache (filled by `npm ci`) or the registry.
    await execFileAsync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], {
      env: npmEnv(),
    });
    const installed = join(prefix, 'bin', 'sa-kubeconfig');
    const command = [installed];
    const cwd = join(work, 'elsewhere');
    await mkdir(cwd, { recursive: true });

    const packageJson = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const version = await runCli(['--version'], { command, cwd });
    expect(version).toMatchObject({ code: 0, stdout: `${packageJson.version}\n` });

    const kubeconfig = join(work, 'installed.kubeconfig');
    const init = await runCli(['init', '--sa-dir', mount.dir, '--kubeconfig', kubeconfig, '--server', SERVER], { command, cwd });
    expect(init.stderr).not.toContain(mount.token);
    expect(init.stdout).not.toContain(mount.token);
    expect(init.code).toBe(0);
    const written = await readKubeconfig(kubeconfig);
    expect(written.clusters?.map((cluster) => cluster.cluster.server)).toEqual([SERVER]);
    expect(written.contexts).toHaveLength(1);
    expect(written['current-context']).toBe(written.contexts?.[0]?.name);

    // The probe is a bundle of its own (dist/probe.cjs) that loads dist/codec.cjs for a
    // kubeconfig with a comment: both from the installed copy. Nothing listens on port 1: exit 5.
    const refused = join(work, 'refused.kubeconfig');
    await writeFile(refused, '# refused\napiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user:\n    token: not-a-secret\n', { mode: 0o600 });
    const probe = await runCli(['probe', '--kubeconfig', refused, '-o', 'json'], { command, cwd });
    expect(probe.code).toBe(5);
    expect(JSON.parse(probe.stdout)).toMatchObject({ ok: false, exitCode: 5, stages: expect.arrayContaining([expect.objectContaining({ name: 'config', ok: true })]) });
  }, 180_000);
});

describe('single-file build (dist/sa-kubeconfig.cjs)', () => {
  let dir: string;
  let script: string;

  beforeAll(async () => {
    dir = join(work, 'single');
    await mkdir(dir);
    const built = join(work, 'bundle', 'sa-kubeconfig.cjs');
    await execFileAsync(process.execPath, [join(repoRoot, 'scripts', 'bundle-single.mjs'), built], { cwd: repoRoot, env: npmEnv() });
    // Copied alone into an empty directory: nothing to resolve from node_modules.
    script = join(dir, 'sa-kubeconfig.cjs');
    await copyFile(built, script);
  }, 120_000);

  it('is one file that needs no node_modules', async () => {
    expect((await stat(script)).isFile()).toBe(true);
    const help = await runCli(['--help'], { command: [process.execPath, script], cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: sa-kubeconfig');
  });

  it('runs init into a temporary kubeconfig', async () => {
    const kubeconfig = join(work, 'single.kubeconfig');
    const init = await runCli(['init', '--sa-dir', mount.dir, '--kubeconfig', kubeconfig, '--server', SERVER], {
      command: [process.execPath, script],
      cwd: dir,
    });
    expect(init.stderr).not.toContain(mount.token);
    expect(init.code).toBe(0);
    expect((await readKubeconfig(kubeconfig)).clusters?.map((cluster) => cluster.cluster.server)).toEqual([SERVER]);
  });
});
