// What to probe: a resolved kubeconfig context (or the in-cluster mount) turned into a connection
// plan. planConnection is pure (URL, TLS settings, proxy decision); loadTrust reads the CA.
import { CliError, describeErrno } from '../errors.js';
import type { Deps } from '../deps.js';
import type { Cluster, User } from '../kubeconfig/schema.js';
import { decideProxy, describeProxy, type ProxyDecision } from './proxy.js';

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

/**
 * Server URL → plan. A scheme-less server is plain http, as it is to kubectl (below).
 */
export function planConnection(target: ProbeTarget, env: Readonly<Record<string, string | undefined>>): ConnectionPlan {
  const cluster = target.cluster;
  const server = cluster.server?.trim() ?? '';
  const warnings: string[] = [];
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
  const proxy = decideProxy({ scheme, host, port, proxyUrl: cluster['proxy-url'], env });
  if (proxy.kind === 'unsupported') {
    throw new CliError('ERR_CONFIG_INVALID', `cannot use ${describeProxy(proxy)}`, {
      hint: proxy.source === 'cluster proxy-url' ? 'use an http:// or https:// CONNECT proxy in proxy-url' : `use an http:// or https:// CONNECT proxy in ${proxy.source}`,
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
  /** PEM of the configured CA, or undefined for the system roots. */
  readonly caPem?: string | undefined;
  /** For messages: the CA file, "certificate-authority-data", or "system roots". */
  readonly caSource: string;
}

/** Reads the cluster's CA: certificate-authority-data wins over certificate-authority (client-go). */
export async function loadTrust(deps: Pick<Deps, 'fs'>, target: ProbeTarget): Promise<Trust> {
  const cluster = target.cluster;
  const data = cluster['certificate-authority-data'];
  if (data) {
    const pem = Buffer.from(data, 'base64').toString('utf8');
    requirePem(pem, 'certificate-authority-data', target.label);
    return { caPem: pem, caSource: 'certificate-authority-data' };
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
    requirePem(pem, file, target.label);
    return { caPem: pem, caSource: file };
  }
  return { caSource: 'system roots' };
}

function requirePem(pem: string, source: string, label: string): void {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new CliError('ERR_CONFIG_INVALID', `unable to load root certificates from ${source} for context "${label}": no PEM certificate`, {
      hint: 'certificate-authority must be a PEM file; certificate-authority-data the base64 of that PEM',
    });
  }
}

/** net.JoinHostPort: an IPv6 address in brackets, so its port reads as one. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
