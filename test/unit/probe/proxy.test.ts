import { describe, expect, it } from 'vitest';
import { clusterProxyUrlError, decideProxy, describeProxy, matchNoProxy } from '../../../src/probe/proxy.js';

describe('matchNoProxy (Go httpproxy rules)', () => {
  it.each([
    ['*', 'api.example.com', '443', '*'],
    ['example.com', 'example.com', '443', 'example.com'],
    ['example.com', 'api.example.com', '443', 'example.com'],
    ['example.com', 'notexample.com', '443', undefined],
    ['.example.com', 'example.com', '443', undefined],
    ['.example.com', 'api.example.com', '443', '.example.com'],
    ['*.example.com', 'api.example.com', '443', '*.example.com'],
    ['*.example.com', 'example.com', '443', undefined],
    ['example.com:6443', 'api.example.com', '6443', 'example.com:6443'],
    ['example.com:6443', 'api.example.com', '443', undefined],
    ['10.0.0.0/8', '10.96.0.1', '443', '10.0.0.0/8'],
    ['10.0.0.0/8', '11.0.0.1', '443', undefined],
    ['10.0.0.0/8', 'ten.example', '443', undefined],
    ['10.96.0.1', '10.96.0.1', '443', '10.96.0.1'],
    ['10.96.0.1:443', '10.96.0.1', '6443', undefined],
    ['fd00::/8', 'fd00::1', '443', 'fd00::/8'],
    ['[fd00::1]:443', 'fd00::1', '443', '[fd00::1]:443'],
    [' foo.com , EXAMPLE.com ', 'api.example.com', '443', 'example.com'],
    ['', 'api.example.com', '443', undefined],
  ])('NO_PROXY=%j for %s:%s → %j', (noProxy, host, port, expected) => {
    expect(matchNoProxy(noProxy, host, port)).toBe(expected);
  });
});

describe('decideProxy', () => {
  const base = { scheme: 'https' as const, host: 'api.example.com', port: 6443 };

  it.each([
    ['no proxy variables', {}, undefined, 'direct'],
    ['HTTPS_PROXY', { HTTPS_PROXY: 'http://proxy:3128' }, undefined, 'proxy'],
    ['https_proxy (lower case)', { https_proxy: 'proxy:3128' }, undefined, 'proxy'],
    ['HTTP_PROXY alone does not apply to https', { HTTP_PROXY: 'http://proxy:3128' }, undefined, 'direct'],
    ['ALL_PROXY is ignored, as Go ignores it', { ALL_PROXY: 'http://proxy:3128' }, undefined, 'direct'],
    ['NO_PROXY exempting the host', { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '.example.com' }, undefined, 'direct'],
    ['proxy-url wins over NO_PROXY', { NO_PROXY: '*' }, 'http://cluster-proxy:8080', 'proxy'],
    // net/http's Transport speaks socks5 (an ssh -D tunnel); socks4 it does not, and client-go refuses it in proxy-url.
    ['socks5 proxy-url', {}, 'socks5://127.0.0.1:1080', 'proxy'],
    ['socks4 proxy-url', {}, 'socks4://127.0.0.1:1080', 'unsupported'],
    ['socks5 in HTTPS_PROXY', { HTTPS_PROXY: 'socks5://127.0.0.1:1080' }, undefined, 'proxy'],
    // Checked with kubectl 1.32: HTTPS_PROXY=socks5h://… opens a SOCKS5 handshake (client-go refuses socks5h only in proxy-url).
    ['socks5h in HTTPS_PROXY', { HTTPS_PROXY: 'socks5h://127.0.0.1:1080' }, undefined, 'proxy'],
    // client-go ParseProxyURL assumes no scheme (only HTTPS_PROXY does): kubectl refuses these.
    ['a proxy-url without a scheme (IP:port)', {}, '127.0.0.1:3128', 'unsupported'],
    ['a proxy-url without a scheme (name:port)', {}, 'proxy.corp:3128', 'unsupported'],
  ])('%s', (_name, env, proxyUrl, kind) => {
    expect(decideProxy({ ...base, env, proxyUrl }).kind).toBe(kind);
  });

  it.each(['localhost', '127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f01:203'])('never proxies loopback host %s from the environment', (host) => {
    const decision = decideProxy({ ...base, host, env: { HTTPS_PROXY: 'http://proxy:3128' } });
    expect(decision.kind).toBe('direct');
  });

  // httpproxy useProxy: `host == "localhost"` is case-sensitive, and net.IP.IsLoopback is 127/8 (IPv4-mapped too) and ::1 only.
  it.each(['LOCALHOST', 'LocalHost', '::127.0.0.1', '::ffff:128.0.0.1', '::2', 'localhost.example.com'])('proxies %s, which Go does not count as loopback', (host) => {
    const decision = decideProxy({ ...base, host, env: { HTTPS_PROXY: 'http://proxy:3128' } });
    expect(decision.kind).toBe('proxy');
  });

  it('still lets NO_PROXY=localhost exempt LOCALHOST (NO_PROXY matching lowercases the host)', () => {
    expect(decideProxy({ ...base, host: 'LOCALHOST', env: { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'localhost' } }).kind).toBe('direct');
  });

  it('uses HTTP_PROXY for an http:// server', () => {
    expect(decideProxy({ ...base, scheme: 'http', env: { HTTP_PROXY: 'http://proxy:3128' } }).kind).toBe('proxy');
  });

  it('never shows proxy credentials', () => {
    const text = describeProxy(decideProxy({ ...base, env: { HTTPS_PROXY: 'http://user:s3cretpass@proxy:3128' } }));
    expect(text).not.toContain('s3cretpass');
    expect(text).toContain('proxy:3128');
  });
});

describe('clusterProxyUrlError (client-go ParseProxyURL, as kubectl words it)', () => {
  it.each([
    ['http://proxy:3128', undefined],
    ['https://proxy:3128', undefined],
    ['socks5://proxy:1080', undefined],
    ['HTTP://proxy:3128', undefined],
    ['127.0.0.1:3128', 'could not parse: 127.0.0.1:3128'],
    ['proxy.corp:3128', 'unsupported scheme "proxy.corp", must be http, https, or socks5'],
    ['proxy.corp', 'unsupported scheme "", must be http, https, or socks5'],
    ['socks5h://proxy:1080', 'unsupported scheme "socks5h", must be http, https, or socks5'],
    ['user:secret@10.0.0.1:3128', 'unsupported scheme "user", must be http, https, or socks5'],
    ['10.0.0.1:3128/x', 'could not parse: 10.0.0.1:3128/x'],
  ])('%s → %j', (text, expected) => {
    expect(clusterProxyUrlError(text)).toBe(expected);
  });

  it('never quotes a password from a proxy-url it cannot parse', () => {
    expect(clusterProxyUrlError('0user:s3cret@10.0.0.1:3128')).not.toContain('s3cret');
  });
});
