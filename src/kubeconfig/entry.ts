// Our three stanzas (cluster, user, context) for one service account, and their default names.
import type { Cluster, Context, User } from './schema.js';

export interface ServiceAccountEntries {
  readonly cluster: { readonly name: string; readonly cluster: Cluster };
  readonly user: { readonly name: string; readonly user: User };
  readonly context: { readonly name: string; readonly context: Context };
}

export interface EntryNames {
  readonly cluster: string;
  readonly user: string;
  readonly context: string;
}

/**
 * Default names, documented in the README: the cluster is named after the server's host (and
 * port unless 443); user and context are `<namespace>/<serviceaccount>@<cluster>`. Namespaces and
 * service-account names cannot contain "/" or "@", so two accounts (or one account on two
 * clusters) never collide, and we never reuse an admin's context names.
 */
export function defaultEntryNames(input: { readonly server: string; readonly namespace: string; readonly serviceAccount?: string }): EntryNames {
  const cluster = clusterNameForServer(input.server);
  const identity = `${input.namespace}/${input.serviceAccount ?? 'serviceaccount'}@${cluster}`;
  return { cluster, user: identity, context: identity };
}

export function clusterNameForServer(server: string): string {
  try {
    const url = new URL(server);
    const port = url.port && url.port !== '443' ? `:${url.port}` : '';
    const prefix = url.pathname && url.pathname !== '/' ? url.pathname.replace(/\/+$/, '') : '';
    return `${url.hostname}${port}${prefix}`;
  } catch {
    return server;
  }
}

export interface BuildEntriesInput {
  readonly names: EntryNames;
  readonly server: string;
  readonly namespace: string;
  /** Either a reference to the CA file or its PEM bytes (embedded as certificate-authority-data). */
  readonly ca: { readonly kind: 'file'; readonly path: string } | { readonly kind: 'data'; readonly pem: string } | { readonly kind: 'none' };
  readonly credential: { readonly kind: 'tokenFile'; readonly path: string } | { readonly kind: 'token'; readonly token: string };
  readonly tlsServerName?: string;
  readonly proxyUrl?: string;
}

export function buildServiceAccountEntries(input: BuildEntriesInput): ServiceAccountEntries {
  const cluster: Cluster = { server: input.server };
  if (input.ca.kind === 'file') cluster['certificate-authority'] = input.ca.path;
  if (input.ca.kind === 'data') cluster['certificate-authority-data'] = Buffer.from(input.ca.pem, 'utf8').toString('base64');
  if (input.tlsServerName) cluster['tls-server-name'] = input.tlsServerName;
  if (input.proxyUrl) cluster['proxy-url'] = input.proxyUrl;
  // tokenFile is client-go's key; @kubernetes/client-node (1.x) reads only `token-file`, so we write
  // both (client-go ignores unknown keys). kubectl drops `token-file` whenever it rewrites the file.
  const user: User =
    input.credential.kind === 'tokenFile'
      ? { tokenFile: input.credential.path, 'token-file': input.credential.path }
      : { token: input.credential.token };
  return {
    cluster: { name: input.names.cluster, cluster },
    user: { name: input.names.user, user },
    context: { name: input.names.context, context: { cluster: input.names.cluster, user: input.names.user, namespace: input.namespace } },
  };
}
