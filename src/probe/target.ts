// What to probe: a resolved kubeconfig context (or the in-cluster mount) turned into a connection
// plan. planConnection is pure (URL, TLS settings, proxy decision); loadTrust reads the CA.
import { X509Certificate } from 'node:crypto';
import { CliError, describeErrno } from '../errors.js';
import type { Deps } from '../deps.js';
import type { Cluster, User } from '../kubeconfig/schema.js';
import { clusterProxyUrlError, decideProxy, describeProxy, redactProxyText, type ProxyDecision } from './proxy.js';

export interface ProbeTarget {
  /** What the row is called: the context name, or "in-cluster". */
  readonly label: string;
  readonly namespace: string;
  readonly cluster: Cluster;
  readonly user: User;
  readonly userName?: string | undefined;
  /** The cluster entry's name, for client-go's messages; undefined in-cluster. */
  readonly clusterName?: string | undefined;
  /** false when the context names a user the kubeconfig lacks (client-go then sends no credentials). */
  readonly userFound?: boolean | undefined;
  /** The kubeconfig file that defined the user (relative exec commands resolve against its directory). */
  readonly userFile?: string | undefined;
}

export interface ConnectionPlan {
  readonly scheme: 'http' | 'https';
  /** Host without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
  /** scheme://host[:port] — what the Host header and the HTTP client are built from. */
  readonly origin: string;
  /** The server URL's path without the trailing slash ("" or "/k8s/clusters/c-1"). */
  readonly pathPrefix: string;
  /** The name sent as SNI and checked against the certificate: tls-server-name, else the host. */
  readonly checkedName: string;
  readonly tlsServerName?: string | undefined;
  readonly insecure: boolean;
  readonly proxy: ProxyDecision;
  readonly warnings: readonly string[];
}

/** The proxies Go's transport speaks (proxy.ts checkScheme), for a hint. */
const proxySchemesHint = (where: string) => `use an http://, https:// (CONNECT) or socks5:// proxy in ${where}`;

/**
 * Server URL → plan. A scheme-less server is plain http, as it is to kubectl (below).
 */
export function planConnection(target: ProbeTarget, env: Readonly<Record<string, string | undefined>>): ConnectionPlan {
  const cluster = target.cluster;
  const server = cluster.server ?? '';
  const warnings: string[] = [];
  // client-go takes the server as written: a space at either end fails every kubectl request
  // (`invalid character " " in host name`, `host must be a URL or a host:port pair`).
  if (server !== server.trim()) {
    throw new CliError('ERR_CONFIG_INVALID', `server ${JSON.stringify(server)} of context "${target.label}" has white space at its ${server.trimStart() === server ? 'end' : 'start'}: kubectl cannot connect with it ("host must be a URL or a host:port pair")`, {
      hint: `remove it: kubectl config set-cluster NAME --server=${server.trim()}`,
    });
  }
  if (server === '') {
    throw new CliError('ERR_CONFIG_INVALID', `no server found for cluster of context "${target.label}"`, {
      hint: 'set it with kubectl config set-cluster NAME --server=https://HOST:PORT',
    });
  }
  let text = server;
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(server)) {
    // client-go judges TLS (rest.IsConfigTransportTLS) before it merges the CA and credentials, so
    // a scheme-less server is always plain http:// to kubectl, with no credentials, whatever the
    // kubeconfig holds (client_config.go ClientConfig). The probe does the same, and says so.
    text = `http://${server}`;
    warnings.push(`server "${server}" has no scheme: kubectl talks plain http:// to it and sends no credentials (the CA is not used either); write https://${server} if it speaks TLS`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new CliError('ERR_CONFIG_INVALID', `server "${server}" of context "${target.label}" is not a valid URL`, { cause, hint: 'use https://HOST[:PORT][/PREFIX]' });
  }
  if (url.username || url.password) {
    // Never echo the password: name the user part only.
    throw new CliError('ERR_CONFIG_INVALID', `server URL of context "${target.label}" carries credentials (${decodeURIComponent(url.username)}:…@${url.host})`, {
      hint: 'credentials belong in the user entry (token, tokenFile, client certificate), not in the server URL',
    });
  }
  const scheme = url.protocol === 'https:' ? 'https' : url.protocol === 'http:' ? 'http' : undefined;
  if (scheme === undefined) {
    throw new CliError('ERR_CONFIG_INVALID', `server "${server}" of context "${target.label}" has unsupported scheme ${url.protocol}`, { hint: 'use https://HOST[:PORT]' });
  }
  if (cluster['certificate-authority'] && cluster['certificate-authority-data']) {
    // client-go validateClusterInfo: kubectl refuses the kubeconfig (validation.go).
    throw new CliError('ERR_CONFIG_INVALID', `certificate-authority-data and certificate-authority are both specified for ${target.clusterName ?? target.label}. certificate-authority-data will override.`, {
      hint: 'keep one of them (kubectl refuses the kubeconfig with both)',
    });
  }
  const insecure = cluster['insecure-skip-tls-verify'] === true;
  if (insecure && (cluster['certificate-authority'] || cluster['certificate-authority-data'])) {
    // client-go transport.TLSConfigFor: the combination fails at transport build time.
    throw new CliError('ERR_CONFIG_INVALID', 'specifying a root certificates file with the insecure flag is not allowed', {
      hint: `remove insecure-skip-tls-verify (keep the CA) from the cluster of context "${target.label}"`,
    });
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
  const tlsServerName = cluster['tls-server-name'] || undefined;
  // The proxy decision sees the host as written: URL lowercases it, Go's url.Parse does not, and
  // httpproxy exempts only a lowercase "localhost" (proxy.ts).
  const writtenHost = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/.exec(text)?.[1]?.replace(/^\[(.*)\]$/, '$1') ?? host;
  const proxyUrl = cluster['proxy-url'];
  const proxyUrlError = proxyUrl ? clusterProxyUrlError(proxyUrl) : undefined;
  if (proxyUrl && proxyUrlError !== undefined) {
    // client-go validateClusterInfo: kubectl refuses the kubeconfig (validation.go, helpers.go ParseProxyURL).
    const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(proxyUrl);
    throw new CliError('ERR_CONFIG_INVALID', `invalid 'proxy-url' ${JSON.stringify(redactProxyText(proxyUrl))} for cluster ${JSON.stringify(target.clusterName ?? target.label)}: ${proxyUrlError}`, {
      hint: /^socks5h:\/\//i.test(proxyUrl)
        ? `write socks5:// in proxy-url (kubectl refuses socks5h:// there): proxy-url: ${redactProxyText(proxyUrl).replace(/^socks5h/i, 'socks5')}`
        : scheme
          ? proxySchemesHint('proxy-url')
          : `write the scheme, as kubectl needs it in proxy-url (only HTTPS_PROXY assumes http://): proxy-url: http://${redactProxyText(proxyUrl)}`,
    });
  }
  const proxy = decideProxy({ scheme, host: writtenHost.toLowerCase() === host ? writtenHost : host, port, proxyUrl: cluster['proxy-url'], env });
  if (proxy.kind === 'unsupported') {
    throw new CliError('ERR_CONFIG_INVALID', `cannot use ${describeProxy(proxy)}`, {
      hint: proxySchemesHint(proxy.source === 'cluster proxy-url' ? 'proxy-url' : proxy.source),
    });
  }
  if (scheme === 'http') {
    warnings.push('server is plain http://: no TLS, and credentials are not sent (client-go attaches credentials only over TLS)');
  }
  return {
    scheme,
    host,
    port,
    origin: `${scheme}://${joinHostPort(host, port)}`,
    pathPrefix: url.pathname.replace(/\/+$/, ''),
    checkedName: tlsServerName ?? host,
    tlsServerName,
    insecure,
    proxy,
    warnings,
  };
}

export interface Trust {
  /** PEM of the configured CA as written (for an exec plugin's cluster info), or undefined for the system roots. */
  readonly caPem?: string | undefined;
  /** The certificates of caPem that parse, one PEM each: what the handshake trusts. */
  readonly caCertificates?: readonly string[] | undefined;
  /** PEM blocks of caPem that were skipped (not a certificate, corrupt or cut off), as Go skips them. */
  readonly skippedBlocks: number;
  /** For messages: the CA file, "certificate-authority-data", or "system roots". */
  readonly caSource: string;
}

/** Reads the cluster's CA: certificate-authority-data wins over certificate-authority (client-go). */
export async function loadTrust(deps: Pick<Deps, 'fs' | 'env' | 'platform'>, target: ProbeTarget): Promise<Trust> {
  const cluster = target.cluster;
  const data = cluster['certificate-authority-data'];
  if (data) {
    const pem = Buffer.from(data, 'base64').toString('utf8');
    return trustFrom(pem, 'certificate-authority-data', target.label);
  }
  const file = cluster['certificate-authority'];
  if (file) {
    let pem: string;
    try {
      pem = await deps.fs.readFile(file, 'utf8');
    } catch (cause) {
      throw new CliError('ERR_CONFIG_INVALID', `unable to read certificate-authority ${file} for context "${target.label}": ${describeErrno(cause)}`, {
        cause,
        hint: 'fix the certificate-authority path of the cluster (relative paths resolve against the kubeconfig file that defines it)',
      });
    }
    return trustFrom(pem, file, target.label);
  }
  // kubectl on Linux trusts what Go's crypto/x509 reads there, not Node's bundled Mozilla roots (nor
  // NODE_EXTRA_CA_CERTS): a corporate CA in /etc/ssl/certs or SSL_CERT_FILE counts, a root only
  // Mozilla ships does not. Elsewhere Go asks the OS verifier, which Node cannot; its roots stay.
  // (With insecure-skip-tls-verify nothing is verified, the proxy's certificate neither: no roots to read.)
  if (deps.platform === 'linux' && cluster['insecure-skip-tls-verify'] !== true) return { caSource: 'system roots', caCertificates: await loadGoSystemRoots(deps), skippedBlocks: 0 };
  return { caSource: 'system roots', skippedBlocks: 0 };
}

/** crypto/x509 root_linux.go certFiles: the first one that reads is the bundle. */
export const GO_CERT_FILES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian/Ubuntu/Gentoo etc.
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora/RHEL 6
  '/etc/ssl/ca-bundle.pem', // OpenSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // CentOS/RHEL 7
  '/etc/ssl/cert.pem', // Alpine Linux
] as const;

/** crypto/x509 root_linux.go certDirectories: every one is read. */
export const GO_CERT_DIRECTORIES = ['/etc/ssl/certs', '/etc/pki/tls/certs'] as const;

/**
 * The system roots as Go's loadSystemRoots (crypto/x509 root_unix.go) finds them on Linux:
 * SSL_CERT_FILE, else the first of GO_CERT_FILES that reads; then every file of SSL_CERT_DIR
 * (":"-separated), else of GO_CERT_DIRECTORIES, except symlinks to a name in the same directory
 * (readUniqueDirectoryEntries: the OpenSSL hash links); each as AppendCertsFromPEM reads it
 * (parseCaBundle), without duplicates. Nothing found is an empty pool, as in Go: then no
 * certificate is trusted.
 */
export function loadGoSystemRoots(deps: Pick<Deps, 'fs' | 'env'>): Promise<readonly string[]> {
  // Read once per file system and setting, as Go's systemRoots (sync.Once): `probe --all-contexts`
  // over 200 contexts without a CA read the whole store 200 times (~30 ms each).
  const key = `${deps.env['SSL_CERT_FILE'] ?? ''}\0${deps.env['SSL_CERT_DIR'] ?? ''}`;
  let byKey = systemRootsRead.get(deps.fs);
  if (byKey === undefined) systemRootsRead.set(deps.fs, (byKey = new Map<string, Promise<readonly string[]>>()));
  let roots = byKey.get(key);
  if (roots === undefined) {
    roots = readGoSystemRoots(deps);
    byKey.set(key, roots);
  }
  return roots;
}

const systemRootsRead = new WeakMap<object, Map<string, Promise<readonly string[]>>>();

async function readGoSystemRoots(deps: Pick<Deps, 'fs' | 'env'>): Promise<readonly string[]> {
  const texts: string[] = [];
  const certFile = deps.env['SSL_CERT_FILE'];
  for (const file of certFile ? [certFile] : GO_CERT_FILES) {
    try {
      texts.push(await deps.fs.readFile(file, 'utf8'));
      break;
    } catch {
      /* the next candidate, as Go moves on */
    }
  }
  const certDir = deps.env['SSL_CERT_DIR'];
  for (const directory of certDir ? certDir.split(':') : GO_CERT_DIRECTORIES) {
    let names: string[];
    try {
      names = await deps.fs.readdir(directory);
    } catch {
      continue;
    }
    const contents = await Promise.all(
      names.map(async (name) => {
        const path = `${directory}/${name}`;
        // readlink fails (EINVAL) for what is not a symlink: one call instead of lstat and readlink.
        const link = await deps.fs.readlink(path).catch(() => undefined);
        if (link !== undefined && !link.includes('/')) return undefined;
        return deps.fs.readFile(path, 'utf8').catch(() => undefined); // a subdirectory or an unreadable file: Go skips it
      }),
    );
    for (const text of contents) if (text !== undefined) texts.push(text);
  }
  // The CERTIFICATE blocks, each once. Unlike a kubeconfig's CA they are not parsed here (X509Certificate
  // costs ~0.2 ms each, and a system has hundreds): OpenSSL skips one that does not parse, as Go does.
  const seen = new Set<string>();
  for (const text of texts) {
    for (const block of decodePemBlocks(text).blocks) if (block.type === 'CERTIFICATE' && !block.hasHeaders) seen.add(block.der.toString('base64'));
  }
  return [...seen].map((base64) => `-----BEGIN CERTIFICATE-----\n${base64.replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`);
}

function trustFrom(pem: string, source: string, label: string): Trust {
  const { certificates, skipped } = parseCaBundle(pem);
  if (certificates.length === 0) {
    // client-go rootCertPool: AppendCertsFromPEM added nothing, and kubectl refuses the CA.
    throw new CliError('ERR_CONFIG_INVALID', `unable to load root certificates from ${source} for context "${label}": no PEM certificate that parses${skipped ? ` (${skipped} PEM block${skipped === 1 ? '' : 's'} skipped)` : ''}`, {
      hint: 'certificate-authority must be a PEM file of CA certificates; certificate-authority-data the base64 of that PEM',
    });
  }
  return { caPem: pem, caCertificates: certificates, skippedBlocks: skipped, caSource: source };
}

/** Subject and validity of each CA certificate (PEM), for a lapsed CA's message (classify.ts TrustedCertificate). */
export function describeCaCertificates(pems: readonly string[]): { subject: string; notBefore: Date; notAfter: Date }[] {
  return pems.map((pem) => {
    const certificate = new X509Certificate(pem);
    return { subject: certificate.subject.split('\n').join(', '), notBefore: new Date(certificate.validFrom), notAfter: new Date(certificate.validTo) };
  });
}

const PEM_BEGIN = '-----BEGIN ';
const PEM_END = '\n-----END ';

/** The line at the start of text (without \r\n or trailing spaces and tabs) and what follows (encoding/pem getLine). */
function getLine(text: string): [string, string] {
  const newline = text.indexOf('\n');
  const [line, rest] = newline === -1 ? [text, ''] : [text.slice(0, newline), text.slice(newline + 1)];
  return [line.replace(/[ \t\r]+$/, ''), rest];
}

/**
 * The certificates of a CA bundle as Go's x509.CertPool.AppendCertsFromPEM finds them: each block
 * encoding/pem.Decode can read (a block without its END line, or with bad base64, is passed over
 * and the search goes on after its BEGIN line), then only CERTIFICATE blocks without headers whose
 * DER parses. Node's `ca` given the whole text stops at the first bad block and trusts nothing after
 * it; given this list it trusts what kubectl trusts.
 */
export function parseCaBundle(pem: string): { readonly certificates: readonly string[]; readonly skipped: number } {
  const certificates: string[] = [];
  const { blocks, begins } = decodePemBlocks(pem);
  for (const block of blocks) {
    if (block.type !== 'CERTIFICATE' || block.hasHeaders) continue;
    try {
      certificates.push(new X509Certificate(block.der).toString());
    } catch {
      /* x509.ParseCertificate failed: Go skips the block */
    }
  }
  return { certificates, skipped: begins - certificates.length };
}

export interface PemBlock {
  readonly type: string;
  readonly hasHeaders: boolean;
  readonly der: Buffer;
}

/**
 * Every block Go's encoding/pem.Decode finds when called in a loop, in order, and how many
 * "-----BEGIN " lines were seen (a block that does not decode is passed over, and the search goes
 * on after its BEGIN line).
 */
export function decodePemBlocks(pem: string): { readonly blocks: readonly PemBlock[]; readonly begins: number } {
  const blocks: PemBlock[] = [];
  let begins = 0;
  let rest = pem;
  for (;;) {
    const found = rest.indexOf(`\n${PEM_BEGIN}`);
    const start = rest.startsWith(PEM_BEGIN) ? 0 : found === -1 ? -1 : found + 1;
    if (start === -1) break;
    begins += 1;
    rest = rest.slice(start + PEM_BEGIN.length);
    const block = decodePemBlock(rest);
    if (block === undefined) continue;
    rest = block.rest;
    blocks.push({ type: block.type, hasHeaders: block.hasHeaders, der: block.der });
  }
  return { blocks, begins };
}

/** One block after its "-----BEGIN " (encoding/pem Decode), or undefined when it does not decode. */
function decodePemBlock(afterBegin: string): { type: string; hasHeaders: boolean; der: Buffer; rest: string } | undefined {
  const [typeLine, afterType] = getLine(afterBegin);
  let rest = afterType;
  if (!typeLine.endsWith('-----')) return undefined;
  const type = typeLine.slice(0, -5);
  let hasHeaders = false;
  for (;;) {
    if (rest === '') return undefined;
    const [line, next] = getLine(rest);
    if (!line.includes(':')) break;
    hasHeaders = true;
    rest = next;
  }
  const [endIndex, trailerIndex] = !hasHeaders && rest.startsWith(PEM_END.slice(1)) ? [0, PEM_END.length - 1] : [rest.indexOf(PEM_END), rest.indexOf(PEM_END) + PEM_END.length];
  if (endIndex < 0) return undefined;
  const trailer = rest.slice(trailerIndex);
  if (!trailer.startsWith(`${type}-----`)) return undefined;
  if (getLine(trailer.slice(type.length + 5))[0] !== '') return undefined;
  const base64 = rest.slice(0, endIndex).replace(/[ \t\r\n]/g, '');
  // base64.StdEncoding: the standard alphabet, padded to a multiple of 4.
  if (base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return undefined;
  return { type, hasHeaders, der: Buffer.from(base64, 'base64'), rest: getLine(rest.slice(endIndex + PEM_END.length - 1))[1] };
}

/** net.JoinHostPort: an IPv6 address in brackets, so its port reads as one. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
