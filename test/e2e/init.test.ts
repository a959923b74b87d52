// `init` as a user runs it: the built CLI as a process. The real kubectl is the oracle: the
// five-command recipe and `init` must produce the same kubeconfig as kubectl itself reads it.
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTokenSigner, legacyTokenClaims, signJwt } from '../support/jwt.js';
import { makeMount, mintToken, tempDir, type Mount } from '../support/mount.js';
import { runCli } from '../support/run-cli.js';

const exec = promisify(execFile);
const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';

interface ViewCluster { name: string; cluster: Record<string, unknown> }
interface View { clusters: ViewCluster[] | null; users: { name: string; user: Record<string, unknown> }[] | null; contexts: { name: string; context: Record<string, unknown> }[] | null; 'current-context': string }

/** A variable set to undefined in `env` is unset for kubectl (HOME defaults to cwd otherwise). */
async function kubectl(args: string[], env: Record<string, string | undefined>, cwd: string): Promise<string> {
  const childEnv: Record<string, string | undefined> = { PATH: process.env['PATH'] ?? '', HOME: cwd, ...env };
  for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined) delete childEnv[key];
  const { stdout } = await exec(KUBECTL, args, { env: childEnv, cwd });
  return stdout;
}

/** kubectl's own reading of one file, with file references made absolute (kubectl config view does not resolve them). */
async function view(file: string, home: string): Promise<View> {
  const json = JSON.parse(await kubectl(['config', 'view', '--raw', '-o', 'json', '--kubeconfig', file], { HOME: home }, dirname(file))) as View;
  const base = dirname(file);
  for (const entry of json.clusters ?? []) {
    const ca = entry.cluster['certificate-authority'];
    if (typeof ca === 'string') entry.cluster['certificate-authority'] = resolve(base, ca);
  }
  for (const entry of json.users ?? []) {
    const tokenFile = entry.user['tokenFile'];
    if (typeof tokenFile === 'string') entry.user['tokenFile'] = resolve(base, tokenFile);
  }
  return json;
}

const server = 'https://10.96.0.1:443';
const names = (mount: Mount) => {
  const identity = `${mount.namespace}/${mount.serviceAccount}@10.96.0.1`;
  return { cluster: '10.96.0.1', user: identity, context: identity };
};

/** The manual recipe, with the token kept out of argv (set users.X.tokenFile rather than --token). */
async function recipe(mount: Mount, env: Record<string, string | undefined>, cwd: string, flags: string[] = []): Promise<void> {
  const n = names(mount);
  await kubectl(['config', 'set-cluster', n.cluster, `--server=${server}`, `--certificate-authority=${join(mount.dir, 'ca.crt')}`, ...flags], env, cwd);
  await kubectl(['config', 'set-credentials', n.user, ...flags], env, cwd);
  await kubectl(['config', 'set', `users.${n.user}.tokenFile`, join(mount.dir, 'token'), ...flags], env, cwd);
  await kubectl(['config', 'set-context', n.context, `--cluster=${n.cluster}`, `--user=${n.user}`, `--namespace=${mount.namespace}`, ...flags], env, cwd);
  await kubectl(['config', 'use-context', n.context, ...flags], env, cwd);
}

const OTHER = `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example.com:6443
    certificate-authority-data: ${Buffer.from('not really a CA').toString('base64')}
    proxy-url: http://proxy.example.com:3128
users:
- name: prod-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: gke-gcloud-auth-plugin
      interactiveMode: IfAvailable
      provideClusterInfo: true
contexts:
- name: prod
  context: {cluster: prod, user: prod-admin, namespace: web}
current-context: prod
`;

let mount: Mount;
let root: string;
beforeAll(async () => {
  root = tempDir('sa-kubeconfig-init-e2e-');
  mount = await makeMount(root, { namespace: 'team-a', serviceAccount: 'deployer' });
});

describe('init against the kubectl oracle', () => {
  interface Scenario {
    readonly name: string;
    /** Files to create (relative name → content) in both the kubectl dir and the init dir. */
    readonly files: Record<string, string>;
    /** KUBECONFIG entries (relative names); undefined = use --kubeconfig FILE. */
    readonly chain?: readonly string[];
    readonly explicit?: string;
    readonly symlink?: { readonly link: string; readonly target: string };
    /** Symlinks whose target is this text, relative to the link: [link, target]. */
    readonly relativeLinks?: readonly (readonly [string, string])[];
    /** The file that ends up holding our entries, when it is not the one named. */
    readonly written?: string;
    /** Run both with HOME unset. */
    readonly unsetHome?: boolean;
  }
  const n = () => names(mount);
  const scenarios: Scenario[] = [
    { name: 'a file that does not exist yet', files: {}, explicit: 'config' },
    { name: 'an empty file', files: { config: '' }, explicit: 'config' },
    { name: 'a kubeconfig with other contexts', files: { config: OTHER }, explicit: 'config' },
    {
      name: 'same-named entries that must be replaced',
      files: {
        config: `clusters:\n- name: 10.96.0.1\n  cluster: {server: https://old:6443, certificate-authority-data: T0xE}\nusers:\n- name: "team-a/deployer@10.96.0.1"\n  user: {tokenFile: /old/token}\ncontexts:\n- name: "team-a/deployer@10.96.0.1"\n  context: {cluster: 10.96.0.1, user: "team-a/deployer@10.96.0.1", namespace: old}\ncurrent-context: ""\n`,
      },
      explicit: 'config',
    },
    { name: 'KUBECONFIG with several files, some missing', files: { b: OTHER, c: 'current-context: ""\n' }, chain: ['a-missing', 'b', 'c', 'd-missing'] },
    { name: 'KUBECONFIG where no file exists yet (the last is created)', files: {}, chain: ['one', 'two'] },
    {
      // client-go writeCurrentContext writes nothing when the chain already resolves to the context:
      // file a keeps its empty current-context (written there, a alone would name a context it lacks).
      name: 'KUBECONFIG where a later file already makes our context current',
      files: {
        a: 'apiVersion: v1\nkind: Config\ncurrent-context: ""\n',
        b: `clusters:\n- name: 10.96.0.1\n  cluster: {server: https://old:6443}\nusers:\n- name: "team-a/deployer@10.96.0.1"\n  user: {tokenFile: /old/token}\ncontexts:\n- name: "team-a/deployer@10.96.0.1"\n  context: {cluster: 10.96.0.1, user: "team-a/deployer@10.96.0.1", namespace: old}\ncurrent-context: "team-a/deployer@10.96.0.1"\n`,
      },
      chain: ['a', 'b'],
    },
    { name: 'a symlinked kubeconfig', files: { 'real/config': OTHER }, explicit: 'link', symlink: { link: 'link', target: 'real/config' } },
    { name: 'a relative --kubeconfig path', files: { 'sub/config': OTHER }, explicit: 'sub/config' },
    // client-go opens the path as given: the kernel resolves `sub` (a link to real/x) before `..`,
    // so the file is real/config, not the unrelated ./config that folding `..` by text would name.
    ...(['--kubeconfig', 'KUBECONFIG'] as const).map(
      (how): Scenario => ({
        name: `a ${how} path that goes up (..) from a symlinked directory`,
        files: { 'real/config': OTHER, 'real/x/other': 'current-context: ""\n', config: 'current-context: unrelated\n' },
        relativeLinks: [['sub', 'real/x']],
        ...(how === 'KUBECONFIG' ? { chain: ['sub/../config'] } : { explicit: 'sub/../config' }),
        written: 'real/config',
      }),
    ),
    {
      name: 'a symlinked kubeconfig whose target goes up (..) from a symlinked directory',
      files: { 'real/config': OTHER, 'real/x/other': 'current-context: ""\n', config: 'current-context: unrelated\n' },
      relativeLinks: [
        ['sub', 'real/x'],
        ['link', 'sub/../config'],
      ],
      explicit: 'link',
      written: 'real/config',
    },
    // client-go's HomeDir() is $HOME alone: unset, ~/.kube/config is .kube/config in the working directory.
    { name: 'HOME unset', files: { '.kube/config': OTHER }, unsetHome: true },
  ];

  it.each(scenarios)('agrees with the recipe for $name', async (scenario) => {
    const dirs = { kubectl: tempDir('oracle-kubectl-'), ours: tempDir('oracle-ours-') };
    for (const dir of Object.values(dirs)) {
      for (const [file, content] of Object.entries(scenario.files)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), content);
      }
      if (scenario.symlink) symlinkSync(join(dir, scenario.symlink.target), join(dir, scenario.symlink.link));
      for (const [link, target] of scenario.relativeLinks ?? []) symlinkSync(target, join(dir, link));
    }
    const envFor = (dir: string): Record<string, string | undefined> => ({ HOME: scenario.unsetHome ? undefined : join(dir, 'home'), ...(scenario.chain ? { KUBECONFIG: scenario.chain.map((f) => `${dir}/${f}`).join(':') } : {}) });
    const flags = scenario.explicit ? ['--kubeconfig', scenario.explicit] : [];

    await recipe(mount, envFor(dirs.kubectl), dirs.kubectl, flags);
    const ours = await runCli(['init', '--sa-dir', mount.dir, '--server', server, ...flags], { env: envFor(dirs.ours), cwd: dirs.ours });
    expect(ours.stderr).toBe('');
    expect(ours.code).toBe(0);

    // Same set of files exists afterwards, and kubectl reads each the same way.
    const files = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => !f.startsWith('home')).sort();
    expect(files(dirs.ours)).toEqual(files(dirs.kubectl));
    for (const file of files(dirs.kubectl)) {
      const path = (dir: string) => join(dir, file);
      if (statSync(path(dirs.kubectl)).isDirectory() || lstatSync(path(dirs.kubectl)).isSymbolicLink()) continue;
      const [theirs, mine] = [await view(path(dirs.kubectl), dirs.kubectl), await view(path(dirs.ours), dirs.ours)];
      expect(mine, file).toEqual(theirs);
    }
    if (scenario.symlink) expect(lstatSync(join(dirs.ours, scenario.symlink.link)).isSymbolicLink()).toBe(true);
    for (const [link] of scenario.relativeLinks ?? []) expect(lstatSync(join(dirs.ours, link)).isSymbolicLink()).toBe(true);
    // And the entries are what we meant: the mounted files, by reference.
    const named = scenario.written ?? scenario.symlink?.target ?? scenario.explicit;
    const target = named ? join(dirs.ours, named) : scenario.unsetHome ? join(dirs.ours, '.kube', 'config') : undefined;
    if (target) {
      const merged = await view(target, dirs.ours);
      expect(merged['current-context']).toBe(n().context);
      expect(merged.users?.find((u) => u.name === n().user)?.user).toEqual({ tokenFile: join(mount.dir, 'token') });
    }
  });
});

describe('init', () => {
  it('names every file it changed when a KUBECONFIG chain holds our entries in two files', async () => {
    const dir = tempDir();
    const [a, b] = [join(dir, 'a'), join(dir, 'b')];
    writeFileSync(a, `clusters:\n- name: 10.96.0.1\n  cluster: {server: https://old:6443}\n`);
    writeFileSync(b, `users:\n- name: team-a/deployer@10.96.0.1\n  user: {tokenFile: /old/token}\n`);
    const env = { HOME: dir, KUBECONFIG: `${a}:${b}` };
    const text = await runCli(['init', '--sa-dir', mount.dir, '--server', server], { cwd: dir, env });
    expect(text.code, text.stderr).toBe(0);
    // Existing entries that were updated are named with what they lost (here the server and tokenFile).
    expect(text.stdout.split('\n').slice(0, 3)).toEqual([
      `Wrote context "team-a/deployer@10.96.0.1" to ${a} (now the current context)`,
      `  updated existing cluster "10.96.0.1" in ${a} (replaced server)`,
      `  updated existing user "team-a/deployer@10.96.0.1" in ${b} (replaced tokenFile)`,
    ]);
    const json = JSON.parse((await runCli(['init', '--sa-dir', mount.dir, '--server', server, '-o', 'json'], { cwd: dir, env })).stdout) as { changes: { stanza: string; file: string }[] };
    expect(json.changes.map((change) => `${change.stanza} ${change.file}`).sort()).toEqual([`cluster ${a}`, `context ${a}`, `current-context ${a}`, `user ${b}`]);
    expect((await view(b, dir)).users?.[0]?.user).toEqual({ tokenFile: join(mount.dir, 'token') });
  });

  it('prints a control character in a name as an escape, never raw to the terminal (the file keeps the name)', async () => {
    const dir = tempDir();
    const file = join(dir, 'k');
    const run = await runCli(['init', '--sa-dir', mount.dir, '--server', server, '--kubeconfig', file, '--context', 'esc\u001b[31mred'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('\u001b');
    expect(run.stdout.split('\n')[0]).toBe(`Wrote context "esc\\x1b[31mred" to ${file} (now the current context)`);
    expect((await view(file, dir))['current-context']).toBe('esc\u001b[31mred');
  });

  it('keeps each summary line one line when a path holds a line break or a tab', async () => {
    const dir = tempDir();
    const file = join(dir, 'odd\nname\tk');
    const run = await runCli(['init', '--sa-dir', mount.dir, '--server', server, '--kubeconfig', file], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(`Wrote context "team-a/deployer@10.96.0.1" to ${join(dir, 'odd\\nname\\tk')} (now the current context)`);
  });

  it('prints a summary without the token, and -o json with the documented fields', async () => {
    const dir = tempDir();
    const text = await runCli(['init', '--sa-dir', mount.dir, '--server', server, '--kubeconfig', join(dir, 'k')], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Wrote context "team-a/deployer@10.96.0.1"');
    expect(text.stdout + text.stderr).not.toContain(mount.token);
    const json = await runCli(['init', '--sa-dir', mount.dir, '--server', server, '--kubeconfig', join(dir, 'k'), '-o', 'json'], { cwd: dir });
    expect(json.code).toBe(0);
    const summary = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      kubeconfig: join(dir, 'k'),
      cluster: '10.96.0.1',
      user: 'team-a/deployer@10.96.0.1',
      context: 'team-a/deployer@10.96.0.1',
      server,
      namespace: 'team-a',
      serviceAccount: 'system:serviceaccount:team-a:deployer',
      currentContext: 'team-a/deployer@10.96.0.1',
    });
    expect(typeof summary['tokenExpiresAt']).toBe('string');
    expect(json.stdout + json.stderr).not.toContain(mount.token);
    expect(statSync(join(dir, 'k')).mode & 0o777).toBe(0o600);
  });

  it('uses KUBERNETES_SERVICE_HOST/PORT (IPv6 in brackets) when --server is not given', async () => {
    const dir = tempDir();
    const run = await runCli(['init', '--sa-dir', mount.dir, '--kubeconfig', join(dir, 'k'), '-o', 'json'], { cwd: dir, env: { KUBERNETES_SERVICE_HOST: 'fd00:10:96::1', KUBERNETES_SERVICE_PORT: '443' } });
    expect(JSON.parse(run.stdout)).toMatchObject({ server: 'https://[fd00:10:96::1]:443', cluster: '[fd00:10:96::1]' });
    const fallback = await runCli(['init', '--sa-dir', mount.dir, '--kubeconfig', join(dir, 'k2'), '-o', 'json'], { cwd: dir });
    expect(JSON.parse(fallback.stdout)).toMatchObject({ server: 'https://kubernetes.default.svc' });
  });

  it.each([
    ['a port that is not a number', '10.96.0.1', 'abc', /KUBERNETES_SERVICE_PORT is not a port number \(KUBERNETES_SERVICE_HOST="10\.96\.0\.1", KUBERNETES_SERVICE_PORT="abc"\)$/],
    ['a port out of range', '10.96.0.1', '70000', /KUBERNETES_SERVICE_PORT is not a port number/],
    ['a host that makes no URL', 'bad host', '443', /in-cluster server from the environment is not usable \(KUBERNETES_SERVICE_HOST="bad host", KUBERNETES_SERVICE_PORT="443"\)/],
  ])('is bad local input (exit 3), naming the variables, when KUBERNETES_SERVICE_* hold %s', async (_name, host, port, line) => {
    const dir = tempDir();
    const run = await runCli(['init', '--sa-dir', mount.dir, '--kubeconfig', join(dir, 'k')], { cwd: dir, env: { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port } });
    expect(run.code, run.stderr).toBe(3);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^error: in-cluster server from the environment/);
    expect(lines[0]).toMatch(line);
    expect(lines.slice(1)).toEqual(['hint: the kubelet sets both in a pod; fix or unset them, or pass --server URL']);
    expect(existsSync(join(dir, 'k'))).toBe(false);
  });

  it.each([
    ['a token that is not a JWT: unknown', () => 'opaque-token-0123456789', 'unknown (not a JWT)'],
    [
      'a JWT without exp (a legacy Secret token): never',
      () => signJwt(createTokenSigner(), legacyTokenClaims({ namespace: 'team-a', serviceAccount: { name: 'deployer', uid: '00000000-0000-4000-8000-000000000001' }, secretName: 'deployer-token' })),
      'never (the token holds no expiry)',
    ],
  ])('says when the token expires for %s (JSON null either way)', async (_name, token, expires) => {
    const dir = tempDir();
    const sa = (await makeMount(dir, { token: token() })).dir;
    const text = await runCli(['init', '--sa-dir', sa, '--server', server, '--kubeconfig', join(dir, 'k')], { cwd: dir });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`\n  token expires   ${expires}\n`);
    const json = await runCli(['init', '--sa-dir', sa, '--server', server, '--kubeconfig', join(dir, 'k'), '-o', 'json'], { cwd: dir });
    expect(JSON.parse(json.stdout)).toMatchObject({ tokenExpiresAt: null });
  });

  it('--stdout prints a standalone kubeconfig with the token embedded, and writes nothing', async () => {
    const dir = tempDir();
    const run = await runCli(['init', '--sa-dir', mount.dir, '--server', server, '--stdout'], { cwd: dir, env: { KUBECONFIG: join(dir, 'k') } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`token: ${mount.token}`);
    expect(run.stdout).toContain('certificate-authority-data:');
    expect(run.stderr).not.toContain(mount.token);
    expect(existsSync(join(dir, 'k'))).toBe(false);
    writeFileSync(join(dir, 'standalone'), run.stdout);
    const parsed = await view(join(dir, 'standalone'), dir);
    expect(parsed['current-context']).toBe('team-a/deployer@10.96.0.1');
  });

  it('masks the token for GitHub Actions before printing it', async () => {
    const run = await runCli(['init', '--sa-dir', mount.dir, '--server', server, '--stdout'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(run.stderr.split('\n')).toContain(`::add-mask::${mount.token}`);
    // stdout stays the kubeconfig alone: `--stdout > file` must load.
    expect(run.stdout).not.toContain('::add-mask::');
    expect(run.stdout.startsWith('apiVersion: v1\n')).toBe(true);
  });

  it('--embed writes the token and CA inline and warns that it will not rotate', async () => {
    const dir = tempDir();
    const run = await runCli(['init', '--sa-dir', mount.dir, '--server', server, '--kubeconfig', join(dir, 'k'), '--embed'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^warning: the embedded token expires in .* and will not rotate/m);
    const written = await view(join(dir, 'k'), dir);
    expect(written.users?.[0]?.user).toEqual({ token: mount.token });
    expect(Buffer.from(String(written.clusters?.[0]?.cluster['certificate-authority-data']), 'base64').toString()).toBe(mount.caPem);
  });

  it('--embed into an existing 0644 kubeconfig takes group and other permissions away, and says so', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'k'), OTHER, { mode: 0o644 });
    const run = await runCli(['init', '--sa-dir', mount.dir, '--server', server, '--kubeconfig', join(dir, 'k'), '--embed', '-o', 'json'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(statSync(join(dir, 'k')).mode & 0o777).toBe(0o600);
    expect(run.stderr).toMatch(/^warning: .*k was mode 0644, readable by others; it now holds a token, so it is 0600$/m);
    expect(JSON.parse(run.stdout)).toMatchObject({ modeTightened: [{ file: join(dir, 'k'), from: '0644', to: '0600' }] });
  });

  it('--no-set-current leaves current-context alone; names and namespace can be chosen', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'k'), OTHER);
    const run = await runCli(['init', '--sa-dir', mount.dir, '--server', server, '--kubeconfig', join(dir, 'k'), '--no-set-current', '--cluster', 'c1', '--user', 'u1', '--context', 'x1', '-n', 'other-ns'], { cwd: dir });
    expect(run.code).toBe(0);
    const written = await view(join(dir, 'k'), dir);
    expect(written['current-context']).toBe('prod');
    expect(written.contexts?.find((c) => c.name === 'x1')?.context).toEqual({ cluster: 'c1', user: 'u1', namespace: 'other-ns' });
  });

  it('falls back to namespace "default" with a warning when the namespace file is missing', async () => {
    const dir = tempDir();
    const noNs = await makeMount(tempDir(), { omitNamespace: true, namespace: 'team-b', serviceAccount: 'x' });
    const run = await runCli(['init', '--sa-dir', noNs.dir, '--server', server, '--kubeconfig', join(dir, 'k'), '-o', 'json'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^warning: no namespace file in .*; using namespace "default"$/m);
    expect(JSON.parse(run.stdout)).toMatchObject({ namespace: 'default' });
  });

  it('20 concurrent init processes writing distinct contexts into one file lose nothing', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => runCli(['init', '--sa-dir', mount.dir, '--server', server, '--kubeconfig', file, '--context', `ctx-${i}`, '--user', `user-${i}`], { cwd: dir, timeoutMs: 60_000 })),
    );
    expect(runs.map((r) => r.code)).toEqual(Array.from({ length: 20 }, () => 0));
    const written = await view(file, dir);
    expect(written.contexts?.map((c) => c.name).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `ctx-${i}`).sort());
    expect(written.users).toHaveLength(20);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['config']);
  });
});

describe('init with bad input', () => {
  interface BadCase {
    readonly name: string;
    readonly code: number;
    readonly setup: (dir: string, sa: string) => void;
    readonly args?: (dir: string, sa: string) => string[];
    readonly env?: Record<string, string>;
  }
  const write = (path: string, content: string) => writeFileSync(path, content);
  const cases: BadCase[] = [
    { name: 'no service-account mount', code: 3, setup: () => undefined, args: (dir) => ['--sa-dir', join(dir, 'nope')] },
    { name: 'an empty token', code: 3, setup: (_d, sa) => write(join(sa, '..data', 'token'), '\n') },
    { name: 'a token with inner whitespace', code: 3, setup: (_d, sa) => write(join(sa, '..data', 'token'), 'abc def') },
    // Go's TrimSpace keeps the mark (JavaScript's trim would drop it): kubectl would send it, and get a 401.
    { name: 'a token saved with a byte-order mark (was: written, and probe passed where kubectl gets a 401)', code: 3, setup: (_d, sa) => write(join(sa, '..data', 'token'), '\uFEFFeyJhbGciOiJSUzI1NiJ9.e30.c2ln\n') },
    { name: 'a token with a control character', code: 3, setup: (_d, sa) => write(join(sa, '..data', 'token'), 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln\u0007') },
    { name: 'a CA that is not PEM', code: 3, setup: (_d, sa) => write(join(sa, '..data', 'ca.crt'), 'hello') },
    { name: 'a malformed existing kubeconfig', code: 3, setup: (dir) => write(join(dir, 'config'), 'clusters:\n  - name: [unclosed\n') },
    { name: 'a kubeconfig that is a directory', code: 3, setup: (dir) => mkdirSync(join(dir, 'kdir')), args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'kdir')] },
    { name: 'a destination below a plain file', code: 3, setup: (dir) => write(join(dir, 'file'), 'x'), args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'file', 'config')] },
    { name: '--server that is not a URL', code: 2, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '--server', 'not a url'] },
    { name: '--server https:HOST:PORT (no "//": kubectl looks up the host "https:HOST")', code: 2, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '--server', 'https:127.0.0.1:46443'] },
    { name: '--server https:/HOST:PORT (one slash)', code: 2, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '--server', 'https:/127.0.0.1:46443'] },
    { name: '--server https:///HOST (no host after "//")', code: 2, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '--server', 'https:///127.0.0.1:46443'] },
    { name: '--stdout with --kubeconfig (was: the file silently not written)', code: 2, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '--stdout'] },
    { name: '--server with http://', code: 2, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '--server', 'http://10.0.0.1'] },
    { name: 'an unknown flag', code: 2, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '--frobnicate'] },
    { name: 'a bad --lock-timeout', code: 2, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '--lock-timeout', 'soon'] },
    { name: 'a bad --probe-timeout (checked before writing)', code: 2, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '--probe', '--probe-timeout', 'banana'] },
    { name: '--probe-timeout 0 (was: written, then every stage failed at once)', code: 2, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '--probe', '--probe-timeout', '0'] },
    { name: '--probe-timeout 600h, past what a timer holds (was: every stage failed at once)', code: 2, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '--probe', '--probe-timeout', '600h'] },
    { name: '--probe-timeout without --probe (was: silently ignored)', code: 2, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '--probe-timeout', '2s'] },
    { name: 'an empty --sa-dir (was: the working directory, silently)', code: 2, setup: () => undefined, args: (dir) => ['--sa-dir', '', '--kubeconfig', join(dir, 'config')] },
    { name: 'a --cluster of white space only (kubectl takes it; no later command can name it plainly)', code: 2, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '--cluster', '  '] },
    { name: 'an empty --context', code: 2, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '--context', ''] },
    { name: 'a --namespace that is not a DNS label', code: 2, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '-n', 'Bad_NS'] },
    { name: 'an empty --namespace', code: 2, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '-n', ''] },
    { name: 'a --kubeconfig that ends in "/" (kubectl: "is a directory")', code: 3, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', `${join(dir, 'nd')}/`] },
    { name: 'a --kubeconfig that ends in "/." (kubectl: "is a directory")', code: 3, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', `${join(dir, 'nd')}/.`] },
    { name: 'a --kubeconfig that goes up (..) from a directory that does not exist (kubectl: "no such file or directory")', code: 3, setup: () => undefined, args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', `${dir}/nodir/../config2`] },
    { name: 'a --kubeconfig under /proc (was: never returned, Node 20\'s recursive mkdir loops there)', code: 3, setup: () => undefined, args: (_dir, sa) => ['--sa-dir', sa, '--kubeconfig', '/proc/sa-kubeconfig-test/x/config'] },
    { name: 'KUBECONFIG=":" (kubectl then reads no file at all)', code: 3, setup: () => undefined, args: (_dir, sa) => ['--sa-dir', sa], env: { KUBECONFIG: ':' } },
    { name: 'a lock held by a live writer', code: 3, setup: (dir) => write(join(dir, 'config.lock'), ''), args: (dir, sa) => ['--sa-dir', sa, '--kubeconfig', join(dir, 'config'), '--lock-timeout', '300ms'] },
  ];

  it.each(cases)('$name → exit $code, one clear line, files unchanged', async (bad) => {
    const dir = tempDir();
    const sa = (await makeMount(dir)).dir;
    writeFileSync(join(dir, 'config'), OTHER);
    bad.setup(dir, sa);
    const snapshot = () =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => !f.startsWith('serviceaccount'))
        .sort()
        .map((f) => [f, statSync(join(dir, f)).isFile() ? readFileSync(join(dir, f), 'utf8') : 'dir']);
    const before = snapshot();
    const run = await runCli(['init', '--server', server, ...(bad.args ? bad.args(dir, sa) : ['--sa-dir', sa, '--kubeconfig', join(dir, 'config')])], { cwd: dir, env: { HOME: dir, ...bad.env } });
    expect(run.code, run.stderr).toBe(bad.code);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^error: \S/);
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(snapshot()).toEqual(before);
  });

  it('names the file in the hint for --stdout with --kubeconfig, and the flag for --probe-timeout without --probe', async () => {
    const dir = tempDir();
    const sa = (await makeMount(dir)).dir;
    const file = join(dir, 'config');
    const both = await runCli(['init', '--sa-dir', sa, '--server', server, '--kubeconfig', file, '--stdout'], { cwd: dir });
    expect(both.stderr).toBe(`error: --stdout and --kubeconfig cannot be combined\nhint: --stdout writes no file: drop --kubeconfig, or drop --stdout to write ${JSON.stringify(file)}\n`);
    const lone = await runCli(['init', '--sa-dir', sa, '--server', server, '--kubeconfig', file, '--probe-timeout', '2s'], { cwd: dir });
    expect(lone.stderr).toBe('error: --probe-timeout applies only with --probe\nhint: add --probe to probe the new context, or drop --probe-timeout\n');
    const zero = await runCli(['init', '--sa-dir', sa, '--server', server, '--kubeconfig', file, '--probe', '--probe-timeout', '0s'], { cwd: dir });
    expect(zero.stderr).toBe('error: --probe-timeout must be positive\n');
    expect(existsSync(file)).toBe(false);
  });

  it('recovers a stale lock left by a killed sa-kubeconfig', async () => {
    const dir = tempDir();
    const sa = (await makeMount(dir)).dir;
    writeFileSync(join(dir, 'config.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), by: 'sa-kubeconfig' }));
    const run = await runCli(['init', '--sa-dir', sa, '--server', server, '--kubeconfig', join(dir, 'config')], { cwd: dir });
    expect(run.code).toBe(0);
    expect(existsSync(join(dir, 'config.lock'))).toBe(false);
  });

  it('--debug adds the cause and stack, still without the token', async () => {
    const dir = tempDir();
    const m = await makeMount(dir);
    writeFileSync(join(dir, 'config'), 'clusters: [\n');
    const run = await runCli(['init', '--debug', '--sa-dir', m.dir, '--server', server, '--kubeconfig', join(dir, 'config')], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^debug: /m);
    expect(run.stderr).not.toContain(m.token);
  });
});


describe('init, what it takes from the environment and the token, and what it warns about', () => {
  const run = (sa: string, dir: string, extra: string[] = [], env: Record<string, string> = {}) =>
    runCli(['init', '--sa-dir', sa, '--kubeconfig', join(dir, 'k'), '-o', 'json', ...extra], { cwd: dir, env: { HOME: dir, ...env } });

  it('takes POD_NAMESPACE when the namespace file is missing, and says so', async () => {
    const dir = tempDir();
    const noNs = await makeMount(tempDir(), { omitNamespace: true, namespace: 'team-b', serviceAccount: 'x' });
    const result = await run(noNs.dir, dir, ['--server', server], { POD_NAMESPACE: 'team-c' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^warning: no namespace file in .*; using namespace "team-c"$/m);
    expect(JSON.parse(result.stdout)).toMatchObject({ namespace: 'team-c' });
  });

  it('refuses a POD_NAMESPACE that is not a DNS label (exit 3), writing nothing', async () => {
    const dir = tempDir();
    const noNs = await makeMount(tempDir(), { omitNamespace: true });
    const result = await run(noNs.dir, dir, ['--server', server], { POD_NAMESPACE: 'Bad_NS' });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/^error: namespace "Bad_NS" from POD_NAMESPACE is not a valid DNS label$/m);
    expect(existsSync(join(dir, 'k'))).toBe(false);
  });

  it("names the entries after the token's namespace when it differs from the mount's, and keeps the mount's as the context namespace", async () => {
    const dir = tempDir();
    const sa = await makeMount(tempDir(), { namespace: 'team-a', serviceAccount: 'deployer', token: mintToken('team-x', 'deployer') });
    const result = await run(sa.dir, dir, ['--server', server]);
    expect(result.code, result.stderr).toBe(0);
    const written = await view(join(dir, 'k'), dir);
    expect(written['current-context']).toBe('team-x/deployer@10.96.0.1');
    expect(written.contexts?.[0]?.context).toMatchObject({ namespace: 'team-a', user: 'team-x/deployer@10.96.0.1' });
  });

  it.each([
    ['an expired token', () => mintToken('team-a', 'deployer', -3600), [] as string[], /^warning: the token expired at \S+; the API server will refuse it$/m],
    ['a token that is not a JWT', () => 'r4nd0m-0pa9ue-t0k3n', [] as string[], /^warning: the token in \S+ is not a JWT; the service account cannot be named from it$/m],
    ['a token shaped like a JWT whose claims are not JSON (was: "not a JWT", no reason)', () => 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln', [] as string[], /^warning: the token in \S+ is not a JWT that can be read \(its middle part is not base64url-encoded JSON\); the service account cannot be named from it$/m],
    ['a plain-http server', () => mintToken('team-a', 'deployer'), ['--insecure-allow-http'], /^warning: server http:\/\/10\.0\.0\.1:8080 is plain http: kubectl will not send the token to it$/m],
  ])('warns about %s, and still writes the kubeconfig', async (_name, token, flags, warning) => {
    const dir = tempDir();
    const sa = await makeMount(tempDir(), { token: token() });
    const result = await run(sa.dir, dir, ['--server', flags.length > 0 ? 'http://10.0.0.1:8080' : server, ...flags]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(warning);
    expect(existsSync(join(dir, 'k'))).toBe(true);
  });
});
