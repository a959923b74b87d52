// Completion scripts from the built CLI: bash really completes (commands, the real flags, context
// names read from a kubeconfig through the hidden `__complete contexts`); zsh and fish parse.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
/** from-*'s --source-kubeconfig and their destination --kubeconfig, each with one context of its own. */
let source: string;
let destination: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sa-completion-e2e-'));
  kubeconfig = join(work, 'config');
  writeFileSync(kubeconfig, KUBECONFIG);
  source = join(work, 'source.kubeconfig');
  writeFileSync(source, KUBECONFIG.replace('name: prod', 'name: admin@source').replace('current-context: prod', 'current-context: admin@source'));
  destination = join(work, 'destination.kubeconfig');
  writeFileSync(destination, KUBECONFIG.replace('name: prod', 'name: written@destination').replace('current-context: prod', 'current-context: written@destination'));
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

  it('completes --source-context from --source-kubeconfig, else KUBECONFIG, never from the destination --kubeconfig', () => {
    expect(complete(['sa-kubeconfig', 'from-secret', 's', '--kubeconfig', destination, '--source-kubeconfig', source, '--source-context', ''])).toEqual(['team-a/deployer@10.0.0.1:6443', 'admin@source']);
    expect(complete(['sa-kubeconfig', 'from-serviceaccount', 'sa', '--source-kubeconfig', source, '--kubeconfig', destination, '--source-context', 'adm'])).toEqual(['admin@source']);
    expect(complete(['sa-kubeconfig', 'from-secret', 's', '--kubeconfig', destination, '--source-context', ''])).toEqual(['team-a/deployer@10.0.0.1:6443', 'prod']);
    // --context is an entry of the destination file.
    expect(complete(['sa-kubeconfig', 'from-secret', 's', '--kubeconfig', destination, '--source-kubeconfig', source, '--context', 'w'])).toEqual(['written@destination']);
  });

  it('reads --source-kubeconfig=FILE too (the line as bash splits it)', () => {
    const line = `sa-kubeconfig from-secret s --kubeconfig=${destination} --source-kubeconfig=${source} --source-context a`;
    const output = execFileSync('bash', ['-c', `source '${path}'; COMP_LINE='${line}'; COMP_POINT=${line.length}; COMP_WORDS=(); COMP_CWORD=0; _sa_kubeconfig; printf '%s\\n' "\${COMPREPLY[@]}"`], { env, encoding: 'utf8' });
    expect(output.split('\n').filter((entry) => entry !== '')).toEqual(['admin@source']);
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

  it.skipIf(!hasShell('fish'))('completes --source-context from --source-kubeconfig, else KUBECONFIG, never from the destination --kubeconfig', async () => {
    const path = await script('fish');
    const complete = (line: string): string[] =>
      execFileSync('fish', ['--no-config', '-c', `source '${path}'; complete -C '${line}'`], { env, encoding: 'utf8' })
        .split('\n')
        .filter((entry) => entry !== '')
        .map((entry) => entry.split('\t')[0] ?? '')
        .sort();
    expect(complete(`sa-kubeconfig from-secret s --kubeconfig ${destination} --source-kubeconfig ${source} --source-context `)).toEqual(['admin@source', 'team-a/deployer@10.0.0.1:6443']);
    expect(complete(`sa-kubeconfig from-serviceaccount sa --source-kubeconfig=${source} --kubeconfig ${destination} --source-context `)).toEqual(['admin@source', 'team-a/deployer@10.0.0.1:6443']);
    expect(complete(`sa-kubeconfig from-secret s --kubeconfig ${destination} --source-context `)).toEqual(['prod', 'team-a/deployer@10.0.0.1:6443']);
    expect(complete(`sa-kubeconfig from-secret s --kubeconfig ${destination} --source-kubeconfig ${source} --context `)).toEqual(['team-a/deployer@10.0.0.1:6443', 'written@destination']);
  });
});

describe('zsh', () => {
  // Driving zsh's completion system needs a terminal (zpty); this runs the script's context lister
  // as _arguments calls it, with opt_args holding the flags of the command line.
  it.skipIf(!hasShell('zsh'))('lists --source-context from --source-kubeconfig, else KUBECONFIG, never from the destination --kubeconfig', async () => {
    const path = await script('zsh');
    expect(readFileSync(path, 'utf8')).toContain(':context:_sa_kubeconfig_contexts --source-kubeconfig\'');
    const contexts = (flags: Record<string, string>, lister: string): string[] =>
      execFileSync(
        'zsh',
        ['-f', '-c', `compdef() { :; }; source '${path}'; compadd() { print -l -- \${(P)\${@[-1]}}; }; typeset -A opt_args; opt_args=(${Object.entries(flags).map(([flag, file]) => `${flag} '${file}'`).join(' ')}); _sa_kubeconfig_contexts ${lister}`],
        { env, encoding: 'utf8' },
      )
        .split('\n')
        .filter((entry) => entry !== '');
    expect(contexts({ '--kubeconfig': destination, '--source-kubeconfig': source }, '--source-kubeconfig')).toEqual(['team-a/deployer@10.0.0.1:6443', 'admin@source']);
    expect(contexts({ '--kubeconfig': destination }, '--source-kubeconfig')).toEqual(['team-a/deployer@10.0.0.1:6443', 'prod']);
    expect(contexts({ '--kubeconfig': destination, '--source-kubeconfig': source }, '--kubeconfig')).toEqual(['team-a/deployer@10.0.0.1:6443', 'written@destination']);
  });
});
