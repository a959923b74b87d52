// Which proxy a request to the API server goes through, decided as kubectl decides it:
// the cluster's proxy-url wins (client-go rest/transport.go: http.ProxyURL, no exceptions), else
// the environment as Go's net/http reads it (golang.org/x/net/http/httpproxy FromEnvironment +
// ProxyFunc): HTTPS_PROXY/https_proxy for https, HTTP_PROXY/http_proxy for http, NO_PROXY/no_proxy,
// and never a proxy for localhost or a loopback IP. Go ignores ALL_PROXY, so we do too.
import { isIP } from 'node:net';

export type ProxyDecision =
  | { readonly kind: 'direct'; readonly reason: string }
  | { readonly kind: 'proxy'; readonly url: URL; readonly source: string }
  | { readonly kind: 'unsupported'; readonly url: string; readonly source: string; readonly reason: string };

export interface ProxyInput {
  readonly scheme: 'http' | 'https';
  readonly host: string; // no brackets for IPv6
  readonly port: number;
  readonly proxyUrl?: string | undefined; // the cluster's proxy-url
  readonly env: Readonly<Record<string, string | undefined>>;
}

function firstEnv(env: Readonly<Record<string, string | undefined>>, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return { name, value };
  }
  return undefined;
}

/** Parses a proxy URL as Go's httpproxy.parseProxy does: no scheme means http://. */
export function parseProxyUrl(text: string): URL | undefined {
  const withScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(text) ? text : `http://${text}`;
  try {
    const url = new URL(withScheme);
    return url.hostname === '' ? undefined : url;
  } catch {
    return undefined;
  }
}

function checkScheme(url: URL, source: string): ProxyDecision {
  const scheme = url.protocol.slice(0, -1);
  // net/http's Transport speaks http, https, socks5 and socks5h (transport.go dialConn; checked
  // with kubectl 1.32: HTTPS_PROXY=socks5h://… opens a SOCKS5 handshake). client-go refuses
  // socks5h in a cluster's proxy-url before that (clusterProxyUrlError).
  if (scheme === 'http' || scheme === 'https' || scheme === 'socks5' || scheme === 'socks5h') return { kind: 'proxy', url, source };
  return {
    kind: 'unsupported',
    url: redactProxyUrl(url),
    source,
    reason: scheme.startsWith('socks') ? `${scheme} proxies are not supported by the probe` : `unknown proxy scheme "${scheme}"`,
  };
}

/**
 * Why client-go refuses a cluster's proxy-url, in its words (tools/clientcmd/helpers.go
 * ParseProxyURL: url.Parse, then the scheme must be http, https or socks5), or undefined when it
 * takes it. Unlike HTTPS_PROXY (httpproxy.parseProxy), no http:// is assumed: Go's url.Parse reads
 * "proxy:3128" as scheme "proxy" and fails on "10.0.0.1:3128" (a colon in the first path
 * segment), so kubectl refuses both (`invalid 'proxy-url' "…" for cluster "…": …`).
 */
export function clusterProxyUrlError(text: string): string | undefined {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(text)?.[1];
  if (scheme === undefined) {
    // No scheme: a colon before the first slash is "first path segment in URL cannot contain colon".
    if (/^[^/]*:/.test(text)) return `could not parse: ${redactProxyText(text)}`;
    return 'unsupported scheme "", must be http, https, or socks5';
  }
  const lower = scheme.toLowerCase();
  if (lower !== 'http' && lower !== 'https' && lower !== 'socks5') return `unsupported scheme ${JSON.stringify(lower)}, must be http, https, or socks5`;
  return undefined;
}

export function decideProxy(input: ProxyInput): ProxyDecision {
  if (input.proxyUrl !== undefined && input.proxyUrl !== '') {
    const refused = clusterProxyUrlError(input.proxyUrl);
    if (refused !== undefined) return { kind: 'unsupported', url: redactProxyText(input.proxyUrl), source: 'cluster proxy-url', reason: `kubectl refuses it: ${refused}` };
    const url = parseProxyUrl(input.proxyUrl);
    if (url === undefined) return { kind: 'unsupported', url: redactProxyText(input.proxyUrl), source: 'cluster proxy-url', reason: 'not a valid URL' };
    return checkScheme(url, 'cluster proxy-url');
  }
  const proxyVar = input.scheme === 'https' ? firstEnv(input.env, 'HTTPS_PROXY', 'https_proxy') : firstEnv(input.env, 'HTTP_PROXY', 'http_proxy');
  if (proxyVar === undefined) return { kind: 'direct', reason: 'no proxy configured' };
  // httpproxy config.useProxy compares the host as written: only lowercase "localhost" is exempt
  // (LOCALHOST goes through the proxy, as kubectl sends it), then loopback IPs by value.
  if (input.host === 'localhost' || isLoopback(input.host)) {
    return { kind: 'direct', reason: `${proxyVar.name} set, but ${input.host} is loopback (never proxied)` };
  }
  const host = input.host.toLowerCase();
  const noProxy = firstEnv(input.env, 'NO_PROXY', 'no_proxy');
  if (noProxy !== undefined) {
    const match = matchNoProxy(noProxy.value, host, String(input.port));
    if (match !== undefined) return { kind: 'direct', reason: `${noProxy.name} entry "${match}" matches ${host}` };
  }
  const url = parseProxyUrl(proxyVar.value);
  if (url === undefined) return { kind: 'unsupported', url: proxyVar.value, source: proxyVar.name, reason: 'not a valid URL' };
  return checkScheme(url, proxyVar.name);
}

/** A SOCKS5 proxy: socks5:// or socks5h://, which Go speaks alike (a host name goes to the proxy as a name either way). */
export function isSocksProxy(url: URL): boolean {
  return url.protocol === 'socks5:' || url.protocol === 'socks5h:';
}

/** net.IP.IsLoopback: 127.0.0.0/8, also written IPv4-mapped (::ffff:127.0.0.1, ::ffff:7f00:1), and ::1. */
export function isLoopback(host: string): boolean {
  const family = isIP(host);
  if (family === 4) return host.startsWith('127.');
  if (family !== 6) return false;
  const value = ipToBigInt(host);
  if (value === undefined) return false;
  if (value >> 32n === 0xffffn) return value >> 24n === 0xffff7fn;
  return value === 1n;
}

/**
 * The NO_PROXY entry that exempts host:port, or undefined. Mirrors httpproxy.config.init/useProxy:
 * "*" matches all; CIDR and IP entries match IP hosts; "foo.com" matches foo.com and *.foo.com;
 * ".foo.com" and "*.foo.com" match subdomains only; an entry with :port matches that port only.
 */
export function matchNoProxy(noProxy: string, host: string, port: string): string | undefined {
  const hostLower = host.toLowerCase();
  const hostIsIp = isIP(hostLower) !== 0;
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return entry;
    if (entry.includes('/')) {
      if (hostIsIp && cidrContains(entry, hostLower)) return entry;
      continue;
    }
    const { host: entryHost, port: entryPort } = splitHostPort(entry);
    if (entryHost === '') continue;
    if (isIP(entryHost) !== 0) {
      if (hostIsIp && normaliseIp(entryHost) === normaliseIp(hostLower) && (entryPort === '' || entryPort === port)) return entry;
      continue;
    }
    let suffix = entryHost.startsWith('*.') ? entryHost.slice(1) : entryHost;
    const matchHost = !suffix.startsWith('.');
    if (matchHost) suffix = `.${suffix}`;
    if ((hostLower.endsWith(suffix) || (matchHost && hostLower === suffix.slice(1))) && (entryPort === '' || entryPort === port)) {
      return entry;
    }
  }
  return undefined;
}

function splitHostPort(entry: string): { host: string; port: string } {
  const bracketed = /^\[([^\]]*)\]:(\d+)$/.exec(entry);
  if (bracketed) return { host: bracketed[1] ?? '', port: bracketed[2] ?? '' };
  const hostPort = /^([^:]*):(\d+)$/.exec(entry);
  if (hostPort) return { host: hostPort[1] ?? '', port: hostPort[2] ?? '' };
  return { host: entry.replace(/^\[(.*)\]$/, '$1'), port: '' };
}

function normaliseIp(ip: string): string {
  return ipToBigInt(ip)?.toString() ?? ip;
}

function ipToBigInt(ip: string): bigint | undefined {
  const family = isIP(ip);
  if (family === 4) {
    return ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
  }
  if (family === 6) {
    let text = ip;
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (v4?.[1]) {
      const n = ipToBigInt(v4[1]) ?? 0n;
      text = text.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    }
    const [head = '', tail] = text.split('::');
    const headParts = head === '' ? [] : head.split(':');
    const tailParts = tail === undefined || tail === '' ? [] : tail.split(':');
    const missing = 8 - headParts.length - tailParts.length;
    const parts = [...headParts, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
    return parts.reduce((acc, part) => (acc << 16n) | BigInt(parseInt(part, 16)), 0n);
  }
  return undefined;
}

function cidrContains(cidr: string, ip: string): boolean {
  const [base = '', bitsText = ''] = cidr.split('/');
  const family = isIP(base);
  if (family === 0 || family !== isIP(ip) || !/^\d+$/.test(bitsText)) return false;
  const width = family === 4 ? 32n : 128n;
  const bits = BigInt(bitsText);
  if (bits > width) return false;
  const a = ipToBigInt(base);
  const b = ipToBigInt(ip);
  if (a === undefined || b === undefined) return false;
  const shift = width - bits;
  return a >> shift === b >> shift;
}

/** The user:password of a proxy URL, percent-decoded as Go's url.UserPassword gives them; undefined when it has none. */
export function proxyCredentials(url: URL): { readonly username: string; readonly password: string } | undefined {
  if (url.username === '' && url.password === '') return undefined;
  return { username: safeDecode(url.username), password: safeDecode(url.password) };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A proxy URL as written, for display: a user:password@ in it is replaced (it may not parse as a URL). */
export function redactProxyText(text: string): string {
  return text.replace(/^([^/]*\/\/)?[^/@]*@/, (_all, scheme: string | undefined) => `${scheme ?? ''}REDACTED@`);
}

/** A proxy URL for display: credentials in it are replaced. */
export function redactProxyUrl(url: URL): string {
  if (url.username === '' && url.password === '') return url.href.replace(/\/$/, '');
  const copy = new URL(url.href);
  copy.username = 'REDACTED';
  copy.password = '';
  return copy.href.replace(/\/$/, '');
}

export function describeProxy(decision: ProxyDecision): string {
  switch (decision.kind) {
    case 'direct':
      return `direct (${decision.reason})`;
    case 'proxy':
      return `via proxy ${redactProxyUrl(decision.url)} (${decision.source})`;
    case 'unsupported':
      return `proxy ${decision.url} (${decision.source}): ${decision.reason}`;
  }
}
