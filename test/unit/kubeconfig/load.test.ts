import { mkdirSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultWriteFile, kubeconfigPrecedence, loadKubeconfigs, MAX_KUBECONFIG_BYTES, mergeKubeconfigs, readKubeconfigFile, resolveContext } from '../../../src/kubeconfig/load.js';
import { CliError } from '../../../src/errors.js';
import { tempDir } from '../../support/mount.js';

function deps(env: Record<string, string | undefined>, cwd: string, homeDir = join(cwd, 'home')) {
  return { fs: fsp, env, cwd, homeDir };
}

const file = (cluster: string, server: string, extra = '') =>
  `clusters:\n- name: ${cluster}\n  cluster: {server: ${server}}\ncontexts:\n- name: ${cluster}\n  context: {cluster: ${cluster}, user: u-${cluster}}\n${extra}`;

describe('kubeconfigPrecedence', () => {
  it.each([
    ['explicit path wins over KUBECONFIG', { KUBECONFIG: '/a:/b' }, 'x/explicit', ['/cwd/x/explicit']],
    ['splits KUBECONFIG on ":" and de-duplicates keeping the first', { KUBECONFIG: '/a:/b:/a:rel' }, undefined, ['/a', '/b', '/cwd/rel']],
    ['drops empty KUBECONFIG entries (client-go would try to lock ".lock")', { KUBECONFIG: '/a::/b:' }, undefined, ['/a', '/b']],
    ['falls back to ~/.kube/config', {}, undefined, ['/home/u/.kube/config']],
    ['treats an empty KUBECONFIG as unset', { KUBECONFIG: '' }, undefined, ['/home/u/.kube/config']],
    // `.` segments and repeated separators mean the same to the kernel and to path.resolve.
    ['folds "." segments and repeated separators', { KUBECONFIG: '/a/./b//c:./d' }, undefined, ['/a/b/c', '/cwd/d']],
    // `..` is the kernel's to resolve (after the symlinks before it), as client-go opens the path as given.
    ['keeps a --kubeconfig path that goes up (..) as given', {}, 'sub/../config', ['/cwd/sub/../config']],
    ['keeps KUBECONFIG entries that go up (..) as given', { KUBECONFIG: '/a/link/../b:rel/../c:../d' }, undefined, ['/a/link/../b', '/cwd/rel/../c', '/cwd/../d']],
    ['folds ~/.kube/config by text, as client-go filepath.Join does', {}, undefined, ['/home/u/.kube/config']],
  ])('%s', (_name, env, explicit, expected) => {
    expect(kubeconfigPrecedence({ env, cwd: '/cwd', homeDir: '/home/u' }, explicit)).toEqual(expected);
  });

  it.each([
    ['KUBECONFIG of separators only (kubectl loads no file then, not ~/.kube/config)', { KUBECONFIG: ':' }, undefined, /^KUBECONFIG=":" names no file$/],
    ['KUBECONFIG of several separators', { KUBECONFIG: ':::' }, undefined, /^KUBECONFIG=":::" names no file$/],
    ['a --kubeconfig that ends in "/"', {}, 'nd/', /^--kubeconfig path "nd\/" ends in "\/", so it names a directory/],
    ['a --kubeconfig that ends in "/."', {}, 'nd/.', /^--kubeconfig path "nd\/\." ends in "\/\.", so it names a directory/],
    ['a --kubeconfig that ends in "/.."', {}, 'cfg/x/..', /^--kubeconfig path "cfg\/x\/\.\." ends in "\/\.\.", so it names a directory/],
    ['a --kubeconfig of "."', {}, '.', /^--kubeconfig path "\." is "\.", so it names a directory/],
  ])('refuses %s', (_name, env, explicit, message) => {
    expect(() => kubeconfigPrecedence({ env, cwd: '/cwd', homeDir: '/home/u' }, explicit)).toThrow(message);
  });

  it('keeps the "/" of a KUBECONFIG entry, so that reading skips or refuses it as kubectl does', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'adir'));
    writeFileSync(join(dir, 'real'), file('r', 'https://r'));
    expect(kubeconfigPrecedence({ env: { KUBECONFIG: '/a/missing/:rel/' }, cwd: '/cwd', homeDir: '/h' })).toEqual(['/a/missing/', '/cwd/rel/']);
    const loaded = await loadKubeconfigs(deps({ KUBECONFIG: `${join(dir, 'missing')}/:${join(dir, 'real')}` }, dir));
    expect(loaded.merged.clusters.get('r')?.file).toBe(join(dir, 'real'));
    await expect(loadKubeconfigs(deps({ KUBECONFIG: `${join(dir, 'adir')}/:${join(dir, 'real')}` }, dir))).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_UNREADABLE' });
  });

  it('resolves against the working directory when HOME is empty, as client-go does', () => {
    expect(kubeconfigPrecedence({ env: {}, cwd: '/cwd', homeDir: '' })).toEqual(['/cwd/.kube/config']);
  });
});

describe('loadKubeconfigs', () => {
  it('merges first-file-wins per name, whole entry, and takes the first non-empty current-context', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'one'), file('shared', 'https://one') + 'current-context: ""\n');
    writeFileSync(
      join(dir, 'two'),
      'clusters:\n- name: shared\n  cluster: {server: https://two, proxy-url: http://p}\n- name: only-two\n  cluster: {server: https://two-only}\ncurrent-context: only-two\n',
    );
    const loaded = await loadKubeconfigs(deps({ KUBECONFIG: `${join(dir, 'missing')}:${join(dir, 'one')}:${join(dir, 'two')}` }, dir));
    expect(loaded.merged.clusters.get('shared')).toEqual({ value: { server: 'https://one' }, file: join(dir, 'one') });
    expect(loaded.merged.clusters.get('only-two')?.file).toBe(join(dir, 'two'));
    expect(loaded.merged.currentContext).toBe('only-two');
    expect(loaded.files.map((f) => f.exists)).toEqual([false, true, true]);
  });

  it('resolves relative paths against the directory of the file that defined them', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(
      join(dir, 'sub', 'config'),
      [
        'clusters:\n- name: c\n  cluster: {server: "https://c", certificate-authority: ca.crt}',
        'users:\n- name: u\n  user: {tokenFile: ../tok, client-certificate: /abs/cert, client-key: k.pem, exec: {command: ./plugin, apiVersion: client.authentication.k8s.io/v1}}',
        '- name: bare\n  user: {exec: {command: plugin-on-path, apiVersion: client.authentication.k8s.io/v1}}',
        'contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n',
      ].join('\n'),
    );
    const loaded = await loadKubeconfigs(deps({}, '/elsewhere'), join(dir, 'sub', 'config'));
    const resolved = resolveContext(loaded.merged);
    expect(resolved.cluster['certificate-authority']).toBe(join(dir, 'sub', 'ca.crt'));
    expect(resolved.user.tokenFile).toBe(join(dir, 'tok'));
    expect(resolved.user['client-certificate']).toBe('/abs/cert');
    expect(resolved.user['client-key']).toBe(join(dir, 'sub', 'k.pem'));
    expect(resolved.user.exec?.command).toBe(join(dir, 'sub', 'plugin'));
    expect(loaded.merged.users.get('bare')?.value.exec?.command).toBe('plugin-on-path');
    expect(resolved.namespace).toBe('default');
  });

  it('fails on a malformed file in the chain instead of skipping it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad'), 'clusters: [\n');
    await expect(loadKubeconfigs(deps({ KUBECONFIG: join(dir, 'bad') }, dir))).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_MALFORMED' });
  });

  it('reports a missing --kubeconfig for readers but not for writers', async () => {
    const dir = tempDir();
    await expect(loadKubeconfigs(deps({}, dir), join(dir, 'nope'))).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_NOT_FOUND' });
    await expect(loadKubeconfigs(deps({}, dir), join(dir, 'nope'), { allowMissingExplicit: true })).resolves.toMatchObject({ explicitPath: join(dir, 'nope') });
  });

  it('treats a directory as unreadable, not as missing', async () => {
    const dir = tempDir();
    await expect(loadKubeconfigs(deps({ KUBECONFIG: dir }, dir))).rejects.toMatchObject({
      code: 'ERR_KUBECONFIG_UNREADABLE',
      message: `error loading config file "${dir}": is a directory`,
      hint: 'point --kubeconfig or KUBECONFIG at a file',
    });
  });
});

describe('mergeKubeconfigs', () => {
  it('takes the first non-empty current-context of the chain, not the last (kubectl)', () => {
    const merged = mergeKubeconfigs([
      { path: '/zero', exists: true, config: { 'current-context': '' } },
      { path: '/one', exists: true, config: { 'current-context': 'first' } },
      { path: '/two', exists: true, config: { 'current-context': 'second' } },
    ]);
    expect(merged.currentContext).toBe('first');
  });

  it('keeps an empty certificate-authority empty instead of resolving it to the directory', () => {
    const merged = mergeKubeconfigs([{ path: '/d/config', exists: true, config: { clusters: [{ name: 'c', cluster: { server: 'https://c', 'certificate-authority': '' } }] } }]);
    expect(merged.clusters.get('c')?.value['certificate-authority']).toBe('');
  });
});

describe('readKubeconfigFile limits', () => {
  const refused = () => Promise.reject(new Error('must not be read'));

  it('refuses a regular file over the limit before reading it', async () => {
    const fs = { ...fsp, stat: async () => ({ isDirectory: () => false, isFile: () => true, size: MAX_KUBECONFIG_BYTES + 1 }), readFile: refused } as unknown as typeof fsp;
    await expect(readKubeconfigFile({ fs }, '/big')).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_UNREADABLE', message: expect.stringMatching(/bytes is larger than the 64 MiB limit$/) });
  });

  it('stops reading a FIFO or device that gives more than the limit', async () => {
    // A device with no size: it yields 1 MiB of "a" more than the limit, then ends.
    let left = MAX_KUBECONFIG_BYTES + 1024 * 1024;
    const handle = {
      read: async (buffer: Buffer, offset: number, length: number) => {
        const bytesRead = Math.min(length, left);
        buffer.fill(0x61, offset, offset + bytesRead);
        left -= bytesRead;
        return { bytesRead };
      },
      close: async () => undefined,
    };
    const fs = { ...fsp, stat: async () => ({ isDirectory: () => false, isFile: () => false, size: 0 }), readFile: refused, open: async () => handle } as unknown as typeof fsp;
    await expect(readKubeconfigFile({ fs }, '/dev/fake')).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_UNREADABLE', message: 'error loading config file "/dev/fake": more than the 64 MiB limit' });
  });
});

describe('defaultWriteFile (PathOptions.GetDefaultFilename)', () => {
  const f = (path: string, exists: boolean) => ({ path, exists });
  it.each([
    ['the explicit file', { explicitPath: '/x', precedence: ['/x'], files: [f('/x', false)] }, '/x'],
    ['a single KUBECONFIG entry even if missing', { precedence: ['/a'], files: [f('/a', false)] }, '/a'],
    ['the first existing file', { precedence: ['/a', '/b', '/c'], files: [f('/a', false), f('/b', true), f('/c', true)] }, '/b'],
    ['the last file when none exists', { precedence: ['/a', '/b', '/c'], files: [f('/a', false), f('/b', false), f('/c', false)] }, '/c'],
  ])('is %s', (_name, loaded, expected) => {
    expect(defaultWriteFile(loaded)).toBe(expected);
  });
});

describe('resolveContext', () => {
  const merged = {
    clusters: new Map([['c', { value: { server: 'https://c' }, file: '/f' }]]),
    users: new Map(),
    contexts: new Map([
      ['ok', { value: { cluster: 'c', user: 'ghost', namespace: 'ns' }, file: '/f' }],
      ['no-cluster', { value: { cluster: 'missing', user: 'u' }, file: '/f' }],
    ]),
  };
  it('returns an empty user (no credentials, like client-go) when the user does not exist', () => {
    expect(resolveContext(merged, 'ok')).toMatchObject({ user: {}, userFound: false, namespace: 'ns' });
  });
  it('treats an empty namespace as not set: "default", not explicit', () => {
    const withEmpty = { ...merged, contexts: new Map([['empty', { value: { cluster: 'c', namespace: '' }, file: '/f' }]]) };
    expect(resolveContext(withEmpty, 'empty')).toMatchObject({ namespace: 'default', namespaceExplicit: false });
  });
  it('names at most ten known contexts in the hint for an unknown one', () => {
    const many = { ...merged, contexts: new Map(Array.from({ length: 12 }, (_, i) => [`x${i}`, { value: { cluster: 'c' }, file: '/f' }] as const)) };
    expect(() => resolveContext(many, 'nope')).toThrow(expect.objectContaining({ hint: `known contexts: ${Array.from({ length: 10 }, (_, i) => `x${i}`).join(', ')}, …` }));
  });
  it.each([
    ['no current context', undefined, 'ERR_CONTEXT_NOT_FOUND'],
    ['an unknown context', 'nope', 'ERR_CONTEXT_NOT_FOUND'],
    ['a context whose cluster is missing', 'no-cluster', 'ERR_CLUSTER_NOT_FOUND'],
  ])('fails for %s', (_name, name, code) => {
    expect(() => resolveContext(merged, name)).toThrow(CliError);
    try {
      resolveContext(merged, name);
    } catch (error) {
      expect((error as CliError).code).toBe(code);
    }
  });
});
