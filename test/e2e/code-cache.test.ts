// bin/sa-kubeconfig.js runs dist/cli.cjs, and dist/cli.cjs the other bundles it needs
// (program.cjs, probe.cjs, kubectl.cjs, claims.cjs, codec.cjs: each once, whoever asks), each with its V8 code
// cache only when the cache was made for exactly that bundle (the cache holds a copy of it); a
// stale, damaged or missing cache must never change behaviour, and a good one must really be used.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { makeMount } from '../support/mount.js';
import { repoRoot, runCli } from '../support/run-cli.js';

const execFileAsync = promisify(execFile);
const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

type Bundle = 'cli' | 'program' | 'codec' | 'probe' | 'kubectl' | 'claims';

/** A private copy of bin/ and dist/, with one bundle's cache (or the bundle) changed by `damage`. */
function copyWith(bundle: Bundle, damage: (cacheFile: string, bundleFile: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-code-cache-'));
  copies.push(dir);
  cpSync(join(repoRoot, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(repoRoot, 'dist'), join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  damage(join(dir, 'dist', `${bundle}.cache`), join(dir, 'dist', `${bundle}.cjs`));
  return join(dir, 'bin', 'sa-kubeconfig.js');
}

/**
 * A mount, and a kubeconfig that exists. With `comment` (as people write kubeconfigs by hand) it
 * is beyond reader.ts, so init reads it with codec.cjs; without, reader.ts reads it.
 */
async function existingKubeconfigSetup({ comment = true } = {}): Promise<{ readonly mountDir: string; readonly kubeconfig: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-code-cache-'));
  copies.push(dir);
  const mount = await makeMount(dir);
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    `${comment ? '# the team cluster\n' : ''}apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster:\n    server: https://other.example:6443\ncontexts:\n- name: other\n  context:\n    cluster: other\n    user: other\ncurrent-context: other\npreferences: {}\nusers:\n- name: other\n  user:\n    token: not-a-secret\n`,
    { mode: 0o600 },
  );
  return { mountDir: mount.dir, kubeconfig };
}

/**
 * What a preload saw the bin (this repository's, or a copy's) compile with vm.Script, and whether
 * V8 took each cache.
 */
async function watchCompiles(
  args: readonly string[],
  { bin = join(repoRoot, 'bin', 'sa-kubeconfig.js'), env = {} }: { readonly bin?: string; readonly env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string; readonly seen: unknown }> {
  const dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-code-cache-'));
  copies.push(dir);
  const preload = join(dir, 'watch-vm.cjs');
  writeFileSync(
    preload,
    `const vm = require('node:vm'); const Original = vm.Script; const seen = [];
     vm.Script = class extends Original { constructor(code, options) { super(code, options); seen.push({ file: options && options.filename, cached: Boolean(options && options.cachedData), rejected: this.cachedDataRejected }); } };
     process.on('exit', () => require('node:fs').writeSync(2, 'VM ' + JSON.stringify(seen) + '\\n'));`,
  );
  const result = await runCli(args, { command: [process.execPath, '--require', preload, bin], env });
  return { code: result.code, stdout: result.stdout, stderr: result.stderr, seen: JSON.parse(/VM (.*)/.exec(result.stderr)?.[1] ?? 'null') as unknown };
}

const MAGIC = `sa-kubeconfig code cache 5\n${process.version}\n`;
/** MAGIC, then the bundle's length and V8's data's length, 10 decimal digits each. */
const HEADER = MAGIC.length + 20;
const PREFIX = '(function (exports, require, module, __filename, __dirname) { ';
const SUFFIX = '\n});';
/** Where V8's data starts: after the header, the wrapped bundle and the padding to 8 bytes. */
function dataOffset(bundleLength: number): number {
  return Math.ceil((HEADER + PREFIX.length + bundleLength + SUFFIX.length) / 8) * 8;
}

describe('the code cache', () => {
  it.each<Bundle>(['cli', 'program', 'codec', 'probe', 'kubectl', 'claims'])('of %s.cjs is built with the bundle: a header, the bundle in the CommonJS wrapper, padding, then V8 data', (name) => {
    const cache = readFileSync(join(repoRoot, 'dist', `${name}.cache`));
    const bundle = readFileSync(join(repoRoot, 'dist', `${name}.cjs`));
    const start = HEADER;
    expect(cache.toString('latin1', 0, MAGIC.length)).toBe(MAGIC);
    expect(Number(cache.toString('latin1', MAGIC.length, MAGIC.length + 10))).toBe(bundle.length);
    expect(cache.toString('latin1', start, start + PREFIX.length)).toBe(PREFIX);
    expect(cache.subarray(start + PREFIX.length, start + PREFIX.length + bundle.length).equals(bundle)).toBe(true);
    const end = start + PREFIX.length + bundle.length + SUFFIX.length;
    expect(cache.toString('latin1', end - SUFFIX.length, end)).toBe(SUFFIX);
    const data = dataOffset(bundle.length);
    expect(data % 8).toBe(0);
    expect(cache.subarray(end, data).every((byte) => byte === 0)).toBe(true);
    expect(cache.length - data).toBeGreaterThan(10_000);
    expect(Number(cache.toString('latin1', MAGIC.length + 10, HEADER))).toBe(cache.length - data);
  });

  it('is accepted by V8 on this Node, so start-up really uses it; codec.cjs loads only for a kubeconfig reader.ts leaves to it', async () => {
    const version = await watchCompiles(['--version']);
    expect(version.code).toBe(0);
    // Everything but a plain init goes through commander, in program.cjs.
    expect(version.seen).toEqual([
      { file: join(repoRoot, 'dist', 'cli.cjs'), cached: true, rejected: false },
      { file: join(repoRoot, 'dist', 'program.cjs'), cached: true, rejected: false },
    ]);

    const plain = await existingKubeconfigSetup({ comment: false });
    const initPlain = await watchCompiles(['init', '--sa-dir', plain.mountDir, '--kubeconfig', plain.kubeconfig, '--server', 'https://10.0.0.1:443']);
    expect(initPlain.code).toBe(0);
    expect(initPlain.seen).toEqual([{ file: join(repoRoot, 'dist', 'cli.cjs'), cached: true, rejected: false }]);

    const { mountDir, kubeconfig } = await existingKubeconfigSetup();
    const init = await watchCompiles(['init', '--sa-dir', mountDir, '--kubeconfig', kubeconfig, '--server', 'https://10.0.0.1:443']);
    expect(init.code).toBe(0);
    expect(init.seen).toEqual([
      { file: join(repoRoot, 'dist', 'cli.cjs'), cached: true, rejected: false },
      { file: join(repoRoot, 'dist', 'codec.cjs'), cached: true, rejected: false },
    ]);
  });

  it('of each other bundle is accepted when that bundle first loads, and a plain init into a new kubeconfig loads none of them', async () => {
    const cached = (name: string) => ({ file: join(repoRoot, 'dist', name), cached: true, rejected: false });
    const dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-code-cache-'));
    copies.push(dir);
    const mount = await makeMount(dir);
    const fresh = await watchCompiles(['init', '--sa-dir', mount.dir, '--kubeconfig', join(dir, 'fresh'), '--server', 'https://10.0.0.1:443']);
    expect(fresh).toMatchObject({ code: 0, seen: [cached('cli.cjs')] });
    // The same init in a spelling main.ts leaves to commander (flag-spec.ts): program.cjs.
    const viaCommander = await watchCompiles(['init', '--sa-dir', mount.dir, '--kubeconfig', join(dir, 'via-commander'), '--server', 'https://10.0.0.1:443', '-nteam-a']);
    expect(viaCommander).toMatchObject({ code: 0, seen: [cached('cli.cjs'), cached('program.cjs')] });

    // The probe (nothing listens on port 1: exit 5 at the TCP stage).
    const kubeconfig = join(dir, 'probe-config');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user:\n    token: not-a-secret\n', { mode: 0o600 });
    const probe = await watchCompiles(['probe', '--kubeconfig', kubeconfig]);
    expect(probe).toMatchObject({ code: 5, seen: [cached('cli.cjs'), cached('program.cjs'), cached('probe.cjs')] });

    // The kubectl flows (no kubectl on PATH: exit 4 once the flow runs it).
    const fromSecret = await watchCompiles(['from-secret', 'deployer-token', '--kubeconfig', join(dir, 'from-secret')], { env: { PATH: join(dir, 'no-such-dir') } });
    expect(fromSecret).toMatchObject({ code: 4, seen: [cached('cli.cjs'), cached('program.cjs'), cached('kubectl.cjs')] });

    // zod's claims schema, for claims the plain check does not vouch for (exp as a string).
    const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    writeFileSync(join(mount.dir, 'token'), `${segment({ alg: 'RS256' })}.${segment({ sub: 'system:serviceaccount:team-a:deployer', exp: 'soon' })}.c2ln`);
    const odd = await watchCompiles(['init', '--sa-dir', mount.dir, '--kubeconfig', join(dir, 'odd'), '--server', 'https://10.0.0.1:443']);
    expect(odd).toMatchObject({ code: 0, seen: [cached('cli.cjs'), cached('claims.cjs')] });
    expect(odd.stderr).toContain('is not a JWT');
  });

  it.each<[string, (cache: string, bundle: string) => void]>([
    ['valid', () => undefined],
    ['missing', (cache) => rmSync(cache)],
    ['from an older format', (cache) => writeFileSync(cache, Buffer.concat([Buffer.alloc(32, 7), readFileSync(cache)]))],
    ['made for another bundle', (cache) => {
      const bytes = readFileSync(cache);
      const at = HEADER + PREFIX.length + 100; // one byte of the copy
      bytes.writeUInt8((bytes.readUInt8(at) ^ 1) & 0xff, at);
      writeFileSync(cache, bytes);
    }],
    ['damaged after the copy', (cache, bundle) => writeFileSync(cache, Buffer.concat([readFileSync(cache).subarray(0, dataOffset(readFileSync(bundle).length)), Buffer.from('not a code cache')]))],
    ['with its wrapper changed', (cache) => {
      const bytes = readFileSync(cache);
      bytes.write('(function (exports, require, module, __filename, __dirnam_) { ', HEADER, 'latin1');
      writeFileSync(cache, bytes);
    }],
    ['cut short', (cache) => writeFileSync(cache, readFileSync(cache).subarray(0, 1000))],
    ['made by another Node (same V8)', (cache) => writeFileSync(cache, Buffer.from(readFileSync(cache, 'latin1').replace(process.version, 'v20.0.99'.padEnd(process.version.length, '9')), 'latin1'))],
    ['for a bundle that changed since', (_cache, bundle) => writeFileSync(bundle, `${readFileSync(bundle, 'utf8')}\n// changed\n`)],
  ])('of cli.cjs and of program.cjs leaves behaviour unchanged when it is %s', async (_name, damage) => {
    for (const bundle of ['cli', 'program'] as const) await expectUnchangedBehaviour(copyWith(bundle, damage));
  });
});

/** --version, and init in a plain and in a commander spelling, all as with good caches. */
async function expectUnchangedBehaviour(cli: string): Promise<void> {
  const version = await runCli(['--version'], { command: [process.execPath, cli] });
  expect(version).toMatchObject({ code: 0, stderr: '' });
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  const usage = await runCli(['init', '--server', 'not a url', '--sa-dir', '/nonexistent'], { command: [process.execPath, cli] });
  expect(usage.code).toBe(3);
  expect(usage.stderr).toMatch(/^error: no service-account mount at \/nonexistent/);
  // The same, through commander (program.cjs).
  const viaCommander = await runCli(['init', '--server', 'not a url', '--sa-dir', '/nonexistent', '-nteam-a'], { command: [process.execPath, cli] });
  expect(viaCommander.code).toBe(3);
  expect(viaCommander.stderr).toMatch(/^error: no service-account mount at \/nonexistent/);
}

describe('the code cache of codec.cjs', () => {
  it.each<[string, (cache: string, bundle: string) => void]>([
    ['valid', () => undefined],
    ['missing', (cache) => rmSync(cache)],
    ['made for another bundle', (cache) => {
      const bytes = readFileSync(cache);
      const at = HEADER + PREFIX.length + 100;
      bytes.writeUInt8((bytes.readUInt8(at) ^ 1) & 0xff, at);
      writeFileSync(cache, bytes);
    }],
    ['damaged after the copy', (cache, bundle) => writeFileSync(cache, Buffer.concat([readFileSync(cache).subarray(0, dataOffset(readFileSync(bundle).length)), Buffer.from('not a code cache')]))],
    ['cut short', (cache) => writeFileSync(cache, readFileSync(cache).subarray(0, 1000))],
    ['for a bundle that changed since', (_cache, bundle) => writeFileSync(bundle, `${readFileSync(bundle, 'utf8')}\n// changed\n`)],
  ])('leaves reading a kubeconfig unchanged when it is %s', async (_name, damage) => {
    const cli = copyWith('codec', damage);
    const { mountDir, kubeconfig } = await existingKubeconfigSetup();
    const init = await runCli(['init', '--sa-dir', mountDir, '--kubeconfig', kubeconfig, '--server', 'https://10.0.0.1:443', '--no-set-current'], { command: [process.execPath, cli] });
    expect(init).toMatchObject({ code: 0, stderr: '' });
    const written = readFileSync(kubeconfig, 'utf8');
    expect(written).toContain('name: other');
    expect(written).toContain('name: team-a/deployer@10.0.0.1');
    expect(written).toContain('current-context: other');
    writeFileSync(kubeconfig, 'clusters: [\n');
    const malformed = await runCli(['init', '--sa-dir', mountDir, '--kubeconfig', kubeconfig], { command: [process.execPath, cli] });
    expect(malformed.code).toBe(3);
    expect(malformed.stderr).toMatch(/^error: error loading config file ".*config": yaml: /);
    expect(readFileSync(kubeconfig, 'utf8')).toBe('clusters: [\n');
  });
});

/** What the bin of the copy at `cli` compiled, for a bundle of that copy's dist/. */
function compiled(cli: string, bundle: string, cached: boolean): { readonly file: string; readonly cached: boolean } {
  return { file: join(dirname(dirname(cli)), 'dist', bundle), cached };
}

/** One letter of the first double-quoted string literal at or after `from`, its case swapped: still valid JS, same length. */
function swapCaseAfter(text: string, from: number): string {
  const literal = /"[a-z]{4,}"/g;
  literal.lastIndex = from;
  const match = literal.exec(text);
  if (!match) throw new Error(`no string literal after ${from}`);
  const at = match.index + 1;
  return `${text.slice(0, at)}${(text[at] ?? '').toUpperCase()}${text.slice(at + 1)}`;
}

describe('the comparison of a bundle with the copy in its cache (read a 64 KiB piece at a time), program.cjs (which --version runs)', () => {
  it('uses the cache for the bundle it was made for', async () => {
    const cli = copyWith('program', () => undefined);
    expect(await watchCompiles(['--version'], { bin: cli })).toMatchObject({ code: 0, seen: [compiled(cli, 'cli.cjs', true), compiled(cli, 'program.cjs', true)] });
  });

  it.each<[string, (text: string) => string]>([
    ['a letter changed in the second piece', (text) => swapCaseAfter(text, 64 * 1024 + 10)],
    ['a letter changed in the last piece', (text) => swapCaseAfter(text, text.length - 2000)],
  ])('refuses the cache for %s', async (_name, edit) => {
    const cli = copyWith('program', (_cache, bundle) => {
      const text = readFileSync(bundle, 'latin1');
      expect(text.length).toBeGreaterThan(2 * 64 * 1024);
      writeFileSync(bundle, edit(text), 'latin1');
    });
    const result = await watchCompiles(['--version'], { bin: cli });
    expect(result).toMatchObject({ code: 0, seen: [compiled(cli, 'cli.cjs', true), compiled(cli, 'program.cjs', false)] });
    expect(result.stdout).toBe(`${VERSION}\n`);
  });

  it.each<[string, string]>([
    ['one byte longer', `${VERSION}0`],
    ['one byte shorter', VERSION.slice(0, -1)],
  ])('runs a bundle %s than the copy, not the copy', async (_name, edited) => {
    const cli = copyWith('program', (_cache, bundle) => {
      const text = readFileSync(bundle, 'utf8');
      expect(text.split(`"${VERSION}"`).length).toBe(2);
      writeFileSync(bundle, text.replace(`"${VERSION}"`, `"${edited}"`));
    });
    expect(await watchCompiles(['--version'], { bin: cli })).toMatchObject({ code: 0, stdout: `${edited}\n`, seen: [compiled(cli, 'cli.cjs', true), compiled(cli, 'program.cjs', false)] });
  });

  it('refuses the cache for a bundle that is the copy cut short (its last newline dropped)', async () => {
    const cli = copyWith('program', (_cache, bundle) => {
      const bytes = readFileSync(bundle);
      expect(bytes.at(-1)).toBe(0x0a);
      writeFileSync(bundle, bytes.subarray(0, -1));
    });
    expect(await watchCompiles(['--version'], { bin: cli })).toMatchObject({ code: 0, stdout: `${VERSION}\n`, seen: [compiled(cli, 'cli.cjs', true), compiled(cli, 'program.cjs', false)] });
  });
});

describe('making the code caches (scripts/code-cache.mjs)', () => {
  it.each(['cli', 'program', 'probe'])('for %s.cjs runs the real CLI without touching the builder\'s home or KUBECONFIG', async (bundle) => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-code-cache-'));
    copies.push(dir);
    cpSync(join(repoRoot, 'dist'), join(dir, 'dist'), { recursive: true });
    rmSync(join(dir, 'dist', `${bundle}.cache`));
    // A legacy ~/.kube/.kubeconfig and no ~/.kube/config: the CLI, as client-go, would copy it.
    const home = join(dir, 'home');
    mkdirSync(join(home, '.kube'), { recursive: true });
    writeFileSync(join(home, '.kube', '.kubeconfig'), 'apiVersion: v1\nkind: Config\n', { mode: 0o600 });
    const kubeconfig = join(dir, 'from-env');
    const made = await execFileAsync(process.execPath, [join(repoRoot, 'scripts', 'code-cache.mjs'), join(dir, 'dist', `${bundle}.cjs`)], {
      env: { PATH: process.env['PATH'] ?? '', HOME: home, KUBECONFIG: kubeconfig },
    });
    expect(made.stderr).not.toMatch(/no code cache|failed/);
    expect(existsSync(join(dir, 'dist', `${bundle}.cache`))).toBe(true);
    expect(existsSync(join(home, '.kube', 'config'))).toBe(false);
    expect(existsSync(kubeconfig)).toBe(false);
  });
});

describe('a checkout that was never built', () => {
  it('says in one line that dist/cli.cjs is missing and how to build it (exit 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-code-cache-'));
    copies.push(dir);
    cpSync(join(repoRoot, 'bin'), join(dir, 'bin'), { recursive: true });
    const result = await runCli(['--version'], { command: [process.execPath, join(dir, 'bin', 'sa-kubeconfig.js')] });
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: `error: ${join(dir, 'dist', 'cli.cjs')} is missing: run \`npm run build\` (npm ci does it)\n` });
  });
});

describe('a dist/ that lost program.cjs', () => {
  it('reports an internal error, with the stack under --debug (was: --debug ignored, since commander never ran)', async () => {
    const cli = copyWith('program', (cache, bundle) => {
      rmSync(cache);
      rmSync(bundle);
    });
    const plain = await runCli(['--version'], { command: [process.execPath, cli] });
    expect(plain).toMatchObject({ code: 1, stdout: '' });
    expect(plain.stderr).toMatch(/^error: internal error: .*program\.cjs/);
    expect(plain.stderr).not.toMatch(/^debug: /m);
    const debug = await runCli(['--version', '--debug'], { command: [process.execPath, cli] });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^debug: Error: ENOENT/m);
  });
});

describe('a bundle without a usable cache', () => {
  /** A kubeconfig with a comment (so reading it needs dist/codec.cjs) whose server refuses connections. */
  function commentedKubeconfig(): string {
    const dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-code-cache-'));
    copies.push(dir);
    const file = join(dir, 'config');
    writeFileSync(file, '# refused\napiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user:\n    token: not-a-secret\n', { mode: 0o600 });
    return file;
  }

  it.each<[Bundle, readonly (readonly [string, boolean])[]]>([
    ['probe', [['cli.cjs', true], ['program.cjs', true], ['probe.cjs', false], ['codec.cjs', true]]],
    ['cli', [['cli.cjs', false], ['program.cjs', true], ['probe.cjs', true], ['codec.cjs', true]]],
    ['program', [['cli.cjs', true], ['program.cjs', false], ['probe.cjs', true], ['codec.cjs', true]]],
  ])('(%s.cache removed) runs from source, and the bundles it loads still run once each with their caches', async (bundle, expected) => {
    const cli = copyWith(bundle, (cache) => rmSync(cache));
    const result = await watchCompiles(['probe', '--kubeconfig', commentedKubeconfig()], { bin: cli });
    expect(result).toMatchObject({ code: 5, seen: expected.map(([name, cached]) => compiled(cli, name, cached)) });
  });
});

describe('a bundle edited in place, same length', () => {
  it('runs the edited bundle, not the cached copy (V8 alone would not notice)', async () => {
    const edited = VERSION.replace(/^\d/, (digit) => String((Number(digit) + 1) % 10));
    // VERSION is in program.cjs, which --version runs.
    const cli = copyWith('program', (_cache, bundle) => {
      const text = readFileSync(bundle, 'utf8');
      expect(text.split(`"${VERSION}"`).length).toBe(2);
      writeFileSync(bundle, text.replace(`"${VERSION}"`, `"${edited}"`));
    });
    const version = await runCli(['--version'], { command: [process.execPath, cli] });
    expect(version).toMatchObject({ code: 0, stdout: `${edited}\n`, stderr: '' });
  });

  it('runs the edited codec.cjs, not the cached copy', async () => {
    const message = 'error loading config file';
    const edited = 'ERROR LOADING CONFIG FILE';
    const cli = copyWith('codec', (_cache, bundle) => {
      const text = readFileSync(bundle, 'utf8');
      expect(text.split(message).length).toBe(2);
      writeFileSync(bundle, text.replace(message, edited));
    });
    const { mountDir, kubeconfig } = await existingKubeconfigSetup();
    writeFileSync(kubeconfig, 'clusters: [\n');
    const result = await runCli(['init', '--sa-dir', mountDir, '--kubeconfig', kubeconfig], { command: [process.execPath, cli] });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`error: ${edited} "`);
  });
});
