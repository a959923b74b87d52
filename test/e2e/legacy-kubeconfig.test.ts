// The legacy ~/.kube/.kubeconfig, which client-go's Load() copies to ~/.kube/config when that is
// missing (loader.go Migrate), before anything else. The real kubectl is the oracle: the recipe and
// `init`, each in a HOME holding only the legacy file, must leave the same ~/.kube/config.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeMount, tempDir, type Mount } from '../support/mount.js';
import { runCli } from '../support/run-cli.js';

const exec = promisify(execFile);
const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';
const server = 'https://10.96.0.1:443';

const LEGACY = `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example.com:6443
users:
- name: prod-admin
  user:
    username: admin
contexts:
- name: prod
  context:
    cluster: prod
    user: prod-admin
current-context: prod
`;

async function kubectl(args: readonly string[], home: string): Promise<string> {
  const { stdout } = await exec(KUBECTL, [...args], { env: { PATH: process.env['PATH'] ?? '', HOME: home }, cwd: home });
  return stdout;
}

function homeWithLegacy(mode = 0o640): string {
  const home = tempDir();
  mkdirSync(join(home, '.kube'));
  writeFileSync(join(home, '.kube', '.kubeconfig'), LEGACY, { mode });
  return home;
}

let mount: Mount;
beforeAll(async () => {
  mount = await makeMount(tempDir());
});

describe('the legacy ~/.kube/.kubeconfig', () => {
  it('is migrated to ~/.kube/config before init writes there, as kubectl does, so its contexts are kept', async () => {
    const identity = `${mount.namespace}/${mount.serviceAccount}@10.96.0.1`;
    const theirs = homeWithLegacy();
    await kubectl(['config', 'set-cluster', '10.96.0.1', `--server=${server}`, `--certificate-authority=${join(mount.dir, 'ca.crt')}`], theirs);
    await kubectl(['config', 'set-credentials', identity], theirs);
    await kubectl(['config', 'set', `users.${identity}.tokenFile`, join(mount.dir, 'token')], theirs);
    await kubectl(['config', 'set-context', identity, '--cluster=10.96.0.1', `--user=${identity}`, `--namespace=${mount.namespace}`], theirs);
    await kubectl(['config', 'use-context', identity], theirs);

    const ours = homeWithLegacy();
    const run = await runCli(['init', '--sa-dir', mount.dir, '--server', server], { cwd: ours, env: { HOME: ours } });
    expect(run.code, run.stderr).toBe(0);

    const view = async (home: string) => JSON.parse(await kubectl(['config', 'view', '--raw', '-o', 'json'], home)) as { contexts: { name: string }[]; 'current-context': string };
    const [a, b] = [await view(theirs), await view(ours)];
    // Was: only our context; prod (from the legacy file) was gone from kubectl's view for good.
    expect(b.contexts.map((c) => c.name).sort()).toEqual(['prod', identity].sort());
    expect(b.contexts.map((c) => c.name).sort()).toEqual(a.contexts.map((c) => c.name).sort());
    expect(b['current-context']).toBe(a['current-context']);
    // The legacy file itself stays, as kubectl leaves it; no temp file is left behind.
    expect(readFileSync(join(ours, '.kube', '.kubeconfig'), 'utf8')).toBe(LEGACY);
    expect(readdirSync(join(ours, '.kube')).sort()).toEqual(['.kubeconfig', 'config']);
    // The copy has the legacy file's mode & 0666 (client-go since 48ec1022), and keeps it: a
    // tokenFile reference is no secret. (The kubectl here writes 0666 & ~umask, 0644: wider.)
    expect(statSync(join(ours, '.kube', 'config')).mode & 0o777).toBe(0o640);
  });

  it('is copied by a read as well (probe), as every kubectl command copies it, with its mode & 0666', async () => {
    const home = homeWithLegacy(0o640);
    const run = await runCli(['probe', '--timeout', '1s'], { cwd: home, env: { HOME: home } });
    // prod's server does not resolve here: the probe fails later, but it found the context.
    expect(run.stdout).toMatch(/\bprod\b/);
    expect(readFileSync(join(home, '.kube', 'config'), 'utf8')).toBe(LEGACY);
    expect(statSync(join(home, '.kube', 'config')).mode & 0o777).toBe(0o640);
  });

  it('is not copied over an existing ~/.kube/config', async () => {
    const home = homeWithLegacy();
    writeFileSync(join(home, '.kube', 'config'), 'apiVersion: v1\nkind: Config\n');
    const run = await runCli(['init', '--sa-dir', mount.dir, '--server', server, '-o', 'json'], { cwd: home, env: { HOME: home } });
    expect(run.code, run.stderr).toBe(0);
    const contexts = (JSON.parse(await kubectl(['config', 'view', '--raw', '-o', 'json'], home)) as { contexts: { name: string }[] }).contexts;
    expect(contexts.map((c) => c.name)).not.toContain('prod');
  });
});
