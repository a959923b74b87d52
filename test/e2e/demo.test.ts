// `sa-kubeconfig demo` as a newcomer runs it: the built CLI as a process, with a fresh TMPDIR and
// HOME per run, so "nothing outside a temp dir is touched" is checked on real directories.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/mount.js';
import { baseEnv, cliPath, runCli, type RunCliResult } from '../support/run-cli.js';

const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;
const STEP_TITLES = [
  'Start an emulated Kubernetes API server on loopback',
  "Lay out the pod's service-account mount for team-a/deployer",
  'Write a kubeconfig from the mount: sa-kubeconfig init',
  'What was written',
  'Prove it works, layer by layer: sa-kubeconfig probe',
  'Use it with kubectl',
] as const;

function kubectlInstalled(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', env: { PATH: process.env['PATH'] ?? '' } });
    return true;
  } catch {
    return false;
  }
}

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A run with its own empty TMPDIR and HOME (and optionally PATH); returns both dirs for checks. */
async function runDemo(args: readonly string[] = [], env: Readonly<Record<string, string | undefined>> = {}) {
  const root = tempDir('sa-kubeconfig-demo-e2e-');
  roots.push(root);
  const tmp = join(root, 'tmp');
  const home = join(root, 'home');
  mkdirSync(tmp);
  mkdirSync(home);
  const result = await runCli(['demo', ...args], { env: { TMPDIR: tmp, HOME: home, ...env }, cwd: root, timeoutMs: 60_000 });
  return { result, tmp, home, root };
}

function output(result: RunCliResult): string {
  return result.stdout + result.stderr;
}

describe('sa-kubeconfig demo', () => {
  it('walks through every step, exits 0 and leaves TMPDIR and HOME empty', async () => {
    const { result, tmp, home } = await runDemo();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(JWT);
    STEP_TITLES.forEach((title, index) => expect(result.stdout).toContain(`[${index + 1}/6] ${title}`));
    // Every step before kubectl reports success; kubectl's step either passes or says it was skipped.
    expect(result.stdout.match(/^ {6}✓ /gm)?.length).toBeGreaterThanOrEqual(5);
    expect(result.stdout).toMatch(/✓ init wrote the kubeconfig/);
    expect(result.stdout).toMatch(/✓ every stage passed/);
    expect(result.stdout).toMatch(/│ ✓ request .*HTTP 200/);
    expect(result.stdout).toMatch(/Demo passed\./);
    expect(readdirSync(tmp)).toEqual([]);
    expect(readdirSync(home)).toEqual([]);
  });

  it.skipIf(!kubectlInstalled())('shows kubectl listing the pods with the written kubeconfig', async () => {
    const { result } = await runDemo();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/│ NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    expect(result.stdout).toMatch(/│ web-6d8f7c9b5-q2x7z\s+1\/1\s+Running/);
    expect(result.stdout).toMatch(/✓ kubectl listed the pods; the server saw system:serviceaccount:team-a:deployer$/m);
  });

  it('never prints the minted token (checked against the token kept with --keep)', async () => {
    const { result, tmp } = await runDemo(['--keep']);
    expect(result.code).toBe(0);
    const [kept] = readdirSync(tmp);
    expect(kept).toMatch(/^sa-kubeconfig-demo-/);
    const demoDir = join(tmp, kept ?? '');
    const token = readFileSync(join(demoDir, 'serviceaccount', 'token'), 'utf8').trim();
    expect(token).toMatch(JWT);
    expect(output(result)).not.toContain(token);
    expect(output(result)).not.toMatch(JWT);
    const kubeconfig = join(demoDir, 'kubeconfig');
    expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);
    expect(readFileSync(kubeconfig, 'utf8')).toContain(`tokenFile: ${join(demoDir, 'serviceaccount', 'token')}`);
    expect(result.stdout).toContain(`kept ${demoDir}`);
  });

  it('skips the kubectl step and still passes when kubectl is not on PATH', async () => {
    const emptyBin = tempDir('sa-kubeconfig-demo-nobin-');
    roots.push(emptyBin);
    const { result, tmp } = await runDemo([], { PATH: emptyBin });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/– kubectl not found on PATH \(ENOENT\); skipped/);
    expect(result.stdout).not.toMatch(/│ NAME\s+READY/);
    expect(result.stdout).toMatch(/Demo passed\./);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('exits 4 when kubectl fails, cleans up, and gives kubectl only temp paths and no token', async () => {
    const bin = tempDir('sa-kubeconfig-demo-fakebin-');
    roots.push(bin);
    const log = join(bin, 'kubectl.log');
    const fake = join(bin, 'kubectl');
    // Builtins only: PATH holds nothing but this script.
    writeFileSync(
      fake,
      `#!/bin/sh\n{ printf '%s\\n' "$@"; echo "KUBECONFIG=$KUBECONFIG"; echo "HOME=$HOME"; export -p; } > '${log}'\n` +
        `echo 'error: the fake kubectl always fails' >&2\nexit 1\n`,
    );
    chmodSync(fake, 0o755);
    const { result, tmp, home } = await runDemo([], { PATH: bin });
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/│ error: the fake kubectl always fails/);
    expect(result.stdout).toMatch(/✗ kubectl exited with 1/);
    expect(result.stdout).toMatch(/Demo failed \(exit 4\)/);
    expect(readdirSync(tmp)).toEqual([]);
    expect(readdirSync(home)).toEqual([]);
    const seen = readFileSync(log, 'utf8');
    expect(seen).not.toMatch(JWT);
    expect(seen).toMatch(new RegExp(`^KUBECONFIG=${tmp}/sa-kubeconfig-demo-[^/]+/kubeconfig$`, 'm'));
    expect(seen).toMatch(new RegExp(`^HOME=${tmp}/sa-kubeconfig-demo-[^/]+/home$`, 'm'));
    expect(seen).toMatch(/^get\npods\n-n\nteam-a$/m);
  });

  it.each(['[1/6]', '[3/6]', '[6/6]'])('on Ctrl-C during step %s stops the server, removes its temp dir and dies by SIGINT', async (marker) => {
    const root = tempDir('sa-kubeconfig-demo-e2e-');
    roots.push(root);
    const tmp = join(root, 'tmp');
    const home = join(root, 'home');
    mkdirSync(tmp);
    mkdirSync(home);
    const child = spawn(process.execPath, [cliPath, 'demo'], { cwd: root, env: { ...baseEnv(), TMPDIR: tmp, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes(marker) && !child.killed) child.kill('SIGINT');
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    expect(stdout).toContain('Interrupted.');
    expect(stdout).toMatch(/Cleaned up: .*removed \$DEMO\./);
    expect(stdout).not.toMatch(/Demo passed/);
    expect(signal).toBe('SIGINT');
    expect(code).toBeNull();
    expect(readdirSync(tmp)).toEqual([]);
    expect(readdirSync(home)).toEqual([]);
  });

  it.each([
    ['NO_COLOR is set', { NO_COLOR: '1' }, false],
    ['FORCE_COLOR is set', { NO_COLOR: undefined, FORCE_COLOR: '1' }, true],
  ])('uses colour only when allowed: %s', async (_name, env, coloured) => {
    const { result } = await runDemo([], env);
    expect(result.code).toBe(0);
    expect(result.stdout.includes('\u001b[')).toBe(coloured);
  });
});
