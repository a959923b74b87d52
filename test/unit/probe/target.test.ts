import { describe, expect, it } from 'vitest';
import { isCliError } from '../../../src/errors.js';
import { loadTrust, planConnection, type ProbeTarget } from '../../../src/probe/target.js';
import type { Cluster, User } from '../../../src/kubeconfig/schema.js';
import type { FileSystem } from '../../../src/deps.js';

const target = (cluster: Cluster, user: User = {}): ProbeTarget => ({ label: 'ctx', namespace: 'default', cluster, user });

function errorCodeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isCliError(error) ? error.code : 'not a CliError';
  }
  return undefined;
}

describe('planConnection', () => {
  it.each([
    ['https://api.example.com', 'https', 'api.example.com', 443, '', 'https://api.example.com:443'],
    ['https://api.example.com:6443/', 'https', 'api.example.com', 6443, '', 'https://api.example.com:6443'],
    ['https://rancher.example.com/k8s/clusters/c-1/', 'https', 'rancher.example.com', 443, '/k8s/clusters/c-1', 'https://rancher.example.com:443'],
    ['https://[fd00::1]:6443', 'https', 'fd00::1', 6443, '', 'https://[fd00::1]:6443'],
    ['http://127.0.0.1:8080', 'http', '127.0.0.1', 8080, '', 'http://127.0.0.1:8080'],
  ])('%s', (server, scheme, host, port, prefix, origin) => {
    const plan = planConnection(target({ server }), {});
    expect(plan).toMatchObject({ scheme, host, port, pathPrefix: prefix, origin, checkedName: host });
  });

  it('checks the certificate against tls-server-name when set', () => {
    expect(planConnection(target({ server: 'https://10.0.0.1:6443', 'tls-server-name': 'kubernetes' }), {}).checkedName).toBe('kubernetes');
  });

  it.each([
    ['no server', { server: '' }, 'ERR_CONFIG_INVALID'],
    ['insecure together with a CA file', { server: 'https://a', 'insecure-skip-tls-verify': true, 'certificate-authority': '/ca.crt' }, 'ERR_CONFIG_INVALID'],
    ['insecure together with CA data', { server: 'https://a', 'insecure-skip-tls-verify': true, 'certificate-authority-data': 'eA==' }, 'ERR_CONFIG_INVALID'],
    ['a socks5 proxy-url', { server: 'https://a', 'proxy-url': 'socks5://p:1080' }, 'ERR_CONFIG_INVALID'],
    ['an ftp server', { server: 'ftp://a' }, 'ERR_CONFIG_INVALID'],
    ['a server URL carrying a user and password', { server: 'https://admin:s3cret@a:6443' }, 'ERR_CONFIG_INVALID'],
  ])('rejects %s (exit 3)', (_name, cluster, code) => {
    expect(errorCodeOf(() => planConnection(target(cluster), {}))).toBe(code);
  });

  it.each([
    ['no TLS settings', {}, {}],
    ['a CA', { 'certificate-authority-data': 'Q0E=' }, {}],
    ['a client certificate', {}, { 'client-certificate': '/c.crt' }],
  ])('takes a scheme-less server with %s as plain http, as kubectl does (TLS is judged before the CA is read)', (_name, cluster, user) => {
    const plan = planConnection(target({ server: '10.0.0.1:6443', ...cluster }, user), {});
    expect(plan.scheme).toBe('http');
    expect(plan.origin).toBe('http://10.0.0.1:6443');
    expect(plan.warnings.join(' ')).toContain('has no scheme: kubectl talks plain http:// to it and sends no credentials');
  });

  it('refuses certificate-authority and certificate-authority-data together, as kubectl does', () => {
    expect(errorCodeOf(() => planConnection(target({ server: 'https://a', 'certificate-authority': '/ca.crt', 'certificate-authority-data': 'Q0E=' }), {}))).toBe('ERR_CONFIG_INVALID');
  });

  it('names the user but never the password of a server URL with credentials', () => {
    try {
      planConnection(target({ server: 'https://admin:s3cret@a:6443' }), {});
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('admin:…@a:6443');
      expect((error as Error).message).not.toContain('s3cret');
    }
  });

  it('warns that an http:// server never receives credentials', () => {
    expect(planConnection(target({ server: 'http://a:8080' }), {}).warnings.join(' ')).toMatch(/credentials are not sent/);
  });
});

describe('loadTrust', () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const fs = { readFile: (path: string) => (path === '/ca.crt' ? Promise.resolve(pem) : Promise.reject(Object.assign(new Error('nope'), { code: 'ENOENT' }))) } as unknown as FileSystem;

  it.each([
    ['data over file', { 'certificate-authority-data': Buffer.from(pem).toString('base64'), 'certificate-authority': '/other.crt' }, 'certificate-authority-data'],
    ['the file', { 'certificate-authority': '/ca.crt' }, '/ca.crt'],
    ['system roots', {}, 'system roots'],
  ])('uses %s', async (_name, cluster, source) => {
    expect((await loadTrust({ fs }, target({ server: 'https://a', ...cluster }))).caSource).toBe(source);
  });

  it.each([
    ['a missing file', { 'certificate-authority': '/missing.crt' }],
    ['data that is not PEM', { 'certificate-authority-data': Buffer.from('hello').toString('base64') }],
  ])('fails with exit 3 for %s', async (_name, cluster) => {
    await expect(loadTrust({ fs }, target({ server: 'https://a', ...cluster }))).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' });
  });
});
