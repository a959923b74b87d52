// Pure: the bodies of SelfSubjectReview / SelfSubjectAccessReview and how their answers are read
// (kubectl auth whoami / auth can-i, kubernetes-facts.md §8), and which access a request path needs.
import * as z from '../validation.js';
import type { Identity } from './result.js';

/** The order kubectl auth whoami tries, moving on at a 404 (kubectl pkg/cmd/auth/whoami.go): GA in 1.28, beta in 1.27, alpha (off by default) in 1.26. */
export const SELF_SUBJECT_REVIEW_VERSIONS = ['v1', 'v1beta1', 'v1alpha1'] as const;

export function selfSubjectReviewRequest(version: (typeof SELF_SUBJECT_REVIEW_VERSIONS)[number]): { path: string; body: string } {
  return {
    path: `/apis/authentication.k8s.io/${version}/selfsubjectreviews`,
    body: JSON.stringify({ apiVersion: `authentication.k8s.io/${version}`, kind: 'SelfSubjectReview' }),
  };
}

const selfSubjectReviewSchema = z.looseObject({
  status: z.optional(
    z.looseObject({
      userInfo: z.optional(z.looseObject({ username: z.optional(z.string()), groups: z.optional(z.nullable(z.array(z.string()))) })),
    }),
  ),
});

export function parseSelfSubjectReview(body: string): Identity | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = selfSubjectReviewSchema.safeParse(json);
  const info = parsed.success ? parsed.data.status?.userInfo : undefined;
  if (info?.username === undefined) return undefined;
  return { username: info.username, groups: info.groups ?? [] };
}

export type AccessAttributes =
  | {
      readonly kind: 'resource';
      readonly verb: string;
      readonly group: string;
      readonly resource: string;
      readonly namespace?: string | undefined;
      readonly name?: string | undefined;
      readonly subresource?: string | undefined;
    }
  | { readonly kind: 'nonResource'; readonly verb: string; readonly path: string };

/**
 * The access a GET of `path` needs, as the API server's request-info resolver sees it
 * (apiserver pkg/endpoints/request/requestinfo.go): /api/v1/… and /apis/G/V/… are resource
 * requests (list without a name, get with one), anything else is a non-resource URL.
 */
export function accessForPath(path: string): AccessAttributes {
  const [pathname = ''] = path.split('?');
  const segments = pathname.split('/').filter((segment) => segment !== '');
  let rest: string[];
  let group: string;
  if (segments[0] === 'api' && segments.length >= 3) {
    group = '';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1] ?? '';
    rest = segments.slice(3);
  } else {
    return { kind: 'nonResource', verb: 'get', path: pathname || '/' };
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource = '', name, subresource] = rest;
  if (resource === 'namespaces' && name !== undefined && namespace === undefined) {
    // GET /api/v1/namespaces/NS is "get namespace NS".
    return { kind: 'resource', verb: 'get', group, resource, name, subresource };
  }
  return { kind: 'resource', verb: name === undefined ? 'list' : 'get', group, resource, namespace, name, subresource };
}

/**
 * An RBAC grant for `access`, as kubectl commands. In the namespace the request names (not the
 * context's: `--path` may name another) the built-in `view` ClusterRole, bound by a RoleBinding,
 * covers the usual reads; it leaves out secrets, so those get a Role of their own. A cluster-wide
 * request (nodes, namespaces, CRDs, or a list across namespaces) is nothing `view` grants: a
 * ClusterRole for exactly that, and a ClusterRoleBinding. A non-resource URL needs a ClusterRole
 * naming the path. `username` (the caller vouches for it: classify.ts subjectToName) becomes
 * --serviceaccount=NS:SA, or --user=NAME when it is one a shell takes as it is; else a placeholder.
 */
export function describeGrant(access: AccessAttributes, username?: string): string {
  const account = grantSubject(username);
  const clusterBinding = `kubectl create clusterrolebinding NAME --clusterrole=NAME ${account}`;
  if (access.kind === 'nonResource') return `kubectl create clusterrole NAME --verb=${access.verb} --non-resource-url=${access.path}, then ${clusterBinding}`;
  const resource = `${access.resource}${access.group === '' ? '' : `.${access.group}`}${access.subresource === undefined ? '' : `/${access.subresource}`}`;
  const namespace = access.namespace;
  if (namespace === undefined) return `kubectl create clusterrole NAME --verb=${access.verb} --resource=${resource}, then ${clusterBinding}`;
  if (access.resource === 'secrets') {
    return `kubectl create role NAME --verb=${access.verb} --resource=${resource} -n ${namespace}, then kubectl create rolebinding NAME --role=NAME ${account} -n ${namespace}`;
  }
  return `kubectl create rolebinding NAME --clusterrole=view ${account} -n ${namespace}`;
}

/** The kubectl create (cluster)rolebinding flag for `username`, or `placeholder`. */
export function grantSubject(username: string | undefined, placeholder = '--serviceaccount=NS:SA'): string {
  // Kubernetes names: a service account's namespace is a DNS label and its name a DNS subdomain.
  const account = /^system:serviceaccount:([a-z0-9]([-a-z0-9]*[a-z0-9])?):([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(username ?? '');
  if (account) return `--serviceaccount=${account[1]}:${account[3]}`;
  // Other users (a certificate's CN, an oidc subject): only when no shell quoting is needed.
  if (username !== undefined && username !== 'system:anonymous' && username.length <= 253 && /^[A-Za-z0-9][A-Za-z0-9@._:+=-]*$/.test(username)) return `--user=${username}`;
  return placeholder;
}

export function selfSubjectAccessReviewBody(access: AccessAttributes): string {
  const spec =
    access.kind === 'resource'
      ? {
          resourceAttributes: {
            verb: access.verb,
            group: access.group,
            resource: access.resource,
            ...(access.namespace === undefined ? {} : { namespace: access.namespace }),
            ...(access.name === undefined ? {} : { name: access.name }),
            ...(access.subresource === undefined ? {} : { subresource: access.subresource }),
          },
        }
      : { nonResourceAttributes: { path: access.path, verb: access.verb } };
  return JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec });
}

/** "list pods in team-a", "get path /healthz" — for the authz row. */
export function describeAccess(access: AccessAttributes): string {
  if (access.kind === 'nonResource') return `${access.verb} ${access.path}`;
  const resource = `${access.resource}${access.subresource ? `/${access.subresource}` : ''}${access.group ? `.${access.group}` : ''}`;
  const target = access.name === undefined ? resource : `${resource} ${access.name}`;
  return `${access.verb} ${target}${access.namespace === undefined ? '' : ` in ${access.namespace}`}`;
}

const accessReviewSchema = z.looseObject({
  status: z.optional(
    z.looseObject({
      allowed: z.optional(z.boolean()),
      denied: z.optional(z.boolean()),
      reason: z.optional(z.string()),
      evaluationError: z.optional(z.string()),
    }),
  ),
});

export interface AccessAnswer {
  readonly allowed: boolean;
  /** kubectl auth can-i's " - reason - evaluationError" tail, if any. */
  readonly why?: string | undefined;
}

export function parseSelfSubjectAccessReview(body: string): AccessAnswer | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = accessReviewSchema.safeParse(json);
  const status = parsed.success ? parsed.data.status : undefined;
  if (status === undefined) return undefined;
  const why = [status.reason, status.evaluationError].filter((part): part is string => Boolean(part)).join(' - ');
  return { allowed: status.allowed === true, why: why === '' ? undefined : why };
}

const versionSchema = z.looseObject({ gitVersion: z.optional(z.string()), platform: z.optional(z.string()) });

export function parseVersion(body: string): string | undefined {
  try {
    const parsed = versionSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data.gitVersion : undefined;
  } catch {
    return undefined;
  }
}
