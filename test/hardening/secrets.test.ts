// The secrets sweep: every command and flag combination we can drive against the emulated API
// server, with known tokens. A token may appear only where the user asked for it (a --stdout
// kubeconfig, a kubeconfig file written with the token embedded): never in stderr, in --debug
// output, in an error message, in any argv of a child (kubectl through the argv-recording wrapper,
// exec plugins through a wrapper that records argv and env keys), or in any other file (the
// world's directory, HOME and the children's TMPDIR are scanned at the end). Every child runs
// under `umask 000`, and every file we create must still be 0600 (directories 0700). On GitHub
// Actions, a token printed with --stdout is masked first (::add-mask::).
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubectlWorld, type KubectlWorld } from '../support/fake-kubectl-world.js';
import { makeMount, type Mount } from '../support/mount.js';
import { runCli, type RunCliResult } from '../support/run-cli.js';
import { builtCliCopy } from './built-cli.js';

interface Sweep {
  readonly name: string;
  readonly args: readonly string[];
  readonly code: number;
  /** The run prints a kubeconfig the user asked for on stdout: tokens may be there. */
  readonly stdoutKubeconfig?: boolean;
  readonly env?: Readonly<Record<string, string>>;
  /** Kubeconfig files this run writes (checked: 0600, and allowed to hold its token). */
  readonly writes?: readonly string[];
}

let world: KubectlWorld;
let mount: Mount;
let umask000: readonly string[];
let childTmp: string;
let pluginDir: string;
const tokens = new Set<string>();
/** Files allowed to contain a token: kubeconfigs we were asked to write, the mount, the plugin script. */
const allowed = new Set<string>();
const results: { sweep: Sweep; result: RunCliResult }[] = [];

const w = (name: string) => world.path(name);
const yamlUsers = (text: string) => ((load(text) as { users?: { user?: { token?: string } }[] }).users ?? []).map((entry) => entry.user?.token).filter((t): t is string => Boolean(t));

beforeAll(async () => {
  world = await createKubectlWorld();
  umask000 = ['/bin/sh', '-c', 'umask 000; exec "$0" "$@"', process.execPath, await builtCliCopy()];
  childTmp = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-child-tmp-'));
  // A mount whose token the emulated server accepts and whose CA verifies it.
  mount = await makeMount(w('pod'), { token: world.server.mintToken({ namespace: 'team-a', serviceAccount: 'deployer' }), caPem: world.server.caPem });
  tokens.add(mount.token);
  allowed.add(join(mount.dir, 'token'));
  const secret = world.server.getObject('secrets', 'team-a', 'deployer-token') as unknown as { data: { token: string } };
  tokens.add(Buffer.from(secret.data.token, 'base64').toString('utf8'));
  // An exec plugin that records its argv and the NAMES of its env vars, then returns a known token.
  pluginDir = w('plugin');
  mkdirSync(pluginDir);
  const pluginToken = world.server.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', expirationSeconds: 7200 });
  tokens.add(pluginToken);
  const plugin = join(pluginDir, 'credential-plugin');
  writeFileSync(
    plugin,
    `#!/bin/sh
{ printf 'argv:'; for a in "$@"; do printf ' %s' "$a"; done; printf '\\nenv:'; env | sed 's/=.*//' | tr '\\n' ' '; printf '\\n'; } >> ${join(pluginDir, 'calls.log')}
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' '${pluginToken}'
`,
  );
  chmodSync(plugin, 0o755);
  allowed.add(plugin);
  writeFileSync(
    w('exec.kubeconfig'),
    `apiVersion: v1
kind: Config
clusters:
- name: emulated
  cluster: {server: "${world.server.url}", certificate-authority-data: ${Buffer.from(world.server.caPem).toString('base64')}}
users:
- name: plugin
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: ${plugin}, args: [--flag], interactiveMode: Never}
contexts:
- name: emulated
  context: {cluster: emulated, user: plugin, namespace: team-a}
current-context: emulated
`,
    { mode: 0o600 },
  );
  writeFileSync(w('malformed.kubeconfig'), 'clusters: [\n', { mode: 0o600 });
  // A well-formed token signed by a key the server does not trust.
  const refused = world.server.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', wrongKey: true });
  tokens.add(refused);
  writeFileSync(w('refused.kubeconfig'), world.server.kubeconfig({ token: refused }, { namespace: 'team-a' }), { mode: 0o600 });
  allowed.add(w('refused.kubeconfig'));
});

afterAll(async () => {
  await world?.close();
  rmSync(childTmp, { recursive: true, force: true });
});

const server = () => world.server.url;

/** The sweep, in order (later runs use what earlier ones wrote). */
function sweeps(): readonly Sweep[] {
  const init = (...extra: string[]) => ['init', '--sa-dir', mount.dir, '--server', server(), ...extra];
  const fromSecret = (...extra: string[]) => ['from-secret', 'deployer-token', '-n', 'team-a', ...extra];
  const fromSa = (...extra: string[]) => ['from-serviceaccount', 'deployer', '-n', 'team-a', ...extra];
  return [
    { name: 'init (text)', args: init('--kubeconfig', w('init.kubeconfig')), code: 0, writes: [w('init.kubeconfig')] },
    { name: 'init -o json', args: init('--kubeconfig', w('init.kubeconfig'), '-o', 'json'), code: 0, writes: [w('init.kubeconfig')] },
    { name: 'init --embed into a new directory', args: init('--embed', '--kubeconfig', w('new/dir/embed.kubeconfig')), code: 0, writes: [w('new/dir/embed.kubeconfig')] },
    { name: 'init --embed -o json', args: init('--embed', '--kubeconfig', w('embed2.kubeconfig'), '-o', 'json'), code: 0, writes: [w('embed2.kubeconfig')] },
    { name: 'init --stdout', args: init('--stdout'), code: 0, stdoutKubeconfig: true },
    { name: 'init --stdout on GitHub Actions', args: init('--stdout'), code: 0, stdoutKubeconfig: true, env: { GITHUB_ACTIONS: 'true' } },
    { name: 'init --embed --debug into a malformed kubeconfig', args: ['--debug', ...init('--embed', '--kubeconfig', w('malformed.kubeconfig'))], code: 3 },
    { name: 'init --debug --embed with a lock held', args: ['--debug', ...init('--embed', '--kubeconfig', w('locked.kubeconfig'), '--lock-timeout', '200ms')], code: 3 },
    { name: 'init with KUBECONFIG unset writes ~/.kube/config', args: init('--embed'), code: 0, env: { KUBECONFIG: '' }, writes: [join(world.home, '.kube', 'config')] },
    { name: 'from-secret (text)', args: fromSecret('--kubeconfig', w('secret.kubeconfig')), code: 0, writes: [w('secret.kubeconfig')] },
    { name: 'from-secret -o json', args: fromSecret('--kubeconfig', w('secret.kubeconfig'), '-o', 'json', '--context', 'secret-json'), code: 0, writes: [w('secret.kubeconfig')] },
    { name: 'from-secret --stdout', args: fromSecret('--stdout'), code: 0, stdoutKubeconfig: true },
    { name: 'from-secret --stdout on GitHub Actions', args: fromSecret('--stdout'), code: 0, stdoutKubeconfig: true, env: { GITHUB_ACTIONS: 'true' } },
    { name: 'from-secret --debug into a malformed kubeconfig', args: ['--debug', ...fromSecret('--kubeconfig', w('malformed.kubeconfig'))], code: 3 },
    { name: 'from-serviceaccount (text)', args: fromSa('--kubeconfig', w('sa.kubeconfig')), code: 0, writes: [w('sa.kubeconfig')] },
    { name: 'from-serviceaccount --duration 2h -o json', args: fromSa('--kubeconfig', w('sa.kubeconfig'), '--duration', '2h', '-o', 'json', '--context', 'sa-json'), code: 0, writes: [w('sa.kubeconfig')] },
    { name: 'from-serviceaccount --stdout on GitHub Actions', args: fromSa('--stdout'), code: 0, stdoutKubeconfig: true, env: { GITHUB_ACTIONS: 'true' } },
    { name: 'from-serviceaccount --long-lived', args: fromSa('--long-lived', '--kubeconfig', w('long.kubeconfig')), code: 0, writes: [w('long.kubeconfig')] },
    { name: 'from-serviceaccount --debug into a malformed kubeconfig', args: ['--debug', ...fromSa('--kubeconfig', w('malformed.kubeconfig'))], code: 3 },
    { name: 'probe (text) of the init kubeconfig (tokenFile)', args: ['probe', '--kubeconfig', w('init.kubeconfig')], code: 0 },
    { name: 'probe -o json of the from-secret kubeconfig', args: ['probe', '--kubeconfig', w('secret.kubeconfig'), '-o', 'json'], code: 0 },
    { name: 'probe --debug of an embedded token, forbidden request', args: ['--debug', 'probe', '--kubeconfig', w('new/dir/embed.kubeconfig'), '--path', '/api/v1/namespaces/kube-system/secrets'], code: 8 },
    { name: 'probe -o json, forbidden request', args: ['probe', '--kubeconfig', w('sa.kubeconfig'), '-o', 'json', '-n', 'kube-system'], code: 8 },
    { name: 'probe --all-contexts', args: ['probe', '--kubeconfig', w('secret.kubeconfig'), '--all-contexts'], code: 0 },
    { name: 'probe --in-cluster', args: ['probe', '--in-cluster', '--sa-dir', mount.dir, '--server', server()], code: 0 },
    { name: 'probe --debug with a token the server refuses (401)', args: ['--debug', 'probe', '--kubeconfig', w('refused.kubeconfig')], code: 7 },
    { name: 'init --embed --probe -o json', args: init('--embed', '--probe', '-o', 'json', '--kubeconfig', w('probed.kubeconfig')), code: 0, writes: [w('probed.kubeconfig')] },
    { name: 'from-secret --probe', args: fromSecret('--probe', '--kubeconfig', w('secret-probed.kubeconfig')), code: 0, writes: [w('secret-probed.kubeconfig')] },
    { name: 'probe with an exec plugin', args: ['probe', '--kubeconfig', w('exec.kubeconfig')], code: 0 },
    { name: 'probe -o json with an exec plugin', args: ['probe', '--kubeconfig', w('exec.kubeconfig'), '-o', 'json'], code: 0 },
  ];
}

describe('secrets sweep (umask 000)', () => {
  it('runs every command and flag combination without leaking a token', { timeout: 240_000 }, async () => {
    writeFileSync(w('locked.kubeconfig.lock'), '', { mode: 0o600 });
    for (const sweep of sweeps()) {
      const result = await runCli(sweep.args, { command: umask000, env: world.env({ TMPDIR: childTmp, ...sweep.env }), timeoutMs: 60_000 });
      results.push({ sweep, result });
      expect(result.code, `${sweep.name}: ${result.stderr}`).toBe(sweep.code);
      // Learn tokens minted during the run (from-serviceaccount): from what it wrote or printed.
      for (const file of sweep.writes ?? []) {
        allowed.add(file);
        for (const token of yamlUsers(readFileSync(file, 'utf8'))) tokens.add(token);
      }
      if (sweep.stdoutKubeconfig) {
        // stdout is the kubeconfig alone, GitHub's mask commands included (they go to stderr).
        expect(result.stdout, sweep.name).not.toMatch(/::add-mask::/);
        for (const token of yamlUsers(result.stdout)) tokens.add(token);
      }
    }
    expect(tokens.size).toBeGreaterThanOrEqual(5);

    for (const { sweep, result } of results) {
      // Only GitHub's mask commands may name a token on stderr (the runner hides them).
      const stderr = result.stderr.replace(/^::add-mask::.*\n/gm, '');
      for (const token of tokens) {
        expect(stderr.includes(token), `${sweep.name}: token in stderr`).toBe(false);
        if (!sweep.stdoutKubeconfig) expect(result.stdout.includes(token), `${sweep.name}: token in stdout`).toBe(false);
      }
      if (sweep.args.includes('--debug') && sweep.code !== 0 && !sweep.args.includes('probe')) expect(result.stderr, sweep.name).toMatch(/^debug: /m);
      if (sweep.stdoutKubeconfig && sweep.env?.['GITHUB_ACTIONS'] === 'true') {
        // Masked: every token in the kubeconfig is announced on stderr.
        const printed = yamlUsers(result.stdout);
        expect(printed.length, sweep.name).toBeGreaterThan(0);
        for (const token of printed) expect(result.stderr.split('\n'), `${sweep.name}: no ::add-mask:: for the token`).toContain(`::add-mask::${token}`);
      }
      for (const file of sweep.writes ?? []) expect(lstatSync(file).mode & 0o777, `${sweep.name}: ${file}`).toBe(0o600);
    }
  });

  it('no token in any argv of kubectl or of an exec plugin; plugins get no token in their env', () => {
    const calls = world.kubectl.calls();
    expect(calls.length).toBeGreaterThan(5);
    const plugin = readFileSync(join(pluginDir, 'calls.log'), 'utf8');
    expect(plugin).toMatch(/^argv: --flag$/m);
    for (const token of tokens) {
      for (const argv of calls) expect(argv.some((arg) => arg.includes(token)), `kubectl ${argv.join(' ')}`).toBe(false);
      expect(plugin.includes(token)).toBe(false);
    }
  });

  it('leaves no token in any file but the kubeconfigs it was asked to write; every new file is 0600, every new directory 0700', () => {
    const offending: string[] = [];
    const modes: string[] = [];
    const scan = (dir: string) => {
      for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
        const path = join(dir, name);
        const stat = lstatSync(path);
        if (!stat.isFile() || stat.size > 16 * 1024 * 1024) continue;
        const text = readFileSync(path, 'latin1');
        // The mount is the test's own fixture (the kubelet's copy of the token).
        if (path.startsWith(`${mount.dir}/`)) continue;
        if (!allowed.has(path) && [...tokens].some((token) => text.includes(token))) offending.push(path);
      }
    };
    for (const dir of [world.dir, childTmp]) scan(dir);
    expect(offending.map((path) => path.replace(world.dir, '<world>'))).toEqual([]);
    // What our children created (kubeconfigs and their new directories), whatever the umask.
    for (const file of allowed) {
      if (file.startsWith(world.dir) && !file.startsWith(mount.dir) && !file.startsWith(pluginDir)) {
        const mode = lstatSync(file).mode & 0o777;
        if (mode !== 0o600) modes.push(`${file} ${mode.toString(8)}`);
      }
    }
    for (const dir of [w('new'), w('new/dir'), join(world.home, '.kube')]) {
      const mode = lstatSync(dir).mode & 0o777;
      if (mode !== 0o700) modes.push(`${dir} ${mode.toString(8)}`);
    }
    expect(modes).toEqual([]);
    // No lock, temp or stray files next to the kubeconfigs.
    expect(readdirSync(world.dir).filter((name) => /\.tmp$|\.lock$/.test(name) && name !== 'locked.kubeconfig.lock')).toEqual([]);
  });
});
