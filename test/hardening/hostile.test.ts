// Hostile input across every command: YAML bombs, huge and deeply nested files, wrong types in
// every field, duplicates, directories/FIFOs/symlink loops where files belong, binary bytes, CRLF
// and BOM (these must SUCCEED), 1 MB tokens, a CA bundle with one bad certificate, credentials in
// URLs, a kubectl that prints garbage / hangs / floods / returns a Secret that is not base64, exec
// plugins that print garbage or hang. Each case is answered with its documented exit code and one
// clear `error: …` line (plus an optional `hint: …`), never a stack trace, in bounded time (the
// child is killed after CHILD_TIMEOUT_MS) and bounded memory (--max-old-space-size=256), and leaves
// every file in its directory byte for byte as it was (success cases change only the kubeconfig).
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { parseKubeconfig } from '../../src/kubeconfig/codec.js';
import { startApiServer, startBlackholeServer, type ApiServer, type BlackholeServer } from '../support/apiserver.js';
import { makeMount, mintToken, tempDir, testCa, type Mount } from '../support/mount.js';
import { runCli, type RunCliResult } from '../support/run-cli.js';
import { cliCommand } from './built-cli.js';

const CHILD_TIMEOUT_MS = 20_000;
const SERVER = 'https://10.96.0.1:443';

const OTHER = `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example.com:6443
    proxy-url: http://proxy.example.com:3128
users:
- name: prod-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: gke-gcloud-auth-plugin
contexts:
- name: prod
  context: {cluster: prod, user: prod-admin, namespace: web}
current-context: prod
`;

interface World {
  readonly dir: string;
  readonly mount: Mount;
  /** dir/config, pre-filled with OTHER. */
  readonly kubeconfig: string;
  write(name: string, content: string | Buffer, mode?: number): string;
  /** An executable script in dir. */
  script(name: string, body: string): string;
  /** A fake kubectl: answers `config view` with a valid source context, everything else with `body`. */
  kubectl(body: string, configView?: string): string;
}

type Outcome = { readonly code: number; readonly line: RegExp } | 'success';

interface HostileCase {
  readonly name: string;
  readonly outcome: Outcome;
  readonly args: (world: World) => readonly string[] | Promise<readonly string[]>;
  readonly env?: (world: World) => Readonly<Record<string, string>>;
  /** The file a success case writes (default dir/config). */
  readonly writes?: (world: World) => string;
}

let api: ApiServer;
let blackhole: BlackholeServer;
let command: readonly string[];
let caPem: string;
beforeAll(async () => {
  command = await cliCommand(['--max-old-space-size=256']);
  api = await startApiServer();
  blackhole = await startBlackholeServer();
  caPem = (await testCa()).cert;
});
afterAll(async () => {
  await api?.close();
  await blackhole?.close();
});

// ---------------------------------------------------------------------------------------------
// Building blocks

const initArgs = (w: World, ...extra: string[]) => ['init', '--sa-dir', w.mount.dir, '--server', SERVER, '--kubeconfig', w.kubeconfig, ...extra];
const withKubeconfig = (text: string | Buffer) => (w: World) => {
  w.write('config', text);
  return initArgs(w);
};
const replaceIn = (from: string, to: string) => withKubeconfig(OTHER.replace(from, to));

function aliasBomb(levels: number, width: number): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= levels; i += 1) lines.push(`a${i}: &a${i} [${Array.from({ length: width }, () => `*a${i - 1}`).join(',')}]`);
  return `${OTHER}bomb:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}

function secretJson(data: Record<string, string>, type = 'kubernetes.io/service-account-token'): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'deployer-token', namespace: 'team-a', annotations: { 'kubernetes.io/service-account.name': 'deployer' } },
    type,
    data,
  });
}
const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
const goodSecret = (token = mintToken('team-a', 'deployer')) => secretJson({ token: b64(token), 'ca.crt': b64(caPem), namespace: b64('team-a') });

const fromSecret = (w: World, kubectl: string, ...extra: string[]) => ['from-secret', 'deployer-token', '-n', 'team-a', '--server', 'https://203.0.113.10:6443', '--kubectl', kubectl, '--kubectl-timeout', '10s', '--kubeconfig', w.kubeconfig, ...extra];
const fromSa = (w: World, kubectl: string, ...extra: string[]) => ['from-serviceaccount', 'deployer', '-n', 'team-a', '--server', 'https://203.0.113.10:6443', '--kubectl', kubectl, '--kubectl-timeout', '10s', '--kubeconfig', w.kubeconfig, ...extra];
/** The hang cases: a short --kubectl-timeout (the last flag wins). */
const HANG = ['--kubectl-timeout', '2s'];

/** A kubeconfig for the emulated server whose user runs `plugin` as an exec credential plugin. */
function execKubeconfig(w: World, plugin: string): string {
  return w.write(
    'probe.kubeconfig',
    `apiVersion: v1
kind: Config
clusters:
- name: emulated
  cluster:
    server: ${api.url}
    certificate-authority-data: ${b64(api.caPem)}
users:
- name: plugin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ${plugin}
      interactiveMode: Never
contexts:
- name: emulated
  context: {cluster: emulated, user: plugin, namespace: team-a}
current-context: emulated
`,
  );
}
/** A kubeconfig with one context for `server`, a bearer token and the emulated server's CA. */
function serverKubeconfig(server: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "${server}", certificate-authority-data: ${b64(api.caPem)}}
users:
- name: u
  user: {token: ${api.mintToken({ namespace: 'team-a', serviceAccount: 'deployer' })}}
contexts:
- name: c
  context: {cluster: c, user: u, namespace: team-a}
current-context: c
`;
}
const probe = (file: string, ...extra: string[]) => ['probe', '--kubeconfig', file, '--timeout', '3s', ...extra];
/** A kubeconfig whose CA and token are files (certificate-authority, tokenFile). */
function fileKubeconfig(caFile: string, tokenFile: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443", certificate-authority: "${caFile}"}
users:
- name: u
  user: {tokenFile: "${tokenFile}"}
contexts:
- name: c
  context: {cluster: c, user: u}
current-context: c
`;
}

// ---------------------------------------------------------------------------------------------
// The table

const WRONG_TYPES: readonly (readonly [string, string, string])[] = [
  ['the top level is a list', '', '- a\n- b\n'],
  ['the top level is a scalar', '', 'hello\n'],
  ['clusters is a string', 'clusters:\n- name: prod', 'clusters: prod\nx:\n- name: prod'],
  ['a cluster entry is a number', 'clusters:\n- name: prod', 'clusters:\n- 5\nx:\n- name: prod'],
  ['a cluster name is a list', '- name: prod\n  cluster:', '- name: [prod]\n  cluster:'],
  ['server is a list', 'server: https://prod.example.com:6443', 'server: [https://prod.example.com:6443]'],
  ['insecure-skip-tls-verify is a string', 'proxy-url: http://proxy.example.com:3128', 'insecure-skip-tls-verify: "yes"'],
  ['proxy-url is a mapping', 'proxy-url: http://proxy.example.com:3128', 'proxy-url: {url: x}'],
  ['exec is a string', 'exec:\n      apiVersion', 'exec: gke\n    x:\n      apiVersion'],
  ['exec args is a string', 'command: gke-gcloud-auth-plugin', 'command: gke-gcloud-auth-plugin\n      args: --flag'],
  ['contexts is a mapping', 'contexts:\n- name: prod\n  context: {cluster: prod, user: prod-admin, namespace: web}', 'contexts: {prod: 1}'],
  ['a context namespace is a number', 'namespace: web', 'namespace: 5'],
  ['current-context is a list', 'current-context: prod', 'current-context: [prod]'],
  ['extensions is a string', 'current-context: prod', 'current-context: prod\nextensions: none'],
  ['preferences is a list', 'current-context: prod', 'current-context: prod\npreferences: [1]'],
];

const cases: readonly HostileCase[] = [
  // --- init: the kubeconfig it must merge into ---
  { name: 'init: a YAML alias bomb (billion laughs)', outcome: { code: 3, line: /expands to more than [\d,]+ values/ }, args: withKubeconfig(aliasBomb(9, 9)) },
  {
    name: 'init: a 70 MB kubeconfig',
    outcome: { code: 3, line: /larger than the .*limit/ },
    args: (w) => {
      execFileSync('truncate', ['-s', String(70 * 1024 * 1024), w.kubeconfig]); // sparse: OTHER, then zeros
      return initArgs(w);
    },
  },
  { name: 'init: a value nested 100,000 levels deep', outcome: { code: 3, line: /error loading config file/ }, args: withKubeconfig(`${OTHER}deep: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`) },
  ...WRONG_TYPES.map(([what, from, to]): HostileCase => ({
    name: `init: wrong type — ${what}`,
    outcome: { code: 3, line: /error loading config file/ },
    args: from === '' ? withKubeconfig(to) : replaceIn(from, to),
  })),
  { name: 'init: duplicate cluster names', outcome: { code: 3, line: /duplicate name "prod" in clusters/ }, args: replaceIn('users:', '- name: prod\n  cluster: {server: https://other:6443}\nusers:') },
  { name: 'init: two YAML documents in one file', outcome: { code: 3, line: /error loading config file/ }, args: withKubeconfig(`${OTHER}---\n${OTHER}`) },
  { name: 'init: an unknown YAML tag (!!js/function)', outcome: { code: 3, line: /error loading config file/ }, args: replaceIn('server: https://prod.example.com:6443', 'server: !!js/function "function () {}"') },
  { name: 'init: binary bytes in the kubeconfig', outcome: { code: 3, line: /error loading config file/ }, args: withKubeconfig(Buffer.concat([Buffer.from(OTHER), Buffer.from([0, 1, 2, 0xff, 0xfe, 0x1b])])) },
  {
    name: 'init: the kubeconfig is a directory',
    outcome: { code: 3, line: /is a directory/ },
    args: (w) => {
      mkdirSync(join(w.dir, 'kdir'));
      return ['init', '--sa-dir', w.mount.dir, '--server', SERVER, '--kubeconfig', join(w.dir, 'kdir')];
    },
  },
  {
    name: 'init: the kubeconfig is a FIFO',
    outcome: { code: 3, line: /not a regular file/ },
    args: (w) => {
      execFileSync('mkfifo', [join(w.dir, 'fifo')]);
      return ['init', '--sa-dir', w.mount.dir, '--server', SERVER, '--kubeconfig', join(w.dir, 'fifo')];
    },
  },
  {
    name: 'init: the kubeconfig is a symlink loop',
    outcome: { code: 3, line: /symbolic links|error loading config file/ },
    args: (w) => {
      symlinkSync('loop-b', join(w.dir, 'loop-a'));
      symlinkSync('loop-a', join(w.dir, 'loop-b'));
      return ['init', '--sa-dir', w.mount.dir, '--server', SERVER, '--kubeconfig', join(w.dir, 'loop-a')];
    },
  },
  { name: 'init: CRLF line ends (succeeds)', outcome: 'success', args: withKubeconfig(OTHER.replace(/\n/g, '\r\n')) },
  { name: 'init: a UTF-8 BOM (succeeds)', outcome: 'success', args: withKubeconfig(`\uFEFF${OTHER}`) },
  { name: 'init: BOM and CRLF together (succeeds)', outcome: 'success', args: withKubeconfig(`\uFEFF${OTHER.replace(/\n/g, '\r\n')}`) },
  { name: 'init: __proto__ keys in the kubeconfig (succeeds, no crash)', outcome: 'success', args: replaceIn('current-context: prod', 'current-context: prod\n__proto__: {polluted: true}\nx:\n  __proto__: [1]') },

  // --- init: the service-account mount and flags ---
  { name: 'init: a 1 MB token', outcome: { code: 3, line: /larger than the 65536-byte limit/ }, args: (w) => (w.write('serviceaccount/..data/token', 'a'.repeat(1024 * 1024)), initArgs(w)) },
  { name: 'init: binary bytes in the token', outcome: { code: 3, line: /service-account token/ }, args: (w) => (w.write('serviceaccount/..data/token', Buffer.from([0x65, 0x79, 0, 0xff, 0x1b, 0x41])), initArgs(w)) },
  { name: 'init: a token with CRLF (succeeds)', outcome: 'success', args: (w) => (w.write('serviceaccount/..data/token', `${w.mount.token}\r\n`), initArgs(w)) },
  // Go's TrimSpace keeps a byte-order mark: kubectl would send it in the token and get a 401.
  { name: 'init: a token with a BOM (refused: kubectl would send it)', outcome: { code: 3, line: /starts with a byte-order mark \(U\+FEFF\)/ }, args: (w) => (w.write('serviceaccount/..data/token', `\uFEFF${w.mount.token}\r\n`), initArgs(w)) },
  {
    name: 'init: a CA bundle with one bad certificate among good ones',
    outcome: { code: 3, line: /certificate 2 of 3 is not a valid X\.509 certificate/ },
    args: (w) => {
      const bad = '-----BEGIN CERTIFICATE-----\nTUlJQm9ndXM=\n-----END CERTIFICATE-----\n';
      w.write('serviceaccount/..data/ca.crt', `${caPem}${bad}${caPem}`);
      return initArgs(w);
    },
  },
  { name: 'init: a CA with CRLF line ends (succeeds)', outcome: 'success', args: (w) => (w.write('serviceaccount/..data/ca.crt', caPem.replace(/\n/g, '\r\n')), initArgs(w)) },
  { name: 'init: a CA of binary garbage', outcome: { code: 3, line: /holds no PEM certificate/ }, args: (w) => (w.write('serviceaccount/..data/ca.crt', Buffer.from([0x30, 0x82, 0xff, 0, 1, 2])), initArgs(w)) },
  {
    name: 'init: the token is a FIFO',
    outcome: { code: 3, line: /not a regular file/ },
    args: (w) => {
      rmSync(join(w.mount.dir, '..data', 'token'));
      execFileSync('mkfifo', [join(w.mount.dir, '..data', 'token')]);
      return initArgs(w);
    },
  },
  { name: 'init: binary bytes in the namespace file', outcome: { code: 3, line: /not a valid DNS label/ }, args: (w) => (w.write('serviceaccount/..data/namespace', Buffer.from([0x74, 0, 0xff])), initArgs(w)) },
  { name: 'init: a server URL with credentials in it', outcome: { code: 2, line: /must not carry credentials/ }, args: (w) => [...initArgs(w), '--server', 'https://admin:s3cret@10.96.0.1:443'] },
  { name: 'init: a server URL with a newline', outcome: { code: 2, line: /contains whitespace or control characters/ }, args: (w) => [...initArgs(w), '--server', 'https://10.96.0.1\nhttps://evil'] },
  { name: 'init: a context name with a newline', outcome: { code: 2, line: /--context name must be on one line, without NUL/ }, args: (w) => [...initArgs(w), '--context', 'a\nb'] },
  { name: 'init: a 100 KB context name (succeeds)', outcome: 'success', args: (w) => [...initArgs(w), '--context', `c${'x'.repeat(100_000)}`] },
  {
    name: 'init: KUBECONFIG with empty entries (succeeds)',
    outcome: 'success',
    args: (w) => ['init', '--sa-dir', w.mount.dir, '--server', SERVER],
    env: (w) => ({ KUBECONFIG: `::${w.kubeconfig}::` }),
  },

  // --- from-secret / from-serviceaccount through a hostile kubectl ---
  { name: 'from-secret: a well-behaved fake kubectl (control case, succeeds)', outcome: 'success', args: (w) => fromSecret(w, w.kubectl(`cat <<'EOF'\n${goodSecret()}\nEOF`)) },
  { name: 'from-secret: kubectl prints garbage for config view', outcome: { code: 4, line: /printed something that is not JSON/ }, args: (w) => fromSecret(w, w.kubectl('echo ok', 'printf "\\033[31m\\000garbage\\377"')) },
  { name: 'from-secret: kubectl prints garbage for the Secret', outcome: { code: 4, line: /printed something that is not JSON/ }, args: (w) => fromSecret(w, w.kubectl('head -c 4096 /dev/urandom')) },
  { name: 'from-secret: kubectl prints JSON of the wrong shape', outcome: { code: 4, line: /JSON of an unexpected shape/ }, args: (w) => fromSecret(w, w.kubectl(`echo '{"kind":"Secret","data":[1,2,3],"type":7}'`)) },
  { name: 'from-secret: kubectl hangs (exec sleep)', outcome: { code: 4, line: /timed out after 2s/ }, args: (w) => fromSecret(w, w.kubectl('exec sleep 60'), ...HANG) },
  { name: 'from-secret: kubectl hangs in a child process (sh → sleep)', outcome: { code: 4, line: /timed out after 2s/ }, args: (w) => fromSecret(w, w.kubectl('sleep 20'), ...HANG) },
  { name: 'from-secret: kubectl prints 20 MB of garbage', outcome: { code: 4, line: /printed more output than sa-kubeconfig reads \(16 MiB\)/ }, args: (w) => fromSecret(w, w.kubectl("head -c 20000000 /dev/zero | tr '\\0' 'a'")) },
  { name: 'from-secret: a Secret whose token is not base64', outcome: { code: 4, line: /data\["token"\] is not valid base64/ }, args: (w) => fromSecret(w, w.kubectl(`echo '${secretJson({ token: '!!!not base64***', 'ca.crt': b64(caPem) })}'`)) },
  { name: 'from-secret: a Secret whose token decodes to binary bytes', outcome: { code: 4, line: /data\["token"\]/ }, args: (w) => fromSecret(w, w.kubectl(`echo '${secretJson({ token: b64(Buffer.from([0, 0xff, 0x1b, 0x0a, 0x41])), 'ca.crt': b64(caPem) })}'`)) },
  { name: 'from-secret: a Secret whose ca.crt is not a certificate', outcome: { code: 4, line: /data\["ca.crt"\] holds no PEM certificate/ }, args: (w) => fromSecret(w, w.kubectl(`echo '${secretJson({ token: b64(mintToken('team-a', 'deployer')), 'ca.crt': b64('garbage') })}'`)) },
  { name: 'from-secret: kubectl fails with escape sequences on stderr', outcome: { code: 4, line: /failed: error: \\x1b\]0;pwned\\x07\\x1b\[2Jboom$/ }, args: (w) => fromSecret(w, w.kubectl('printf "error: \\033]0;pwned\\007\\033[2Jboom\\n" >&2; exit 1')) },
  {
    name: 'from-secret: --kubectl is a directory',
    outcome: { code: 4, line: /kubectl/ },
    args: (w) => {
      mkdirSync(join(w.dir, 'kubectl-dir'));
      return fromSecret(w, join(w.dir, 'kubectl-dir'));
    },
  },
  { name: 'from-serviceaccount: kubectl prints garbage for create token', outcome: { code: 4, line: /kubectl|token/ }, args: (w) => fromSa(w, w.kubectl('printf "\\000\\001 not a token \\377"')) },
  { name: 'from-serviceaccount: kubectl hangs', outcome: { code: 4, line: /timed out after 2s/ }, args: (w) => fromSa(w, w.kubectl('exec sleep 60'), ...HANG) },

  // --- probe ---
  { name: 'probe: an exec plugin that prints garbage', outcome: { code: 3, line: /not an ExecCredential JSON document/ }, args: (w) => probe(execKubeconfig(w, w.script('plugin', 'head -c 2048 /dev/urandom'))) },
  { name: 'probe: an exec plugin that hangs', outcome: { code: 3, line: /did not finish within/ }, args: (w) => probe(execKubeconfig(w, w.script('plugin', 'exec sleep 60'))) },
  { name: 'probe: an exec plugin that prints 100 MB', outcome: { code: 3, line: /exec|plugin|ExecCredential/ }, args: (w) => probe(execKubeconfig(w, w.script('plugin', "head -c 100000000 /dev/zero | tr '\\0' '{'"))) },
  { name: 'probe: a kubeconfig with a wrong type', outcome: { code: 3, line: /error loading config file/ }, args: (w) => probe(w.write('bad.kubeconfig', OTHER.replace('namespace: web', 'namespace: [web]'))) },
  { name: 'probe: a YAML alias bomb', outcome: { code: 3, line: /expands to more than/ }, args: (w) => probe(w.write('bomb.kubeconfig', aliasBomb(9, 9))) },
  { name: 'probe: a server that never answers', outcome: { code: 5, line: /time|tls|connect/i }, args: (w) => probe(w.write('hole.kubeconfig', serverKubeconfig(`https://127.0.0.1:${blackhole.port}`))) },
  { name: 'probe: the kubeconfig is a directory', outcome: { code: 3, line: /is a directory/ }, args: (w) => (mkdirSync(join(w.dir, 'kdir')), probe(join(w.dir, 'kdir'))) },
  // Read-only, so a device is safe to use here (init is tested with a FIFO instead: a regression there would replace the device).
  { name: 'probe: the kubeconfig is /dev/zero (endless)', outcome: { code: 3, line: /more than the 64 MiB limit/ }, args: () => probe('/dev/zero') },
  // Files the probe reads without a size check first: the file system layer stops a device at 64 MiB.
  { name: 'probe: certificate-authority is /dev/zero (endless)', outcome: { code: 3, line: /file too large/ }, args: (w) => probe(w.write('ca-zero.kubeconfig', fileKubeconfig('/dev/zero', join(w.dir, 'token')))) },
  { name: 'probe: tokenFile is /dev/zero (endless)', outcome: { code: 3, line: /file too large/ }, args: (w) => (writeFileSync(join(w.dir, 'ca.crt'), api.caPem), probe(w.write('token-zero.kubeconfig', fileKubeconfig(join(w.dir, 'ca.crt'), '/dev/zero')))) },
  { name: 'probe: a context that does not exist', outcome: { code: 3, line: /context "nope" was not found/ }, args: (w) => probe(w.kubeconfig, '--context', 'nope') },
];

// ---------------------------------------------------------------------------------------------

/** Every file under dir: path → sha256 of its bytes (or its kind), symlinks by target. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) out[name] = `link ${readlinkSync(path)}`;
    else if (stat.isFile()) out[name] = `file ${stat.mode.toString(8)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    else out[name] = stat.isDirectory() ? 'dir' : 'special';
  }
  return out;
}

async function makeWorld(): Promise<World> {
  const dir = tempDir('sa-kubeconfig-hostile-');
  const mount = await makeMount(dir);
  const kubeconfig = join(dir, 'config');
  writeFileSync(kubeconfig, OTHER, { mode: 0o600 });
  const write = (name: string, content: string | Buffer, mode = 0o600) => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode });
    return path;
  };
  const script = (name: string, body: string) => {
    const path = write(name, `#!/bin/sh\n${body}\n`, 0o755);
    chmodSync(path, 0o755);
    return path;
  };
  const sourceJson = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://203.0.113.10:6443', 'certificate-authority-data': b64(caPem) } }],
    users: [{ name: 'u', user: {} }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'team-a' } }],
    'current-context': 'ctx',
  });
  const kubectl = (body: string, configView = `cat <<'EOF'\n${sourceJson}\nEOF`) =>
    script('kubectl', `case "$*" in\n  *"config view"*)\n${configView}\n;;\n  *)\n${body}\n;;\nesac`);
  return { dir, mount, kubeconfig, write, script, kubectl };
}

const outcomes: Record<string, number> = { success: 0 };

describe(`hostile input (${cases.length} cases)`, () => {
  afterAll(() => {
    console.info(`hostile: ${JSON.stringify({ cases: cases.length, ...outcomes })}`);
  });

  // Independent cases (each its own directory), run a few at a time; expect comes from the test context.
  it.concurrent.for(cases)('$name', { timeout: CHILD_TIMEOUT_MS + 30_000 }, async (hostile, { expect }) => {
    const world = await makeWorld();
    try {
      const args = await hostile.args(world);
      const before = snapshot(world.dir);
      const env = hostile.env?.(world) ?? {};
      const run: RunCliResult = await runCli(args, { command, cwd: world.dir, timeoutMs: CHILD_TIMEOUT_MS, env: { KUBECONFIG: undefined, ...env } });
      if (process.env['SA_KUBECONFIG_HOSTILE_VERBOSE']) console.info(`${hostile.name} → exit ${String(run.code)}\n${JSON.stringify(run.stderr.slice(0, 600))}\n${JSON.stringify(run.stdout.slice(0, 600))}`);
      expect(run.timedOut, `${hostile.name} did not finish within ${CHILD_TIMEOUT_MS} ms`).toBe(false);
      expect(run.stderr).not.toMatch(/\n\s+at \S+/); // no stack trace
      expect(run.stderr).not.toMatch(/internal error|JavaScript heap out of memory/);
      const after = snapshot(world.dir);
      if (hostile.outcome === 'success') {
        expect(run.code, run.stderr).toBe(0);
        expect(run.stderr).not.toMatch(/^error:/m);
        const written = hostile.writes?.(world) ?? world.kubeconfig;
        const changed = Object.keys(after).filter((name) => after[name] !== before[name]);
        expect(changed.map((name) => join(world.dir, name))).toEqual([written]);
        parseKubeconfig(readFileSync(written, 'utf8'), written);
        outcomes['success'] = (outcomes['success'] ?? 0) + 1;
      } else {
        expect(run.code, run.stderr).toBe(hostile.outcome.code);
        // One clear line: warnings aside, `error: …` and at most a `hint: …`.
        const lines = run.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('warning: '));
        const isProbe = args[0] === 'probe';
        if (isProbe) {
          // The probe reports its stages on stdout; the failing stage names the reason.
          expect(`${run.stdout}\n${run.stderr}`).toMatch(hostile.outcome.line);
        } else {
          expect(run.stdout).toBe('');
          expect(lines[0]).toMatch(/^error: \S/);
          expect(lines[0]).toMatch(hostile.outcome.line);
          expect(lines.length).toBeLessThanOrEqual(2);
          if (lines[1] !== undefined) expect(lines[1]).toMatch(/^hint: \S/);
          expect(run.stderr.length).toBeLessThan(2_000);
        }
        expect(after).toEqual(before);
        outcomes[`exit ${hostile.outcome.code}`] = (outcomes[`exit ${hostile.outcome.code}`] ?? 0) + 1;
      }
    } finally {
      rmSync(world.dir, { recursive: true, force: true });
    }
  });
});
