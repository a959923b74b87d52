import { writeFileSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inClusterServerUrl, readServiceAccountDir, redactUserinfo, serverUrlAuthority, trimGoSpace, validateCaBundle, validateInClusterServerUrl, validateNamespace, validateObjectName, validateServerUrl, validateToken } from '../../../src/serviceaccount/read.js';
import { CliError } from '../../../src/errors.js';
import { makeMount, tempDir, testCa } from '../../support/mount.js';

const deps = (cwd = '/') => ({ fs: fsp, cwd });

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return error instanceof CliError ? error.code : `unexpected ${String(error)}`;
  }
  return undefined;
}

describe('readServiceAccountDir', () => {
  it('reads a kubelet-style mount through its ..data symlinks and trims the token', async () => {
    const root = tempDir();
    const mount = await makeMount(root, { token: undefined });
    writeFileSync(join(mount.dir, 'token'), `${mount.token}\n`); // replaces the symlink target file content via link
    const read = await readServiceAccountDir(deps(root), 'serviceaccount');
    expect(read).toMatchObject({ dir: mount.dir, token: mount.token, namespace: 'team-a', tokenPath: join(mount.dir, 'token'), caPath: join(mount.dir, 'ca.crt'), caCertificates: 1 });
  });

  it('finds a --sa-dir that goes up (..) from a symlinked directory where the kernel does, and names its files so', async () => {
    const root = tempDir();
    const mount = await makeMount(join(root, 'real'), {});
    mkdirSync(join(root, 'real', 'x'));
    symlinkSync(join(root, 'real', 'x'), join(root, 'link'));
    // Folded by text, link/../serviceaccount would be root/serviceaccount, which does not exist.
    const read = await readServiceAccountDir(deps(root), 'link/../serviceaccount');
    expect(read).toMatchObject({ dir: mount.dir, token: mount.token, tokenPath: join(mount.dir, 'token') });
  });

  it('has no namespace when the file is missing (the caller falls back with a warning)', async () => {
    const mount = await makeMount(tempDir(), { omitNamespace: true });
    expect((await readServiceAccountDir(deps(), mount.dir)).namespace).toBeUndefined();
  });

  const ca = async () => (await testCa()).cert;
  it.each<[string, (dir: string) => Promise<void> | void, string]>([
    ['a missing directory', (dir) => rmSync(dir, { recursive: true }), 'ERR_SA_DIR_MISSING'],
    ['a missing token', (dir) => rmSync(join(dir, 'token')), 'ERR_SA_TOKEN_MISSING'],
    ['an empty token', (dir) => writeFileSync(join(dir, '..data', 'token'), '  \n'), 'ERR_SA_TOKEN_INVALID'],
    ['a token with inner whitespace', (dir) => writeFileSync(join(dir, '..data', 'token'), 'abc def'), 'ERR_SA_TOKEN_INVALID'],
    ['a token with binary bytes', (dir) => writeFileSync(join(dir, '..data', 'token'), Buffer.from([0x61, 0x00, 0xff, 0x62])), 'ERR_SA_TOKEN_INVALID'],
    ['a 1 MB token', (dir) => writeFileSync(join(dir, '..data', 'token'), 'a'.repeat(1024 * 1024)), 'ERR_SA_TOKEN_INVALID'],
    ['a missing ca.crt', (dir) => rmSync(join(dir, 'ca.crt')), 'ERR_SA_CA_MISSING'],
    ['a CA that is not PEM', (dir) => writeFileSync(join(dir, '..data', 'ca.crt'), 'not a certificate'), 'ERR_SA_CA_INVALID'],
    ['a CA bundle with one bad certificate among good ones', async (dir) => writeFileSync(join(dir, '..data', 'ca.crt'), `${await ca()}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n${await ca()}`), 'ERR_SA_CA_INVALID'],
    ['a CA bundle whose last certificate is cut off', async (dir) => writeFileSync(join(dir, '..data', 'ca.crt'), `${await ca()}\n${(await ca()).slice(0, 200)}`), 'ERR_SA_CA_INVALID'],
    ['a CA bundle whose first certificate lost its END line', async (dir) => writeFileSync(join(dir, '..data', 'ca.crt'), `${(await ca()).replace('-----END CERTIFICATE-----', '')}\n${await ca()}`), 'ERR_SA_CA_INVALID'],
    ['a CA bundle that also holds a private key', async (dir) => writeFileSync(join(dir, '..data', 'ca.crt'), `${await ca()}\n-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n`), 'ERR_SA_CA_INVALID'],
    ['a CA file holding only a certificate request', (dir) => writeFileSync(join(dir, '..data', 'ca.crt'), '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n'), 'ERR_SA_CA_INVALID'],
    ['a namespace that is not a DNS label', (dir) => writeFileSync(join(dir, '..data', 'namespace'), 'Team_A'), 'ERR_SA_NAMESPACE_INVALID'],
    ['a token path that is a directory', (dir) => { rmSync(join(dir, 'token')); mkdirSync(join(dir, 'token')); }, 'ERR_SA_TOKEN_MISSING'],
  ])('rejects %s', async (_name, damage, code) => {
    const mount = await makeMount(tempDir());
    await damage(mount.dir);
    expect(await codeOf(readServiceAccountDir(deps(), mount.dir))).toBe(code);
  });
});

describe('validateCaBundle', () => {
  it('counts the certificates of a bundle, with text around and between them', async () => {
    const cert = (await testCa()).cert;
    expect(validateCaBundle(`# cluster CA\n${cert}\nsome note\n${cert}`, 'ca.crt')).toBe(2);
  });
  it.each<[string, (cert: string) => string, RegExp]>([
    ['cut off', (cert) => `${cert}\n${cert.slice(0, 120)}`, /^ca\.crt: certificate 2 of 2 is cut off \(no "-----END CERTIFICATE-----" line\)$/],
    ['a private key', (cert) => `${cert}\n-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n`, /^ca\.crt: PEM block 2 of 2 is "EC PRIVATE KEY", not a certificate$/],
    ['a bad certificate', (cert) => `-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n${cert}`, /^ca\.crt: certificate 1 of 2 is not a valid X\.509 certificate \(/],
  ])('names the block that is %s', async (_name, make, message) => {
    const cert = (await testCa()).cert;
    expect(() => validateCaBundle(make(cert), 'ca.crt')).toThrow(message);
  });
});

describe('inClusterServerUrl (rest.InClusterConfig)', () => {
  it.each([
    [{ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, 'https://10.96.0.1:443'],
    [{ KUBERNETES_SERVICE_HOST: 'fd00:10:96::1', KUBERNETES_SERVICE_PORT: '443' }, 'https://[fd00:10:96::1]:443'],
    [{ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '8080' }, 'https://10.96.0.1:8080'],
    [{ KUBERNETES_SERVICE_HOST: '10.96.0.1' }, 'https://kubernetes.default.svc'],
    [{}, 'https://kubernetes.default.svc'],
  ])('%j → %s', (env, expected) => {
    expect(inClusterServerUrl(env)).toBe(expected);
  });
});

describe('validateInClusterServerUrl', () => {
  const options = { allowInsecureHttp: false };
  it.each([
    [{ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, 'https://10.96.0.1:443'],
    [{ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, 'https://[fd00::1]:6443'],
    [{ KUBERNETES_SERVICE_HOST: '10.96.0.1' }, 'https://kubernetes.default.svc'],
    [{}, 'https://kubernetes.default.svc'],
  ])('accepts %j as %s', (env, url) => {
    expect(validateInClusterServerUrl(env, options).url).toBe(url);
  });
  it.each(['abc', '0', '65536', '-1', '44 3', '6443a'])('refuses KUBERNETES_SERVICE_PORT=%j as bad local input (exit 3), not a usage error', (port) => {
    expect(() => validateInClusterServerUrl({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: port }, options)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringContaining(`KUBERNETES_SERVICE_PORT=${JSON.stringify(port)}`) }),
    );
  });
  it('refuses a host that makes no URL, naming both variables', () => {
    expect(() => validateInClusterServerUrl({ KUBERNETES_SERVICE_HOST: 'a/b?c', KUBERNETES_SERVICE_PORT: '443' }, options)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(/KUBERNETES_SERVICE_HOST="a\/b\?c", KUBERNETES_SERVICE_PORT="443"/) }),
    );
  });
});

describe('validateServerUrl', () => {
  it.each([
    ['https://k:6443', 'https://k:6443'],
    ['https://k:443', 'https://k:443'],
    ['https://k/prefix/', 'https://k/prefix/'],
    ['HTTPS://k:6443', 'HTTPS://k:6443'],
  ])('accepts %s', (input, url) => {
    expect(validateServerUrl(input, { allowInsecureHttp: false }).url).toBe(url);
  });
  it.each(['not a url', 'ftp://k', 'https://user:pass@k', 'https://k/?a=b', 'http://k:8080', 'k:6443'])('rejects %s', (input) => {
    expect(() => validateServerUrl(input, { allowInsecureHttp: false })).toThrow(CliError);
  });
  // The WHATWG parser repairs these to https://127.0.0.1:6443; kubectl does not ("lookup
  // https:127.0.0.1: no such host", "host must be a URL or a host:port pair").
  it.each(['https:127.0.0.1:6443', 'https:/127.0.0.1:6443', 'HTTPS:k', 'https:///k:6443', 'https://\\k:6443', 'https://k\\p', 'https:\\\\k'])(
    'rejects %s, which kubectl cannot read a host from',
    (input) => {
      expect(() => validateServerUrl(input, { allowInsecureHttp: false })).toThrow(expect.objectContaining({ code: 'ERR_BAD_SERVER_URL' }));
    },
  );
  it.each(['https:admin:Sup3rSecretPw@api.example:6443', 'https://admin:Sup3rSecretPw@api.example\\foo', 'https://admin:Sup3rSecretPw@api.example:6443/ x', 'https:/admin:Sup3rSecretPw@k', '//admin:Sup3rSecretPw@host', '1dmin:Sup3rSecretPw@host', 'https://admin:s3c/Sup3rSecretPw@host', 'https://admin:s3c#Sup3rSecretPw@host', 'https:admin/Sup3rSecretPw@host'])(
    'refuses credentials in %s without quoting them',
    (input) => {
      let message = '';
      try {
        validateServerUrl(input, { allowInsecureHttp: false });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/must not carry credentials|contains whitespace/);
      expect(message).not.toContain('Sup3rSecretPw');
    },
  );
  it('refuses http:host even when http is allowed', () => {
    expect(() => validateServerUrl('http:k:8080', { allowInsecureHttp: true })).toThrow(expect.objectContaining({ code: 'ERR_BAD_SERVER_URL', message: expect.stringContaining('must start with http://') }));
  });
  it.each([
    ['https://k:6443/p', 'k:6443'],
    ['HTTP://[::1]:80', '[::1]:80'],
    ['https:k', undefined],
    ['https:///k', ''],
    ['k:6443', undefined],
  ])('serverUrlAuthority(%s) is %s', (input, authority) => {
    expect(serverUrlAuthority(input)).toBe(authority);
  });
  it('names the flag that allows http only for a command that has one', () => {
    expect(() => validateServerUrl('http://k', { allowInsecureHttp: false, insecureFlag: '--insecure-allow-http' })).toThrow(expect.objectContaining({ hint: 'use https://, or pass --insecure-allow-http if you really mean it' }));
    expect(() => validateServerUrl('http://k', { allowInsecureHttp: false })).toThrow(expect.objectContaining({ hint: 'use https://' }));
  });
  it('accepts http only when told to', () => {
    expect(validateServerUrl('http://k:8080', { allowInsecureHttp: true })).toEqual({ url: 'http://k:8080', insecureHttp: true });
  });
});

describe('readServiceAccountDir, what each check says', () => {
  const refusal = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      return error instanceof CliError ? { code: error.code, message: error.message } : { code: `unexpected ${String(error)}`, message: '' };
    }
    return undefined;
  };

  it('refuses an --sa-dir that is a file, saying so', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'x');
    expect(await refusal(readServiceAccountDir(deps(dir), 'file'))).toEqual({ code: 'ERR_SA_DIR_MISSING', message: `service-account mount ${join(dir, 'file')} is not a directory` });
  });

  it('trims the namespace file ("team-b\\n" is team-b)', async () => {
    const mount = await makeMount(tempDir());
    writeFileSync(join(mount.dir, '..data', 'namespace'), 'team-b\n');
    expect((await readServiceAccountDir(deps(), mount.dir)).namespace).toBe('team-b');
  });

  it('refuses a namespace that is a directory instead of taking it as missing', async () => {
    const mount = await makeMount(tempDir());
    rmSync(join(mount.dir, 'namespace'));
    mkdirSync(join(mount.dir, 'namespace'));
    expect(await refusal(readServiceAccountDir(deps(), mount.dir))).toEqual({ code: 'ERR_SA_NAMESPACE_INVALID', message: `cannot read ${join(mount.dir, 'namespace')}: is a directory` });
  });

  it('names the namespace a bad namespace file holds', async () => {
    const mount = await makeMount(tempDir());
    writeFileSync(join(mount.dir, '..data', 'namespace'), 'Team_A');
    expect(await refusal(readServiceAccountDir(deps(), mount.dir))).toEqual({ code: 'ERR_SA_NAMESPACE_INVALID', message: `namespace "Team_A" from ${join(mount.dir, 'namespace')} is not a valid DNS label` });
  });

  it('says "is a directory" for a token path that is one', async () => {
    const mount = await makeMount(tempDir());
    rmSync(join(mount.dir, 'token'));
    mkdirSync(join(mount.dir, 'token'));
    expect(await refusal(readServiceAccountDir(deps(), mount.dir))).toEqual({ code: 'ERR_SA_TOKEN_MISSING', message: `cannot read service-account token ${join(mount.dir, 'token')}: is a directory` });
  });

  it('never reads a token that is not a regular file (a FIFO would block)', async () => {
    const mount = await makeMount(tempDir());
    const tokenPath = join(mount.dir, 'token');
    const fs = {
      ...fsp,
      stat: async (path: string) => (path === tokenPath ? { isFile: () => false, isDirectory: () => false, size: 0 } : fsp.stat(path)),
      readFile: ((path: string, options: BufferEncoding) => (path === tokenPath ? Promise.resolve('a-token-from-a-fifo') : fsp.readFile(path, options))) as typeof fsp.readFile,
    } as unknown as typeof fsp;
    expect(await refusal(readServiceAccountDir({ fs, cwd: '/' }, mount.dir))).toEqual({ code: 'ERR_SA_TOKEN_MISSING', message: `cannot read service-account token ${tokenPath}: not a regular file` });
  });

  it.each([
    ['a token of 64 KiB + 1 byte', 'token', () => 'a'.repeat(64 * 1024 + 1), 'ERR_SA_TOKEN_INVALID', /is 65537 bytes, larger than the 65536-byte limit$/],
    ['a CA of 4 MiB + 1 byte (a good certificate padded with a comment)', 'ca.crt', (pem: string) => `${pem}${'#'.repeat(4 * 1024 * 1024 + 1 - pem.length - 1)}\n`, 'ERR_SA_CA_INVALID', /is 4194305 bytes, larger than the 4194304-byte limit$/],
  ])('refuses %s', async (_name, file, content, code, message) => {
    const mount = await makeMount(tempDir());
    writeFileSync(join(mount.dir, '..data', file), content(mount.caPem));
    expect(await refusal(readServiceAccountDir(deps(), mount.dir))).toEqual({ code, message: expect.stringMatching(message) });
  });

  it('accepts a token of exactly 64 KiB', async () => {
    const mount = await makeMount(tempDir());
    writeFileSync(join(mount.dir, '..data', 'token'), 'a'.repeat(64 * 1024));
    expect((await readServiceAccountDir(deps(), mount.dir)).token).toHaveLength(64 * 1024);
  });
});

describe('trimGoSpace', () => {
  it.each([
    ['ASCII white space', ' \t\n\v\f\rtok\r\n', 'tok'],
    ['NEL and the Unicode spaces', '\u0085\u00a0\u2000tok\u3000\u2029', 'tok'],
    ['not a byte-order mark', '\uFEFFtok\n', '\uFEFFtok'],
    ['nothing inside', 'a b', 'a b'],
    ['all of it', ' \n ', ''],
  ])('trims %s as Go strings.TrimSpace does', (_name, text, trimmed) => {
    expect(trimGoSpace(text)).toBe(trimmed);
  });

  it('trims a long run of white space that does not reach the end in linear time (a regex backtracked for minutes)', () => {
    const text = `${' '.repeat(1_000_000)}x${' '.repeat(1_000_000)}y\n`;
    expect(trimGoSpace(text)).toBe(text.slice(1_000_000, -1));
  });
});

describe('validateToken', () => {
  it.each([
    ['an empty token', ' \n', /is empty$/],
    ['inner whitespace', 'abc def', /contains whitespace inside it$/],
    ['a DEL byte (\\x7f)', 'abc\x7fdef', /contains bytes that cannot appear in an HTTP header \(the control character U\+007F at position 4 of 7\)$/],
    ['a non-ASCII letter', 'abcédef', /contains bytes that cannot appear in an HTTP header \(the non-ASCII character U\+00E9 at position 4 of 7\)$/],
    // Go's TrimSpace keeps a byte-order mark (String.prototype.trim would drop it): kubectl sends it, the server refuses the token.
    ['a leading byte-order mark', '\uFEFFabc.def.ghi\n', /^service-account token token starts with a byte-order mark \(U\+FEFF\)$/],
    ['a byte-order mark inside', 'abc\uFEFFdef', /contains bytes that cannot appear in an HTTP header \(a byte-order mark \(U\+FEFF\) at position 4 of 7\)$/],
  ])('refuses %s with its own message', (_name, raw, message) => {
    expect(() => validateToken(raw, 'token')).toThrow(expect.objectContaining({ code: 'ERR_SA_TOKEN_INVALID', message: expect.stringMatching(message) }));
  });
});

describe('validateCaBundle, a first certificate without its END line', () => {
  it('says it is cut off, though a later certificate has an END line', async () => {
    const cert = (await testCa()).cert;
    expect(() => validateCaBundle(`${cert.replace('-----END CERTIFICATE-----', '')}\n${cert}`, 'ca.crt')).toThrow(/^ca\.crt: certificate 1 of 2 is cut off/);
  });
});

describe('validateObjectName and validateNamespace limits', () => {
  const subdomain = (length: number) => `${'a'.repeat(61)}.`.repeat(5).slice(0, length - 1) + 'a';
  it('takes a 253-character name and refuses a 254-character one', () => {
    expect(validateObjectName(subdomain(253), 'secret')).toHaveLength(253);
    expect(() => validateObjectName(subdomain(254), 'secret')).toThrow(expect.objectContaining({ code: 'ERR_BAD_NAME' }));
  });
  it('takes a 63-character namespace and refuses a 64-character one', () => {
    expect(validateNamespace('a'.repeat(63), 'test')).toHaveLength(63);
    expect(() => validateNamespace('a'.repeat(64), 'test')).toThrow(expect.objectContaining({ code: 'ERR_SA_NAMESPACE_INVALID' }));
  });
});

describe('server URL edges', () => {
  it('does not bracket an IPv6 host that already has brackets', () => {
    expect(inClusterServerUrl({ KUBERNETES_SERVICE_HOST: '[::1]', KUBERNETES_SERVICE_PORT: '443' })).toBe('https://[::1]:443');
  });
  it('says a port over 65535 is not a port number', () => {
    expect(() => validateInClusterServerUrl({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '65536' }, { allowInsecureHttp: false })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('KUBERNETES_SERVICE_PORT is not a port number') }),
    );
  });
  it('quotes at most 80 characters of a long KUBERNETES_SERVICE_HOST', () => {
    const host = `h${'x'.repeat(200)}`;
    expect(() => validateInClusterServerUrl({ KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: 'abc' }, { allowInsecureHttp: false })).toThrow(
      expect.objectContaining({ message: expect.stringContaining(`KUBERNETES_SERVICE_HOST=${JSON.stringify(host.slice(0, 80))},`) }),
    );
  });
  it.each(['https://k:6443#frag', 'https://k:6443/\tx', 'https://k:6443/\nhttps://other'])('refuses %j', (input) => {
    expect(() => validateServerUrl(input, { allowInsecureHttp: false })).toThrow(expect.objectContaining({ code: 'ERR_BAD_SERVER_URL' }));
  });
  it.each([
    ['https://admin:pw@host/path', 'https://REDACTED@host/path'],
    ['https:admin:pw@host:6443', 'https:REDACTED@host:6443'],
    ['https:/admin:pw@host', 'https:/REDACTED@host'],
    ['https://host/path', 'https://host/path'],
  ])('redactUserinfo(%j) is %j', (input, redacted) => {
    expect(redactUserinfo(input)).toBe(redacted);
  });
  it('does not quote credentials of a URL without "//" that also has whitespace', () => {
    expect(() => validateServerUrl('https:admin:Sup3rSecretPw@host x', { allowInsecureHttp: false })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('Sup3rSecretPw') }));
  });
});
