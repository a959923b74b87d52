// Completion scripts from the built CLI: bash really completes (commands, the real flags, context
// names read from a kubeconfig through the hidden `__complete contexts`); zsh and fish parse.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, runCli } from '../support/run-cli.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster: {server: 'https://10.0.0.1:6443'}
users:
- name: u1
  user: {}
contexts:
- name: team-a/deployer@10.0.0.1:6443
  context: {cluster: c1, user: u1}
- name: prod
  context: {cluster: c1, user: u1}
current-context: prod
`;

let work: string;
let env: Record<string, string>;
let kubeconfig: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sa-completion-e2e-'));
  kubeconfig = join(work, 'config');
  writeFileSync(kubeconfig, KUBECONFIG);
  // The scripts call `sa-kubeconfig` from PATH: a wrapper around the built CLI.
  const bin = join(work, 'bin');
  execFileSync('mkdir', [bin]);
  writeFileSync(join(bin, 'sa-kubeconfig'), `#!/bin/sh\nexec '${process.execPath}' '${cliPath}' "$@"\n`);
  chmodSync(join(bin, 'sa-kubeconfig'), 0o755);
  env = { PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, HOME: work, KUBECONFIG: kubeconfig, NO_COLOR: '1' };
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function hasShell(name: string): boolean {
  return spawnSync(name, ['-c', 'exit 0']).status === 0;
}

async function script(shell: string): Promise<string> {
  const result = await runCli(['completion', shell], { env });
  expect(result).toMatchObject({ code: 0, stderr: '' });
  const path = join(work, `completion.${shell}`);
  writeFileSync(path, result.stdout);
  return path;
}

describe('__complete contexts', () => {
  it('lists the context names of the kubeconfig in KUBECONFIG', async () => {
    expect(await runCli(['__complete', 'contexts'], { env })).toMatchObject({ code: 0, stdout: 'team-a/deployer@10.0.0.1:6443\nprod\n' });
  });

  it('reads --kubeconfig instead', async () => {
    const other = join(work, 'other');
    writeFileSync(other, KUBECONFIG.replace('name: prod', 'name: staging').replace('current-context: prod', 'current-context: staging'));
    expect((await runCli(['__complete', 'contexts', '--kubeconfig', other], { env })).stdout).toBe('team-a/deployer@10.0.0.1:6443\nstaging\n');
  });

  it('prints nothing when there is no kubeconfig', async () => {
    expect(await runCli(['__complete', 'contexts'], { env: { ...env, KUBECONFIG: join(work, 'missing') } })).toMatchObject({ code: 0, stdout: '' });
  });
});

describe('bash', () => {
  let path: string;
  beforeAll(async () => {
    path = await script('bash');
  });

  function complete(words: readonly string[]): string[] {
    const quoted = words.map((word) => `'${word}'`).join(' ');
    const output = execFileSync('bash', ['-c', `source '${path}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _sa_kubeconfig; printf '%s\\n' "\${COMPREPLY[@]}"`], {
      env,
      encoding: 'utf8',
    });
    return output.split('\n').filter((line) => line !== '');
  }

  it('completes command names', () => {
    expect(complete(['sa-kubeconfig', ''])).toEqual(expect.arrayContaining(['init', 'from-secret', 'from-serviceaccount', 'probe', 'completion']));
    expect(complete(['sa-kubeconfig', ''])).not.toContain('__complete');
    expect(complete(['sa-kubeconfig', 'from-s'])).toEqual(['from-secret', 'from-serviceaccount']);
  });

  it("completes init's own flags", () => {
    expect(complete(['sa-kubeconfig', 'init', '--sa'])).toEqual(['--sa-dir']);
    expect(complete(['sa-kubeconfig', 'init', '--'])).toEqual(expect.arrayContaining(['--kubeconfig', '--server', '--help', '--debug']));
  });

  it('completes context names from the kubeconfig', () => {
    expect(complete(['sa-kubeconfig', 'init', '--context', ''])).toEqual(['team-a/deployer@10.0.0.1:6443', 'prod']);
    expect(complete(['sa-kubeconfig', 'init', '--context', 'te'])).toEqual(['team-a/deployer@10.0.0.1:6443']);
  });

  it('completes the shell names', () => {
    expect(complete(['sa-kubeconfig', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
  });
});

describe.each(['bash', 'zsh', 'fish'])('%s script', (shell) => {
  it.skipIf(!hasShell(shell))(`parses (${shell} -n; skipped when ${shell} is not installed)`, async () => {
    const result = spawnSync(shell, ['-n', await script(shell)], { env, encoding: 'utf8' });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });
});

describe('fish', () => {
  it.skipIf(!hasShell('fish'))('completes commands and context names (complete -C; skipped when fish is not installed)', async () => {
    const path = await script('fish');
    const complete = (line: string): string[] =>
      execFileSync('fish', ['--no-config', '-c', `source '${path}'; complete -C '${line}'`], { env, encoding: 'utf8' })
        .split('\n')
        .filter((entry) => entry !== '')
        .map((entry) => entry.split('\t')[0] ?? '');
    expect(complete('sa-kubeconfig ')).toEqual(expect.arrayContaining(['init', 'probe', 'completion']));
    expect(complete('sa-kubeconfig init --context ')).toEqual(expect.arrayContaining(['team-a/deployer@10.0.0.1:6443', 'prod']));
  });
});
