// Pure upsert of our stanzas into one kubeconfig file: returns a new config and what changed.
// Like `kubectl config set-*`, fields we do not own survive (extensions, proxy-url, unknown keys);
// unlike `kubectl config set-credentials --token`, which leaves an old tokenFile in place that then
// silently wins (client-go round_trippers.go), we replace the whole credential, on purpose.
import type { Cluster, Context, Kubeconfig, User } from './schema.js';

export type ChangeKind = 'created' | 'updated' | 'unchanged';

export interface Change {
  readonly stanza: 'cluster' | 'user' | 'context' | 'current-context';
  readonly name: string;
  readonly kind: ChangeKind;
  /**
   * An updated cluster or user: the fields of the existing entry that were there and are now
   * different or gone (sorted), so a summary can say what an existing entry lost, e.g.
   * insecure-skip-tls-verify on a cluster other contexts share.
   */
  readonly replaced?: readonly string[];
}

export interface Upsert {
  readonly cluster?: { readonly name: string; readonly cluster: Cluster };
  readonly user?: { readonly name: string; readonly user: User };
  readonly context?: { readonly name: string; readonly context: Context };
  readonly currentContext?: string;
}

/** Cluster fields that describe how to reach and trust the server: ours replace theirs wholesale. */
const CLUSTER_OWNED = ['server', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify', 'tls-server-name'] as const;
/** Every way a user entry can carry an identity: a service-account user has exactly one. */
const USER_OWNED = [
  'token',
  'tokenFile',
  'token-file',
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'username',
  'password',
  'auth-provider',
  'exec',
  'as',
  'as-uid',
  'as-groups',
  'as-user-extra',
] as const;
const CONTEXT_OWNED = ['cluster', 'user', 'namespace'] as const;

export function upsertEntries(config: Kubeconfig, upsert: Upsert): { readonly config: Kubeconfig; readonly changes: readonly Change[] } {
  const changes: Change[] = [];
  let next: Kubeconfig = { ...config };
  if (upsert.cluster) {
    const { name, cluster } = upsert.cluster;
    const result = upsertNamed(next.clusters ?? [], name, (old) => ({
      ...old,
      name,
      cluster: replaceOwned(old?.cluster ?? {}, cluster, CLUSTER_OWNED, ['proxy-url']),
    }));
    next = { ...next, clusters: result.list };
    changes.push({ stanza: 'cluster', name, kind: result.kind, ...replacedFields(result, (entry) => entry.cluster) });
  }
  if (upsert.user) {
    const { name, user } = upsert.user;
    const result = upsertNamed(next.users ?? [], name, (old) => ({ ...old, name, user: replaceOwned(old?.user ?? {}, user, USER_OWNED, []) }));
    next = { ...next, users: result.list };
    changes.push({ stanza: 'user', name, kind: result.kind, ...replacedFields(result, (entry) => entry.user) });
  }
  if (upsert.context) {
    const { name, context } = upsert.context;
    const result = upsertNamed(next.contexts ?? [], name, (old) => ({
      ...old,
      name,
      context: replaceOwned(old?.context ?? {}, context, CONTEXT_OWNED, []),
    }));
    next = { ...next, contexts: result.list };
    changes.push({ stanza: 'context', name, kind: result.kind });
  }
  if (upsert.currentContext !== undefined) {
    const before = next['current-context'] ?? '';
    next = { ...next, 'current-context': upsert.currentContext };
    changes.push({ stanza: 'current-context', name: upsert.currentContext, kind: before === upsert.currentContext ? 'unchanged' : before ? 'updated' : 'created' });
  }
  return { config: next, changes };
}

function upsertNamed<E extends { readonly name: string }>(list: readonly E[], name: string, build: (old: E | undefined) => E): { list: E[]; kind: ChangeKind; old?: E; value?: E } {
  const index = list.findIndex((entry) => entry.name === name);
  if (index === -1) return { list: [...list, build(undefined)], kind: 'created' };
  const old = list[index] as E;
  const value = build(old);
  const copy = [...list];
  copy[index] = value;
  return { list: copy, kind: sameJson(old, value) ? 'unchanged' : 'updated', old, value };
}

/** For an updated entry: the fields it had that are now different or gone. */
function replacedFields<E>(result: { kind: ChangeKind; old?: E; value?: E }, body: (entry: E) => Readonly<Record<string, unknown>> | null | undefined): { replaced?: readonly string[] } {
  if (result.kind !== 'updated' || result.old === undefined || result.value === undefined) return {};
  const before = body(result.old) ?? {};
  const after = body(result.value) ?? {};
  const replaced = Object.keys(before)
    // A removed `false` changes nothing (it is every boolean field's default).
    .filter((key) => before[key] !== undefined && before[key] !== false && (!(key in after) || !sameJson(before[key], after[key])))
    .sort();
  return replaced.length === 0 ? {} : { replaced };
}

/** Ours replaces every owned field (absent in ours → removed); `keepUnlessSet` fields are replaced only when ours sets them. */
function replaceOwned<T extends Record<string, unknown>>(old: T, ours: T, owned: readonly string[], keepUnlessSet: readonly string[]): T {
  const result: Record<string, unknown> = { ...old };
  for (const key of owned) delete result[key];
  for (const [key, value] of Object.entries(ours)) {
    if (value !== undefined && (owned.includes(key) || keepUnlessSet.includes(key) || !(key in old))) result[key] = value;
  }
  return result as T;
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/** JSON with sorted keys, so that key order does not count as a change. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
