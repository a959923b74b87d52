// An emulated Kubernetes API server for tests, the demo and the benchmarks. It is faithful where
// clients can tell: HTTPS with a per-run CA, authentication (bound and legacy service-account JWTs,
// client certificates, anonymous) before authorization (RBAC-like rules, the real Forbidden message
// format) before routing, discovery as kubectl needs it, protobuf request bodies, Status error
// bodies, TokenRequest defaults/limits, and a token controller that fills service-account-token
// Secrets. Everything else is deliberately small. Node built-ins + @peculiar/x509 (via certs.ts)
// only: the shipped `demo` command bundles this file.
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  generateCa,
  generatePki,
  issueClientCert,
  issueExpiredServerCert,
  issueServerCert,
  issueWrongSanServerCert,
  pemToBase64,
  type CertificateAuthority,
  type KeyPairPem,
  type Pki,
} from './certs.js';
import {
  boundTokenClaims,
  createTokenSigner,
  DEFAULT_ISSUER,
  legacyTokenClaims,
  serviceAccountUsername,
  signJwt,
  verifyJwt,
  type BoundClaims,
  type LegacyClaims,
  type TokenSigner,
} from './jwt.js';
import { decodeKubernetesProtobuf } from './protobuf.js';

// ---------------------------------------------------------------------------------------------
// Types

export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

export interface RequestRecord {
  readonly method: string;
  /** Path without the configured pathPrefix and without the query. */
  readonly path: string;
  /** The raw request target as received (prefix and query included). */
  readonly rawUrl: string;
  readonly query: Readonly<Record<string, string>>;
  /** All request headers; `authorization` redacted to `Bearer sha256:<12 hex>`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The raw Authorization header (for assertions only; never print it). */
  readonly authorization?: string;
  readonly hasAuthorization: boolean;
  /** Subject of a verified client certificate, if one was presented. */
  readonly clientCertificate?: string;
  /** The authenticated identity; null for anonymous or failed authentication. */
  user: UserInfo | null;
  status: number;
  readonly contentType?: string;
  readonly accept?: string;
  readonly userAgent?: string;
  /** The decoded request body (JSON shape, also for protobuf bodies), when there was one. */
  body?: unknown;
  /** Resource attributes as the authorizer saw them. */
  attributes?: RequestAttributes;
}

export interface PolicyRule {
  readonly verbs: readonly string[];
  /** Default [''] (core). '*' matches any. */
  readonly apiGroups?: readonly string[];
  /** e.g. 'pods', 'serviceaccounts/token', '*'. */
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  /** Non-resource paths; a trailing '*' is a prefix match. */
  readonly nonResourceURLs?: readonly string[];
  /** Namespace the rule applies in (a RoleBinding); undefined = cluster-wide (ClusterRoleBinding). */
  readonly namespace?: string;
}

export interface RequestAttributes {
  readonly resourceRequest: boolean;
  readonly path: string;
  readonly verb: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
}

/** A stored object in its JSON form (metadata.name/namespace/uid are always set). */
export type KubeObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
};

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export type ResourceName = 'pods' | 'secrets' | 'serviceaccounts' | 'configmaps' | 'namespaces';

export interface ApiState {
  /** resource → "namespace/name" (or "name" for namespaces) → object. Mutable by tests. */
  readonly objects: Record<ResourceName, Map<string, KubeObject>>;
  /** Subject (username or group) → rules. Mutable by tests. */
  readonly rbac: Map<string, PolicyRule[]>;
}

export type ServerCertificateChoice = 'valid' | 'expired' | 'wrong-san' | 'other-ca';

export interface ApiServerOptions {
  /** Listen address: '127.0.0.1' (default), '::1', '::' (dual stack; url still uses 127.0.0.1). */
  readonly host?: string;
  readonly port?: number;
  /** Reuse PKI (e.g. across servers in one test file); generated otherwise. */
  readonly pki?: Pki;
  /** Which serving certificate: the normal one (default) or a broken variant; or explicit PEMs. */
  readonly serverCertificate?: ServerCertificateChoice | KeyPairPem;
  /** Serve everything under this prefix (e.g. '/k8s/clusters/c-1', as Rancher does); other paths 404. */
  readonly pathPrefix?: string;
  /** Service-account issuer; default https://kubernetes.default.svc.cluster.local. */
  readonly issuer?: string;
  /** --api-audiences; default [issuer]. */
  readonly apiAudiences?: readonly string[];
  /** Reported by /version; default v1.32.4 (the dispatcher then runs kubectl.1.32). */
  readonly gitVersion?: string;
  /** --service-account-max-token-expiration in seconds; default 48 h. */
  readonly maxTokenExpirationSeconds?: number;
  /** false: /apis/authentication.k8s.io/v1/selfsubjectreviews answers 404 (pre-1.28 server); 'v1alpha1': only the alpha API (1.26 with APISelfSubjectReview on). */
  readonly selfSubjectReview?: boolean | 'v1alpha1';
  /** false: unauthenticated requests get 401 even for /version (--anonymous-auth=false). */
  readonly anonymousAuth?: boolean;
  /** Delay before the token controller fills a created service-account-token Secret; default 0 (next tick). */
  readonly tokenControllerDelayMs?: number;
  /** When the fixture Secret team-a/pending-token gets filled; default never. */
  readonly pendingToken?: { readonly afterMs?: number; readonly afterGets?: number };
  /** path → Location for a 302 answered before authentication (credentials must not follow it). */
  readonly redirects?: Readonly<Record<string, string>>;
  /** 'default' (team-a, default; see DEFAULT_FIXTURE_DESCRIPTION) or 'empty' (namespace default only). */
  readonly fixture?: 'default' | 'empty';
  /** Extra rules merged over the fixture's, by subject. */
  readonly rbac?: Readonly<Record<string, readonly PolicyRule[]>>;
}

export interface MintTokenOptions {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly audiences?: readonly string[];
  /** Default 3600. */
  readonly expirationSeconds?: number;
  /** Seconds since the epoch; default now. */
  readonly issuedAt?: number;
  /** Shortcut: issued two hours ago, expired one hour ago. */
  readonly expired?: boolean;
  /** Sign with an unrelated key (valid shape, bad signature → 401). */
  readonly wrongKey?: boolean;
  /** Override the service-account UID claim (default: the stored SA's UID, or a random one). */
  readonly uid?: string;
  readonly issuer?: string;
  readonly pod?: { readonly name: string; readonly uid: string };
}

export interface ApiServer {
  /** https://127.0.0.1:PORT (or https://[::1]:PORT), including pathPrefix. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly pki: Pki;
  /** The CA that signed the serving certificate (differs from pki.ca for 'other-ca'). */
  readonly servingCa: CertificateAuthority;
  /** PEM of pki.ca: what kube-root-ca.crt and token Secrets carry. */
  readonly caPem: string;
  readonly signer: TokenSigner;
  readonly requests: RequestRecord[];
  readonly state: ApiState;
  mintToken(options: MintTokenOptions): string;
  /** A legacy Secret-style token (iss kubernetes/serviceaccount) naming secretName. */
  mintLegacyToken(options: { namespace: string; serviceAccount: string; secretName: string }): string;
  addNamespace(name: string): KubeObject;
  addServiceAccount(namespace: string, name: string): KubeObject;
  deleteServiceAccount(namespace: string, name: string): boolean;
  /** Stores a Secret; `data` values are plain strings (base64-encoded here) unless dataBase64 is given. */
  addSecret(secret: {
    namespace: string;
    name: string;
    type?: string;
    data?: Readonly<Record<string, string>>;
    dataBase64?: Readonly<Record<string, string>>;
    annotations?: Readonly<Record<string, string>>;
  }): KubeObject;
  getObject(resource: ResourceName, namespace: string | undefined, name: string): KubeObject | undefined;
  setRules(subject: string, rules: readonly PolicyRule[]): void;
  /** A kubeconfig (YAML text) for this server with a token or the admin client certificate. */
  kubeconfig(auth: { token: string } | { admin: true } | { clientCert: KeyPairPem }, options?: { namespace?: string; name?: string }): string;
  /** Requests other than the kubectl dispatcher's GET /version?timeout=5s preflight (user agent kubectl-dispatcher/…). */
  apiRequests(): RequestRecord[];
  clearRequests(): void;
  close(): Promise<void>;
}

export const DEFAULT_GIT_VERSION = 'v1.32.4';
export const DEFAULT_MAX_TOKEN_EXPIRATION_SECONDS = 48 * 60 * 60;
const MIN_TOKEN_EXPIRATION_SECONDS = 600;
const MAX_TOKEN_EXPIRATION_SECONDS_LIMIT = 2 ** 32;
const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';
const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

/** What the default fixture holds; kept next to the code so the report and tests agree. */
export const DEFAULT_FIXTURE_DESCRIPTION = {
  namespaces: ['default', 'team-a'],
  serviceAccounts: ['default/default', 'team-a/default', 'team-a/deployer', 'team-a/viewer', 'team-a/ci'],
  secrets: {
    'team-a/deployer-token': 'service-account-token for deployer, populated (legacy JWT, ca.crt, namespace)',
    'team-a/pending-token': 'service-account-token for deployer, not populated (see options.pendingToken)',
    'team-a/not-a-token': 'Opaque',
    'team-a/bad-base64-token': 'service-account-token whose data.token is not valid base64',
  },
  pods: ['team-a/web-6d8f7c9b5-q2x7z', 'team-a/worker-7c9d8b6f4-k8m2p', 'team-a/migrate-28901234-x7k2p'],
} as const;

const DEPLOYER_RULES: readonly PolicyRule[] = [
  { namespace: 'team-a', verbs: ['get', 'list', 'watch', 'create', 'delete'], resources: ['pods'] },
  { namespace: 'team-a', verbs: ['get'], resources: ['secrets'] },
  { namespace: 'team-a', verbs: ['create'], resources: ['serviceaccounts/token'] },
];

// ---------------------------------------------------------------------------------------------
// Status bodies (apimachinery pkg/api/errors)

interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: { reason: string; message: string; field: string }[];
}

function statusBody(code: number, reason: string, message: string, details?: StatusDetails): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

function qualifiedResource(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

function detailsFor(group: string, resource: string, name: string): StatusDetails {
  return { ...(name ? { name } : {}), ...(group ? { group } : {}), kind: resource };
}

/** NewNotFound: `secrets "x" not found`. */
export function notFoundStatus(group: string, resource: string, name: string): Record<string, unknown> {
  return statusBody(404, 'NotFound', `${qualifiedResource(group, resource)} "${name}" not found`, detailsFor(group, resource, name));
}

export const UNAUTHORIZED_STATUS = statusBody(401, 'Unauthorized', 'Unauthorized');

/** responsewriters.forbiddenMessage + errors.NewForbidden. */
export function forbiddenStatus(username: string, a: RequestAttributes): Record<string, unknown> {
  if (!a.resourceRequest) {
    return statusBody(403, 'Forbidden', `forbidden: User "${username}" cannot ${a.verb} path "${a.path}"`, {});
  }
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const reason = `User "${username}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${where}`;
  const qr = qualifiedResource(a.apiGroup, a.resource);
  const prefix = a.name ? `${qr} "${a.name}" is forbidden` : `${qr} is forbidden`;
  return statusBody(403, 'Forbidden', `${prefix}: ${reason}`, detailsFor(a.apiGroup, a.resource, a.name));
}

function invalidStatus(group: string, kind: string, name: string, field: string, detail: string): Record<string, unknown> {
  const cause = `${detail}`;
  return statusBody(422, 'Invalid', `${qualifiedResource(group, kind)} "${name}" is invalid: ${field}: ${cause}`, {
    ...(name ? { name } : {}),
    ...(group ? { group } : {}),
    kind,
    causes: [{ reason: detail.startsWith('Required') ? 'FieldValueRequired' : 'FieldValueInvalid', message: cause, field }],
  });
}

const RESOURCE_NOT_FOUND = statusBody(404, 'NotFound', 'the server could not find the requested resource', {});
const METHOD_NOT_ALLOWED = statusBody(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});

// ---------------------------------------------------------------------------------------------
// Request attributes (apiserver pkg/endpoints/request/requestinfo.go RequestInfoFactory)

const VERB_BY_METHOD: Readonly<Record<string, string>> = {
  GET: 'get',
  HEAD: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

export function requestAttributes(method: string, path: string, query: URLSearchParams): RequestAttributes {
  const nonResource = (): RequestAttributes => ({
    resourceRequest: false,
    path,
    verb: (VERB_BY_METHOD[method] ?? method.toLowerCase()).replace('create', 'post').replace('update', 'put'),
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
  });
  let parts = path.split('/').filter((p) => p !== '');
  if (parts.length < 3 || (parts[0] !== 'api' && parts[0] !== 'apis')) {
    // Non-resource verbs are the lower-case HTTP method (get, post, put, …).
    const a = nonResource();
    return { ...a, verb: method.toLowerCase() === 'head' ? 'get' : method.toLowerCase() };
  }
  let apiGroup = '';
  if (parts[0] === 'apis') {
    if (parts.length < 4) return { ...nonResource(), verb: method.toLowerCase() };
    apiGroup = parts[1] ?? '';
    parts = parts.slice(2);
  } else {
    parts = parts.slice(1);
  }
  const apiVersion = parts[0] ?? '';
  parts = parts.slice(1);
  let verb = VERB_BY_METHOD[method] ?? method.toLowerCase();
  let namespace = '';
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1] ?? '';
    if (parts.length > 2) parts = parts.slice(2);
  }
  const resource = parts[0] ?? '';
  let name = parts[1] ?? '';
  const subresource = parts.slice(2).join('/');
  if (resource === 'namespaces' && parts.length <= 2 && namespace && !name) {
    name = namespace; // /api/v1/namespaces/NAME is the namespace object itself
  }
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  if (watch && verb === 'get') verb = 'watch';
  else if (verb === 'get' && !name) verb = 'list';
  else if (verb === 'delete' && !name) verb = 'deletecollection';
  return { resourceRequest: true, path, verb, apiGroup, apiVersion, namespace, resource, subresource, name };
}

// ---------------------------------------------------------------------------------------------
// Authorization

function matches(list: readonly string[] | undefined, value: string, fallback: readonly string[]): boolean {
  const l = list ?? fallback;
  return l.includes('*') || l.includes(value);
}

function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  if (!matches(rule.verbs, a.verb, [])) return false;
  if (!a.resourceRequest) {
    return (rule.nonResourceURLs ?? []).some((u) => u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))));
  }
  if (rule.nonResourceURLs) return false;
  if (rule.namespace !== undefined && rule.namespace !== a.namespace) return false;
  if (!matches(rule.apiGroups, a.apiGroup, [''])) return false;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (!matches(rule.resources, resource, [])) return false;
  if (rule.resourceNames && rule.resourceNames.length > 0 && !rule.resourceNames.includes(a.name)) return false;
  return true;
}

// bootstrappolicy: system:public-info-viewer (everyone), system:discovery and system:basic-user
// (system:authenticated only, since 1.14).
const PUBLIC_INFO_RULES: readonly PolicyRule[] = [
  { verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] },
];
const AUTHENTICATED_RULES: readonly PolicyRule[] = [
  { verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*'] },
  { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
  { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
];

function rulesFor(state: ApiState, user: UserInfo): PolicyRule[] {
  const rules: PolicyRule[] = [...PUBLIC_INFO_RULES];
  if (user.groups.includes('system:authenticated')) rules.push(...AUTHENTICATED_RULES);
  for (const subject of [user.username, ...user.groups]) rules.push(...(state.rbac.get(subject) ?? []));
  return rules;
}

function authorize(state: ApiState, user: UserInfo, a: RequestAttributes): boolean {
  if (user.groups.includes('system:masters')) return true;
  return rulesFor(state, user).some((r) => ruleAllows(r, a));
}

// ---------------------------------------------------------------------------------------------
// Discovery documents

interface ResourceDef {
  readonly name: string;
  readonly singularName: string;
  readonly namespaced: boolean;
  readonly kind: string;
  readonly verbs: readonly string[];
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly group?: string;
  readonly version?: string;
}

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
const CORE_RESOURCES: readonly ResourceDef[] = [
  { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs: CRUD, shortNames: ['cm'] },
  { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['ns'] },
  { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: CRUD, shortNames: ['po'], categories: ['all'] },
  { name: 'secrets', singularName: 'secret', namespaced: true, kind: 'Secret', verbs: CRUD },
  { name: 'serviceaccounts', singularName: 'serviceaccount', namespaced: true, kind: 'ServiceAccount', verbs: CRUD, shortNames: ['sa'] },
  { name: 'serviceaccounts/token', singularName: '', namespaced: true, group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] },
];

/**
 * SelfSubjectReview is authentication.k8s.io/v1 from 1.28 and v1beta1 (on by default) in 1.27;
 * ssrVersion is undefined when it is disabled.
 */
function groupResources(ssrVersion: 'v1' | 'v1beta1' | 'v1alpha1' | undefined): Record<string, readonly ResourceDef[]> {
  const ssr: ResourceDef = { name: 'selfsubjectreviews', singularName: 'selfsubjectreview', namespaced: false, kind: 'SelfSubjectReview', verbs: ['create'] };
  return {
    'authentication.k8s.io/v1': [
      ...(ssrVersion === 'v1' ? [ssr] : []),
      { name: 'tokenreviews', singularName: 'tokenreview', namespaced: false, kind: 'TokenReview', verbs: ['create'] },
    ],
    ...(ssrVersion === 'v1beta1' ? { 'authentication.k8s.io/v1beta1': [ssr] } : {}),
    ...(ssrVersion === 'v1alpha1' ? { 'authentication.k8s.io/v1alpha1': [ssr] } : {}),
    'authorization.k8s.io/v1': [
      { name: 'localsubjectaccessreviews', singularName: 'localsubjectaccessreview', namespaced: true, kind: 'LocalSubjectAccessReview', verbs: ['create'] },
      { name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] },
      { name: 'selfsubjectrulesreviews', singularName: 'selfsubjectrulesreview', namespaced: false, kind: 'SelfSubjectRulesReview', verbs: ['create'] },
      { name: 'subjectaccessreviews', singularName: 'subjectaccessreview', namespaced: false, kind: 'SubjectAccessReview', verbs: ['create'] },
    ],
  };
}

function resourceList(groupVersion: string, resources: readonly ResourceDef[]): Record<string, unknown> {
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

function apiGroup(name: string, groups: Record<string, readonly ResourceDef[]>): Record<string, unknown> {
  const versions = Object.keys(groups)
    .filter((gv) => gv.startsWith(`${name}/`))
    .map((groupVersion) => ({ groupVersion, version: groupVersion.slice(name.length + 1) }));
  return { name, versions, preferredVersion: versions[0] };
}

// ---------------------------------------------------------------------------------------------
// Tables (meta.k8s.io/v1), as kubectl get asks for them

/** apimachinery pkg/util/duration HumanDuration, abridged. */
function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 192) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  const d = Math.floor(h / 24);
  if (d < 730) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

interface Column {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

const NAME_COLUMN: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 };
const AGE_COLUMN: Column = { name: 'Age', type: 'string', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 };

function col(name: string, description: string, priority = 0, type = 'string'): Column {
  return { name, type, format: '', description, priority };
}

function ageOf(obj: KubeObject): string {
  return humanDuration(Date.now() - Date.parse(obj.metadata.creationTimestamp));
}

type Json = Record<string, unknown>;
const asRecord = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asString = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

function tableColumns(resource: ResourceName): { columns: readonly Column[]; cells: (o: KubeObject) => unknown[] } {
  switch (resource) {
    case 'pods':
      return {
        columns: [
          NAME_COLUMN,
          col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
          col('Status', 'The aggregate status of the containers in this pod.'),
          col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
          AGE_COLUMN,
          col('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
          col('Node', "NodeName is a request to schedule this pod onto a specific node.", 1),
          col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
          col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
        ],
        cells: (o) => {
          const status = asRecord(o.status);
          const statuses = asArray(status.containerStatuses).map(asRecord);
          const containers = asArray(asRecord(o.spec).containers);
          const ready = statuses.filter((c) => c.ready === true).length;
          const restarts = statuses.reduce((n, c) => n + (typeof c.restartCount === 'number' ? c.restartCount : 0), 0);
          const phase = typeof status.phase === 'string' ? status.phase : 'Pending';
          const shown = phase === 'Succeeded' ? 'Completed' : phase;
          return [o.metadata.name, `${ready}/${containers.length}`, shown, String(restarts), ageOf(o), status.podIP ?? '<none>', asRecord(o.spec).nodeName ?? '<none>', '<none>', '<none>'];
        },
      };
    case 'secrets':
      return {
        columns: [NAME_COLUMN, col('Type', 'The type of data stored in the secret'), col('Data', 'The total number of data stored in the secret.', 0, 'integer'), AGE_COLUMN],
        cells: (o) => [o.metadata.name, o.type ?? 'Opaque', Object.keys(asRecord(o.data)).length, ageOf(o)],
      };
    case 'serviceaccounts':
      return {
        columns: [NAME_COLUMN, col('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', 0, 'integer'), AGE_COLUMN],
        cells: (o) => [o.metadata.name, asArray(o.secrets).length, ageOf(o)],
      };
    case 'configmaps':
      return {
        columns: [NAME_COLUMN, col('Data', 'Data contains the configuration data.', 0, 'integer'), AGE_COLUMN],
        cells: (o) => [o.metadata.name, Object.keys(asRecord(o.data)).length, ageOf(o)],
      };
    case 'namespaces':
      return {
        columns: [NAME_COLUMN, col('Status', 'The status of the namespace'), AGE_COLUMN],
        cells: (o) => [o.metadata.name, asRecord(o.status).phase ?? 'Active', ageOf(o)],
      };
  }
}

function toTable(resource: ResourceName, items: readonly KubeObject[], listMeta: Json): Json {
  const { columns, cells } = tableColumns(resource);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: columns,
    rows: items.map((o) => ({
      cells: cells(o),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept);
}

// ---------------------------------------------------------------------------------------------
// The server

const KIND_BY_RESOURCE: Readonly<Record<ResourceName, string>> = {
  pods: 'Pod',
  secrets: 'Secret',
  serviceaccounts: 'ServiceAccount',
  configmaps: 'ConfigMap',
  namespaces: 'Namespace',
};

function isResourceName(r: string): r is ResourceName {
  return r in KIND_BY_RESOURCE;
}

function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function redactAuthorization(value: string): string {
  const [scheme, ...rest] = value.split(' ');
  const secret = rest.join(' ');
  return `${scheme ?? ''} sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
}

interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

const answer = (status: number, body: unknown): HttpAnswer => ({ status, body });

/** Thrown from deep inside request handling to answer with a Status (413, 415, 400). */
/**
 * `?fieldSelector=`, as kube-apiserver applies it: `key=value`, `key==value` and `key!=value` terms
 * joined by commas, over the fields the resource's strategy makes selectable (metadata.name and
 * metadata.namespace for all; `type` for Secrets: pkg/registry/core/secret/strategy.go
 * SelectableFields). Any other field is a 400 (`field label not supported: …`), as there.
 */
function fieldSelectorFilter(resource: ResourceName, selector: string): (object: KubeObject) => boolean {
  const fields = (o: KubeObject): Record<string, string> => ({
    'metadata.name': o.metadata.name,
    'metadata.namespace': o.metadata.namespace ?? '',
    ...(resource === 'secrets' ? { type: typeof o['type'] === 'string' ? o['type'] : '' } : {}),
  });
  const terms = selector
    .split(',')
    .filter((term) => term !== '')
    .map((term) => {
      const match = /^([^!=]+)(!=|==|=)(.*)$/.exec(term);
      if (!match) throw answerError(400, statusBody(400, 'BadRequest', `invalid selector: '${selector}'; can't understand '${term}'`));
      return { key: match[1] ?? '', negated: match[2] === '!=', value: match[3] ?? '' };
    });
  const supported = ['metadata.name', 'metadata.namespace', ...(resource === 'secrets' ? ['type'] : [])];
  for (const term of terms) {
    if (!supported.includes(term.key)) throw answerError(400, statusBody(400, 'BadRequest', `field label not supported: ${term.key}`));
  }
  return (o) => terms.every((term) => (fields(o)[term.key] === term.value) !== term.negated);
}

const answerError = (status: number, body: unknown): Error => Object.assign(new Error('http answer'), { answer: answer(status, body) });

function answerOf(error: unknown): HttpAnswer | undefined {
  return error instanceof Error && 'answer' in error ? (error as Error & { answer: HttpAnswer }).answer : undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > 3 * 1024 * 1024) throw answerError(413, statusBody(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const pki = options.pki ?? (await generatePki());
  const host = options.host ?? '127.0.0.1';
  const prefix = (options.pathPrefix ?? '').replace(/\/+$/, '');
  const issuer = options.issuer ?? DEFAULT_ISSUER;
  const apiAudiences = options.apiAudiences ?? [issuer];
  const gitVersion = options.gitVersion ?? DEFAULT_GIT_VERSION;
  const maxExpiration = options.maxTokenExpirationSeconds ?? DEFAULT_MAX_TOKEN_EXPIRATION_SECONDS;
  const selfSubjectReview = options.selfSubjectReview ?? true;
  const minorVersion = Number.parseInt(gitVersion.replace(/^v/, '').split('.')[1] ?? '32', 10);
  const ssrVersion = selfSubjectReview === 'v1alpha1' ? 'v1alpha1' : !selfSubjectReview || minorVersion < 27 ? undefined : minorVersion >= 28 ? 'v1' : 'v1beta1';
  const groups = groupResources(ssrVersion);
  const anonymousAuth = options.anonymousAuth ?? true;
  const signer = createTokenSigner(issuer);
  const caPem = pki.ca.cert;

  let servingCa = pki.ca;
  let serving: KeyPairPem = pki.server;
  const choice = options.serverCertificate ?? 'valid';
  if (typeof choice === 'object') serving = choice;
  else if (choice === 'expired') serving = await issueExpiredServerCert(pki.ca);
  else if (choice === 'wrong-san') serving = await issueWrongSanServerCert(pki.ca);
  else if (choice === 'other-ca') {
    servingCa = await generateCa({ commonName: 'unrelated-ca' });
    serving = await issueServerCert(servingCa);
  }

  let resourceVersion = 1000;
  const nextRv = (): string => String(++resourceVersion);
  const state: ApiState = {
    objects: { pods: new Map(), secrets: new Map(), serviceaccounts: new Map(), configmaps: new Map(), namespaces: new Map() },
    rbac: new Map(),
  };
  const requests: RequestRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const watches = new Set<ServerResponse>();
  const pendingGets = new Map<string, number>(); // secret key → GETs left before the controller fills it

  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const newMeta = (name: string, namespace: string | undefined, ageMs = 0, extra: Partial<ObjectMeta> = {}): ObjectMeta => ({
    name,
    ...(namespace ? { namespace } : {}),
    uid: randomUUID(),
    resourceVersion: nextRv(),
    creationTimestamp: new Date(Math.floor((Date.now() - ageMs) / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    ...extra,
  });

  const store = (resource: ResourceName, obj: KubeObject): KubeObject => {
    state.objects[resource].set(objectKey(obj.metadata.namespace, obj.metadata.name), obj);
    return obj;
  };
  const getObject = (resource: ResourceName, namespace: string | undefined, name: string): KubeObject | undefined =>
    state.objects[resource].get(objectKey(resource === 'namespaces' ? undefined : namespace, name));

  const addConfigMapRootCa = (ns: string): void => {
    store('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: newMeta('kube-root-ca.crt', ns, 0, { annotations: { 'kubernetes.io/description': ROOT_CA_DESCRIPTION } }),
      data: { 'ca.crt': caPem },
    });
  };

  const addNamespace = (name: string, ageMs = 0): KubeObject => {
    const existing = getObject('namespaces', undefined, name);
    if (existing) return existing;
    const ns = store('namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: newMeta(name, undefined, ageMs, { labels: { 'kubernetes.io/metadata.name': name } }),
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
    addConfigMapRootCa(name);
    addServiceAccount(name, 'default', ageMs);
    return ns;
  };

  function addServiceAccount(namespace: string, name: string, ageMs = 0): KubeObject {
    const existing = getObject('serviceaccounts', namespace, name);
    if (existing) return existing;
    return store('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: newMeta(name, namespace, ageMs) });
  }

  const deleteServiceAccount = (namespace: string, name: string): boolean =>
    state.objects.serviceaccounts.delete(objectKey(namespace, name));

  const mintLegacyToken = (o: { namespace: string; serviceAccount: string; secretName: string }): string => {
    const sa = getObject('serviceaccounts', o.namespace, o.serviceAccount);
    return signJwt(
      signer,
      legacyTokenClaims({
        namespace: o.namespace,
        serviceAccount: { name: o.serviceAccount, uid: sa?.metadata.uid ?? randomUUID() },
        secretName: o.secretName,
      }),
    );
  };

  const addSecret = (s: Parameters<ApiServer['addSecret']>[0], ageMs = 0): KubeObject => {
    const data: Record<string, string> = { ...(s.dataBase64 ?? {}) };
    for (const [k, v] of Object.entries(s.data ?? {})) data[k] = b64(v);
    return store('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: newMeta(s.name, s.namespace, ageMs, s.annotations ? { annotations: { ...s.annotations } } : {}),
      ...(Object.keys(data).length > 0 ? { data } : {}),
      type: s.type ?? 'Opaque',
    });
  };

  /** tokens_controller.go syncSecret: fill token/ca.crt/namespace and the uid annotation, or delete the Secret if its SA is gone. */
  const runTokenController = (namespace: string, name: string): void => {
    const secret = getObject('secrets', namespace, name);
    if (!secret || secret.type !== SA_TOKEN_TYPE) return;
    const saName = secret.metadata.annotations?.[SA_NAME_ANNOTATION] ?? '';
    const sa = getObject('serviceaccounts', namespace, saName);
    if (!sa) {
      state.objects.secrets.delete(objectKey(namespace, name));
      return;
    }
    secret.metadata.annotations = { ...secret.metadata.annotations, [SA_UID_ANNOTATION]: sa.metadata.uid };
    secret.data = {
      ...asRecord(secret.data),
      'ca.crt': b64(caPem),
      namespace: b64(namespace),
      token: b64(mintLegacyToken({ namespace, serviceAccount: saName, secretName: name })),
    };
    secret.metadata.resourceVersion = nextRv();
  };

  const mintToken = (o: MintTokenOptions): string => {
    const sa = getObject('serviceaccounts', o.namespace, o.serviceAccount);
    const now = Math.floor(Date.now() / 1000);
    const claims = boundTokenClaims(o.issuer ?? issuer, {
      namespace: o.namespace,
      serviceAccount: { name: o.serviceAccount, uid: o.uid ?? sa?.metadata.uid ?? randomUUID() },
      audiences: o.audiences ?? apiAudiences,
      issuedAt: o.expired ? now - 7200 : (o.issuedAt ?? now),
      expirationSeconds: o.expired ? 3600 : (o.expirationSeconds ?? 3600),
      ...(o.pod ? { pod: o.pod } : {}),
    });
    return signJwt(o.wrongKey ? createTokenSigner(issuer) : signer, claims);
  };

  // ---- fixture ----
  const DAY = 86_400_000;
  addNamespace('default', 30 * DAY);
  if ((options.fixture ?? 'default') === 'default') {
    addNamespace('team-a', 20 * DAY);
    const deployer = addServiceAccount('team-a', 'deployer', 20 * DAY);
    addServiceAccount('team-a', 'viewer', 20 * DAY);
    const ci = addServiceAccount('team-a', 'ci', 10 * DAY);
    state.rbac.set(serviceAccountUsername('team-a', 'deployer'), [...DEPLOYER_RULES]);
    state.rbac.set(serviceAccountUsername('team-a', 'ci'), [...DEPLOYER_RULES]);
    addSecret({ namespace: 'team-a', name: 'deployer-token', type: SA_TOKEN_TYPE, annotations: { [SA_NAME_ANNOTATION]: 'deployer' } }, 20 * DAY);
    runTokenController('team-a', 'deployer-token');
    addSecret({ namespace: 'team-a', name: 'pending-token', type: SA_TOKEN_TYPE, annotations: { [SA_NAME_ANNOTATION]: 'deployer' } }, 60_000);
    addSecret({ namespace: 'team-a', name: 'not-a-token', type: 'Opaque', data: { username: 'app', password: 'hunter2' } }, 7 * DAY);
    addSecret({
      namespace: 'team-a',
      name: 'bad-base64-token',
      type: SA_TOKEN_TYPE,
      annotations: { [SA_NAME_ANNOTATION]: 'deployer', [SA_UID_ANNOTATION]: deployer.metadata.uid },
      dataBase64: { token: 'not*valid*base64!!', 'ca.crt': b64(caPem), namespace: b64('team-a') },
    }, 7 * DAY);
    const pod = (name: string, sa: KubeObject, ageMs: number, phase: string, restarts: number, ready: boolean, ip: string, image: string): void => {
      const app = name.split('-')[0] ?? name;
      store('pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: newMeta(name, 'team-a', ageMs, { labels: { app } }),
        spec: {
          serviceAccountName: sa.metadata.name,
          nodeName: 'node-1',
          containers: [{ name: app, image, resources: {} }],
          restartPolicy: phase === 'Succeeded' ? 'Never' : 'Always',
        },
        status: {
          phase,
          podIP: ip,
          hostIP: '10.0.0.11',
          containerStatuses: [{ name: app, image, ready, restartCount: restarts, started: ready }],
        },
      });
    };
    pod('web-6d8f7c9b5-q2x7z', deployer, 3 * DAY, 'Running', 0, true, '10.244.1.12', 'nginx:1.27');
    pod('worker-7c9d8b6f4-k8m2p', ci, 5 * 3_600_000, 'Running', 2, true, '10.244.1.13', 'busybox:1.36');
    pod('migrate-28901234-x7k2p', deployer, 2 * DAY, 'Succeeded', 0, false, '10.244.1.14', 'busybox:1.36');
    if (options.pendingToken?.afterMs !== undefined) later(options.pendingToken.afterMs, () => runTokenController('team-a', 'pending-token'));
    if (options.pendingToken?.afterGets !== undefined) pendingGets.set('team-a/pending-token', options.pendingToken.afterGets);
  }
  for (const [subject, rules] of Object.entries(options.rbac ?? {})) {
    state.rbac.set(subject, [...(state.rbac.get(subject) ?? []), ...rules]);
  }

  // ---- authentication ----
  type AuthResult = { kind: 'user'; user: UserInfo } | { kind: 'anonymous' } | { kind: 'failed' };

  const authenticateToken = (token: string): AuthResult => {
    const result = verifyJwt(token, { publicKey: signer.publicKey, issuer, audiences: apiAudiences });
    if (!result.ok) return { kind: 'failed' };
    if (result.legacy) {
      // pkg/serviceaccount/legacy.go: the Secret must still exist and hold this very token.
      const c = result.claims as LegacyClaims;
      const ns = c['kubernetes.io/serviceaccount/namespace'];
      const saName = c['kubernetes.io/serviceaccount/service-account.name'];
      const sa = getObject('serviceaccounts', ns, saName);
      const secret = getObject('secrets', ns, c['kubernetes.io/serviceaccount/secret.name']);
      const stored = typeof asRecord(secret?.data).token === 'string' ? Buffer.from(asRecord(secret?.data).token as string, 'base64').toString('utf8') : '';
      if (!sa || sa.metadata.uid !== c['kubernetes.io/serviceaccount/service-account.uid'] || stored !== token) return { kind: 'failed' };
      return { kind: 'user', user: { username: c.sub, uid: sa.metadata.uid, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] } };
    }
    const c = result.claims as BoundClaims;
    const priv = c['kubernetes.io'];
    const sa = getObject('serviceaccounts', priv.namespace, priv.serviceaccount.name);
    if (!sa || sa.metadata.uid !== priv.serviceaccount.uid) return { kind: 'failed' };
    if (priv.pod && getObject('pods', priv.namespace, priv.pod.name)?.metadata.uid !== priv.pod.uid) return { kind: 'failed' };
    if (priv.secret && getObject('secrets', priv.namespace, priv.secret.name)?.metadata.uid !== priv.secret.uid) return { kind: 'failed' };
    const extra: Record<string, string[]> = {};
    if (c.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${c.jti}`];
    if (priv.pod) {
      extra['authentication.kubernetes.io/pod-name'] = [priv.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [priv.pod.uid];
    }
    if (priv.node) {
      extra['authentication.kubernetes.io/node-name'] = [priv.node.name];
      extra['authentication.kubernetes.io/node-uid'] = [priv.node.uid];
    }
    return {
      kind: 'user',
      user: { username: c.sub, uid: sa.metadata.uid, groups: ['system:serviceaccounts', `system:serviceaccounts:${priv.namespace}`, 'system:authenticated'], extra },
    };
  };

  // The client CA is checked here rather than through the TLS server's `ca` option: OpenSSL would
  // also append that CA to the served chain, and kubeadm's apiserver.crt serves the leaf alone.
  const clientCa = new X509Certificate(pki.ca.cert);
  const clientCertTrusted = (x: X509Certificate): boolean => {
    const now = Date.now();
    return x.checkIssued(clientCa) && x.verify(clientCa.publicKey) && Date.parse(x.validFrom) <= now && now <= Date.parse(x.validTo);
  };

  const authenticate = (req: IncomingMessage): { result: AuthResult; certSubject?: string } => {
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate?.();
    const presentedCert = peer !== undefined && peer !== null && Object.keys(peer).length > 0;
    const authz = req.headers.authorization;
    // The union authenticator tries client certificates, then bearer tokens; an invalid credential
    // is an error, not anonymous (pkg/kubeapiserver/authenticator/config.go, NewFailOnError).
    if (presentedCert) {
      const x = new X509Certificate(peer.raw);
      if (!clientCertTrusted(x)) return { result: { kind: 'failed' } };
      const subject = x.subject;
      const cn = /(?:^|\n)CN=([^\n]*)/.exec(subject)?.[1] ?? '';
      const orgs = [...subject.matchAll(/(?:^|\n)O=([^\n]*)/g)].map((m) => m[1] ?? '');
      const fingerprint = createHash('sha256').update(peer.raw).digest('hex');
      return {
        certSubject: subject.replace(/\n/g, ', '),
        result: { kind: 'user', user: { username: cn, groups: [...orgs, 'system:authenticated'], extra: { 'authentication.kubernetes.io/credential-id': [`X509SHA256=${fingerprint}`] } } },
      };
    }
    if (authz !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
      if (!m?.[1]) return { result: { kind: 'failed' } };
      return { result: authenticateToken(m[1]) };
    }
    return { result: { kind: 'anonymous' } };
  };

  // ---- resource handlers ----
  const parseBody = (raw: Buffer, contentType: string | undefined): Json => {
    if (raw.length === 0) return {};
    const ct = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (ct === 'application/vnd.kubernetes.protobuf') {
      try {
        return decodeKubernetesProtobuf(raw);
      } catch (error) {
        throw answerError(415, statusBody(415, 'UnsupportedMediaType', `the body of the request could not be decoded: ${(error as Error).message}`, {}));
      }
    }
    try {
      return asRecord(JSON.parse(raw.toString('utf8')));
    } catch (error) {
      throw answerError(400, statusBody(400, 'BadRequest', `the object provided is unrecognized: json parse error: ${(error as Error).message}`));
    }
  };

  const listOf = (resource: ResourceName, namespace: string): KubeObject[] =>
    [...state.objects[resource].values()]
      .filter((o) => !namespace || o.metadata.namespace === namespace)
      .sort((a, b) => objectKey(a.metadata.namespace, a.metadata.name).localeCompare(objectKey(b.metadata.namespace, b.metadata.name)));

  const presentSecret = (o: KubeObject): KubeObject => o; // data already base64

  const handleList = (resource: ResourceName, a: RequestAttributes, query: URLSearchParams, accept: string | undefined): HttpAnswer => {
    const all = listOf(resource, a.namespace).filter(fieldSelectorFilter(resource, query.get('fieldSelector') ?? ''));
    const start = Number.parseInt(Buffer.from(query.get('continue') ?? '', 'base64').toString('utf8') || '0', 10) || 0;
    const limit = Number.parseInt(query.get('limit') ?? '0', 10);
    const items = limit > 0 ? all.slice(start, start + limit) : all.slice(start);
    const rest = all.length - start - items.length;
    const listMeta: Json = {
      resourceVersion: String(resourceVersion),
      ...(rest > 0 ? { continue: Buffer.from(String(start + items.length)).toString('base64'), remainingItemCount: rest } : {}),
    };
    if (wantsTable(accept)) return answer(200, toTable(resource, items, listMeta));
    return answer(200, { kind: `${KIND_BY_RESOURCE[resource]}List`, apiVersion: 'v1', metadata: listMeta, items });
  };

  const handleGet = (resource: ResourceName, a: RequestAttributes, accept: string | undefined): HttpAnswer => {
    if (resource === 'secrets') {
      const key = objectKey(a.namespace, a.name);
      const left = pendingGets.get(key);
      if (left !== undefined) {
        if (left <= 0) {
          pendingGets.delete(key);
          runTokenController(a.namespace, a.name);
        } else pendingGets.set(key, left - 1);
      }
    }
    const obj = getObject(resource, a.namespace, a.name);
    if (!obj) return answer(404, notFoundStatus('', resource, a.name));
    if (wantsTable(accept)) return answer(200, toTable(resource, [obj], { resourceVersion: obj.metadata.resourceVersion }));
    return answer(200, resource === 'secrets' ? presentSecret(obj) : obj);
  };

  const handleCreate = (resource: ResourceName, a: RequestAttributes, body: Json): HttpAnswer => {
    const kind = KIND_BY_RESOURCE[resource];
    const meta = asRecord(body.metadata);
    const generateName = typeof meta.generateName === 'string' ? meta.generateName : '';
    const name = typeof meta.name === 'string' && meta.name ? meta.name : generateName ? `${generateName}${randomUUID().slice(0, 5)}` : '';
    if (!name) return answer(422, invalidStatus('', kind, '', 'metadata.name', 'Required value: name or generateName is required'));
    if (typeof body.kind === 'string' && body.kind !== kind) {
      return answer(400, statusBody(400, 'BadRequest', `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (v1)`));
    }
    const namespace = resource === 'namespaces' ? undefined : a.namespace;
    if (namespace && !getObject('namespaces', undefined, namespace)) return answer(404, notFoundStatus('', 'namespaces', namespace));
    if (getObject(resource, namespace, name)) {
      return answer(409, statusBody(409, 'AlreadyExists', `${resource} "${name}" already exists`, detailsFor('', resource, name)));
    }
    const annotations = asRecord(meta.annotations) as Record<string, string>;
    const labels = asRecord(meta.labels) as Record<string, string>;
    if (resource === 'namespaces') return answer(201, addNamespace(name));
    const { metadata: _m, stringData, ...rest } = body;
    const obj: KubeObject = {
      ...rest,
      apiVersion: 'v1',
      kind,
      metadata: newMeta(name, namespace, 0, {
        ...(Object.keys(labels).length ? { labels } : {}),
        ...(Object.keys(annotations).length ? { annotations } : {}),
      }),
    };
    if (resource === 'secrets') {
      const data = { ...(asRecord(obj.data) as Record<string, string>) };
      for (const [k, v] of Object.entries(asRecord(stringData))) data[k] = b64(String(v));
      if (Object.keys(data).length > 0) obj.data = data;
      obj.type = typeof obj.type === 'string' && obj.type ? obj.type : 'Opaque';
      if (obj.type === SA_TOKEN_TYPE) {
        // core validation ValidateSecret: the SA name annotation is required at create time.
        if (!annotations[SA_NAME_ANNOTATION]) {
          return answer(422, invalidStatus('', 'Secret', name, `metadata.annotations[${SA_NAME_ANNOTATION}]`, 'Required value'));
        }
        later(options.tokenControllerDelayMs ?? 0, () => runTokenController(namespace ?? '', name));
      }
    }
    store(resource, obj);
    return answer(201, obj);
  };

  const handleDelete = (resource: ResourceName, a: RequestAttributes): HttpAnswer => {
    const obj = getObject(resource, a.namespace, a.name);
    if (!obj) return answer(404, notFoundStatus('', resource, a.name));
    state.objects[resource].delete(objectKey(resource === 'namespaces' ? undefined : a.namespace, a.name));
    if (resource === 'pods' || resource === 'secrets' || resource === 'serviceaccounts') return answer(200, obj);
    return answer(200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: a.name, kind: resource, uid: obj.metadata.uid } });
  };

  /** pkg/registry/core/serviceaccount/storage/token.go TokenREST.Create. */
  const handleTokenRequest = (a: RequestAttributes, body: Json, res: ServerResponse): HttpAnswer => {
    const sa = getObject('serviceaccounts', a.namespace, a.name);
    if (!sa) return answer(404, notFoundStatus('', 'serviceaccounts', a.name));
    const spec = asRecord(body.spec);
    const requested = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : 3600; // SetDefaults_TokenRequestSpec
    const reqName = typeof asRecord(body.metadata).name === 'string' ? (asRecord(body.metadata).name as string) : '';
    if (requested < MIN_TOKEN_EXPIRATION_SECONDS) {
      return answer(422, invalidStatus('authentication.k8s.io', 'TokenRequest', reqName, 'spec.expirationSeconds', `Invalid value: ${requested}: may not specify a duration less than 10 minutes`));
    }
    if (requested > MAX_TOKEN_EXPIRATION_SECONDS_LIMIT) {
      return answer(422, invalidStatus('authentication.k8s.io', 'TokenRequest', reqName, 'spec.expirationSeconds', `Invalid value: ${requested}: may not specify a duration larger than 2^32 seconds`));
    }
    let expirationSeconds = requested;
    if (expirationSeconds > maxExpiration) {
      res.setHeader('Warning', `299 - "requested expiration of ${requested} seconds shortened to ${maxExpiration} seconds"`);
      expirationSeconds = maxExpiration;
    }
    const audiences = asArray(spec.audiences).filter((x): x is string => typeof x === 'string');
    const effectiveAudiences = audiences.length > 0 ? audiences : [...apiAudiences];
    const ref = spec.boundObjectRef === null || spec.boundObjectRef === undefined ? undefined : asRecord(spec.boundObjectRef);
    let pod: { name: string; uid: string } | undefined;
    let secret: { name: string; uid: string } | undefined;
    let node: { name: string; uid: string } | undefined;
    if (ref) {
      const refKind = asString(ref.kind);
      const refName = asString(ref.name);
      const resourceOfKind: Record<string, ResourceName> = { Pod: 'pods', Secret: 'secrets' };
      const target = resourceOfKind[refKind];
      if (!target) {
        if (refKind === 'Node') node = { name: refName, uid: asString(ref.uid, randomUUID()) };
        else return answer(400, statusBody(400, 'BadRequest', `cannot bind token to object of type ${refKind}`));
      } else {
        const obj = getObject(target, a.namespace, refName);
        if (!obj) return answer(404, notFoundStatus('', target, refName));
        if (ref.uid && ref.uid !== obj.metadata.uid) {
          return answer(409, statusBody(409, 'Conflict', `Operation cannot be fulfilled on ${target} "${refName}": the UID in the bound object reference (${asString(ref.uid)}) does not match the UID in record. The object might have been deleted and then recreated`, detailsFor('', target, refName)));
        }
        if (target === 'pods' && asRecord(obj.spec).serviceAccountName !== a.name) {
          return answer(400, statusBody(400, 'BadRequest', `cannot bind token for serviceaccount "${a.name}" to pod running with different serviceaccount name.`));
        }
        if (target === 'pods') pod = { name: refName, uid: obj.metadata.uid };
        else secret = { name: refName, uid: obj.metadata.uid };
      }
    }
    const iat = Math.floor(Date.now() / 1000);
    // ExpirationExtensionSeconds: pod-bound 3607 s tokens for the API audiences last a year, warnafter = iat+3607.
    const extended = pod !== undefined && requested === 3607 && effectiveAudiences.every((x) => apiAudiences.includes(x));
    const claims = boundTokenClaims(issuer, {
      namespace: a.namespace,
      serviceAccount: { name: a.name, uid: sa.metadata.uid },
      audiences: effectiveAudiences,
      issuedAt: iat,
      expirationSeconds: extended ? 365 * 24 * 3600 : expirationSeconds,
      ...(pod ? { pod } : {}),
      ...(secret ? { secret } : {}),
      ...(node ? { node } : {}),
      ...(extended ? { warnAfter: iat + 3607 } : {}),
    });
    const token = signJwt(signer, claims);
    return answer(201, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: a.name, namespace: a.namespace, creationTimestamp: null },
      spec: { audiences: effectiveAudiences, expirationSeconds, boundObjectRef: ref ?? null },
      status: { token, expirationTimestamp: new Date((iat + expirationSeconds) * 1000).toISOString().replace('.000Z', 'Z') },
    });
  };

  const accessReviewAttributes = (spec: Json): RequestAttributes => {
    const ra = spec.resourceAttributes === undefined || spec.resourceAttributes === null ? undefined : asRecord(spec.resourceAttributes);
    if (ra) {
      const s = (k: string): string => (typeof ra[k] === 'string' ? (ra[k]) : '');
      return { resourceRequest: true, path: '', verb: s('verb'), apiGroup: s('group'), apiVersion: s('version'), namespace: s('namespace'), resource: s('resource'), subresource: s('subresource'), name: s('name') };
    }
    const nra = asRecord(spec.nonResourceAttributes);
    return { resourceRequest: false, path: asString(nra.path), verb: asString(nra.verb), apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '' };
  };

  const handleResourceRequest = (a: RequestAttributes, method: string, user: UserInfo, query: URLSearchParams, accept: string | undefined, body: Json, req: IncomingMessage, res: ServerResponse): HttpAnswer | 'streaming' => {
    const gv = a.apiGroup ? `${a.apiGroup}/${a.apiVersion}` : a.apiVersion;
    if (a.resource === 'selfsubjectreviews' && !a.name && (groups[gv] ?? []).some((r) => r.name === 'selfsubjectreviews')) {
      if (method !== 'POST') return answer(405, METHOD_NOT_ALLOWED);
      return answer(201, {
        kind: 'SelfSubjectReview',
        apiVersion: gv,
        metadata: { creationTimestamp: null },
        status: { userInfo: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}) } },
      });
    }
    if (gv === 'authorization.k8s.io/v1' && a.resource === 'selfsubjectaccessreviews' && !a.name) {
      if (method !== 'POST') return answer(405, METHOD_NOT_ALLOWED);
      const spec = asRecord(body.spec);
      const allowed = authorize(state, user, accessReviewAttributes(spec));
      return answer(201, {
        kind: 'SelfSubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec,
        status: { allowed, ...(allowed && !user.groups.includes('system:masters') ? { reason: 'RBAC: allowed by RoleBinding' } : {}) },
      });
    }
    if (gv === 'authorization.k8s.io/v1' && a.resource === 'selfsubjectrulesreviews' && !a.name) {
      if (method !== 'POST') return answer(405, METHOD_NOT_ALLOWED);
      const ns = asString(asRecord(body.spec).namespace);
      const master = user.groups.includes('system:masters');
      const rules = master ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }] : rulesFor(state, user);
      return answer(201, {
        kind: 'SelfSubjectRulesReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec: { namespace: ns },
        status: {
          resourceRules: rules
            .filter((r) => r.resources && (r.namespace === undefined || r.namespace === ns))
            .map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups ?? [''], resources: r.resources, ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) })),
          nonResourceRules: rules.filter((r) => r.nonResourceURLs).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
          incomplete: false,
        },
      });
    }
    if (gv !== 'v1' || !isResourceName(a.resource)) return answer(404, RESOURCE_NOT_FOUND);
    const resource = a.resource;
    if (a.subresource) {
      if (resource === 'serviceaccounts' && a.subresource === 'token') {
        return method === 'POST' ? handleTokenRequest(a, body, res) : answer(405, METHOD_NOT_ALLOWED);
      }
      return answer(404, RESOURCE_NOT_FOUND);
    }
    switch (a.verb) {
      case 'list':
        return handleList(resource, a, query, accept);
      case 'get':
        return handleGet(resource, a, accept);
      case 'watch': {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
        res.flushHeaders(); // else kubectl waits for the first event
        watches.add(res);
        req.on('close', () => watches.delete(res));
        if (query.get('sendInitialEvents') !== 'false' && !query.get('resourceVersion')) {
          for (const o of listOf(resource, a.namespace).filter((o) => !a.name || o.metadata.name === a.name)) {
            const object = wantsTable(accept) ? toTable(resource, [o], { resourceVersion: o.metadata.resourceVersion }) : o;
            res.write(`${JSON.stringify({ type: 'ADDED', object })}\n`);
          }
        }
        return 'streaming';
      }
      case 'create':
        if (a.name) return answer(405, METHOD_NOT_ALLOWED);
        return handleCreate(resource, a, body);
      case 'delete':
        return handleDelete(resource, a);
      default:
        return answer(405, METHOD_NOT_ALLOWED);
    }
  };

  const handleNonResource = (path: string, method: string, address: string): HttpAnswer | { text: string; contentType: string; status: number } => {
    if (method !== 'GET' && method !== 'HEAD') return answer(405, METHOD_NOT_ALLOWED);
    const [major = '1', minor = '32'] = gitVersion.replace(/^v/, '').split('.');
    switch (path) {
      case '/version':
      case '/version/':
        return answer(200, {
          major,
          minor,
          gitVersion,
          gitCommit: '59526cd4867447956156ae3a602fcbac5fc1dfa8',
          gitTreeState: 'clean',
          buildDate: '2025-04-22T15:59:29Z',
          goVersion: 'go1.23.8',
          compiler: 'gc',
          platform: 'linux/amd64',
        });
      case '/healthz':
      case '/livez':
      case '/readyz':
        return { status: 200, text: 'ok', contentType: 'text/plain; charset=utf-8' };
      case '/api':
        return answer(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: address }] });
      case '/api/v1':
        return answer(200, resourceList('v1', CORE_RESOURCES));
      case '/apis':
        return answer(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [apiGroup('authentication.k8s.io', groups), apiGroup('authorization.k8s.io', groups)] });
      case '/openapi/v3':
        return answer(200, { paths: {} });
      case '/openapi/v2':
        // An empty proto-openapi Document is zero bytes; kubectl create -f only needs the download to work.
        return { status: 200, text: '', contentType: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf' };
      default: {
        const g = /^\/apis\/([^/]+)(?:\/([^/]+))?\/?$/.exec(path);
        if (g?.[1] && `${g[1]}/v1` in groups) {
          if (!g[2]) return answer(200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g[1], groups) });
          const list = groups[`${g[1]}/${g[2]}`];
          if (list) return answer(200, resourceList(`${g[1]}/${g[2]}`, list));
        }
        if (path.startsWith('/api/') || path.startsWith('/apis/')) return answer(404, RESOURCE_NOT_FOUND);
        return { status: 404, text: '404 page not found\n', contentType: 'text/plain; charset=utf-8' };
      }
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'https://emulated.invalid');
    const method = req.method ?? 'GET';
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined) continue;
      const value = Array.isArray(v) ? v.join(', ') : v;
      headers[k] = k === 'authorization' ? redactAuthorization(value) : value;
    }
    const inPrefix = !prefix || url.pathname === prefix || url.pathname.startsWith(`${prefix}/`);
    const path = inPrefix ? url.pathname.slice(prefix.length) || '/' : url.pathname;
    const record: RequestRecord = {
      method,
      path,
      rawUrl,
      query: Object.fromEntries(url.searchParams),
      headers,
      ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
      hasAuthorization: req.headers.authorization !== undefined,
      user: null,
      status: 0,
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
      ...(req.headers.accept ? { accept: req.headers.accept } : {}),
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
    };
    requests.push(record);

    const reply = (status: number, body: unknown): void => {
      record.status = status;
      if (typeof body === 'object' && body !== null) {
        res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Audit-Id': randomUUID() });
        res.end(method === 'HEAD' ? undefined : JSON.stringify(body));
      }
    };
    const replyText = (status: number, text: string, contentType: string): void => {
      record.status = status;
      res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private', 'X-Content-Type-Options': 'nosniff' });
      res.end(method === 'HEAD' ? undefined : text);
    };

    try {
      const raw = await readBody(req);
      if (!inPrefix) return replyText(404, '404 page not found\n', 'text/plain; charset=utf-8');
      const location = options.redirects?.[path];
      if (location !== undefined) {
        record.status = 302;
        res.writeHead(302, { Location: location, 'Content-Type': 'text/html; charset=utf-8' });
        res.end(`<a href="${location}">Found</a>.\n`);
        return;
      }
      const { result, certSubject } = authenticate(req);
      if (certSubject) (record as { clientCertificate?: string }).clientCertificate = certSubject;
      if (result.kind === 'failed' || (result.kind === 'anonymous' && !anonymousAuth)) return reply(401, UNAUTHORIZED_STATUS);
      const user: UserInfo = result.kind === 'user' ? result.user : { username: 'system:anonymous', groups: ['system:unauthenticated'] };
      record.user = result.kind === 'user' ? user : null;
      const attrs = requestAttributes(method, path, url.searchParams);
      record.attributes = attrs;
      if (!authorize(state, user, attrs)) return reply(403, forbiddenStatus(user.username, attrs));
      if (!attrs.resourceRequest) {
        const page = handleNonResource(path, method, `${host.includes(':') ? `[${host}]` : host}:${port}`);
        if ('text' in page) return replyText(page.status, page.text, page.contentType);
        return reply(page.status, page.body);
      }
      const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? parseBody(raw, req.headers['content-type']) : {};
      if (raw.length > 0) record.body = body;
      const outcome = handleResourceRequest(attrs, method, user, url.searchParams, req.headers.accept, body, req, res);
      if (outcome === 'streaming') {
        record.status = 200;
        return;
      }
      reply(outcome.status, outcome.body);
    } catch (error) {
      const known = answerOf(error);
      if (known) return reply(known.status, known.body);
      reply(500, statusBody(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`));
    }
  };

  const server = createHttpsServer(
    {
      cert: serving.cert,
      key: serving.key,
      requestCert: true,
      rejectUnauthorized: false, // bad client certs must reach the handler: the API server answers 401
    },
    (req, res) => void handle(req, res),
  );
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port ?? 0, ipv6Only: false }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '::' || host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `https://${urlHost}:${port}${prefix}`;

  const yamlString = (s: string): string => JSON.stringify(s);
  const kubeconfig: ApiServer['kubeconfig'] = (auth, o = {}) => {
    const name = o.name ?? 'emulated';
    const userLines =
      'token' in auth
        ? [`    token: ${yamlString(auth.token)}`]
        : (() => {
            const pair = 'admin' in auth ? pki.admin : auth.clientCert;
            return [`    client-certificate-data: ${pemToBase64(pair.cert)}`, `    client-key-data: ${pemToBase64(pair.key)}`];
          })();
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: ${yamlString(name)}`,
      '  cluster:',
      `    server: ${yamlString(url)}`,
      `    certificate-authority-data: ${pemToBase64(caPem)}`,
      'contexts:',
      `- name: ${yamlString(name)}`,
      '  context:',
      `    cluster: ${yamlString(name)}`,
      `    user: ${yamlString(name)}`,
      ...(o.namespace ? [`    namespace: ${yamlString(o.namespace)}`] : []),
      `current-context: ${yamlString(name)}`,
      'preferences: {}',
      'users:',
      `- name: ${yamlString(name)}`,
      '  user:',
      ...userLines,
      '',
    ].join('\n');
  };

  return {
    url,
    host,
    port,
    pki,
    servingCa,
    caPem,
    signer,
    requests,
    state,
    mintToken,
    mintLegacyToken,
    addNamespace: (name) => addNamespace(name),
    addServiceAccount: (namespace, name) => addServiceAccount(namespace, name),
    deleteServiceAccount,
    addSecret: (secret) => addSecret(secret),
    getObject,
    setRules: (subject, rules) => void state.rbac.set(subject, [...rules]),
    kubeconfig,
    // The dispatcher's preflight carries the kubeconfig's credentials (observed), not anonymous.
    apiRequests: () => requests.filter((r) => !(r.path === '/version' && (r.userAgent ?? '').startsWith('kubectl-dispatcher'))),
    clearRequests: () => void requests.splice(0, requests.length),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const w of watches) w.end();
      watches.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** A client certificate for an arbitrary identity, signed by the server's CA (or any CA). */
export async function clientCertFor(ca: CertificateAuthority, commonName: string, organizations: readonly string[] = []): Promise<KeyPairPem> {
  return issueClientCert(ca, { commonName, organizations });
}

// ---------------------------------------------------------------------------------------------
// Helpers for probe tests

export interface BlackholeServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** Number of TCP connections accepted (and never answered). */
  readonly connections: () => number;
  close(): Promise<void>;
}

/** Accepts TCP connections and never sends a byte (a TLS handshake or HTTP request then times out). */
export async function startBlackholeServer(host = '127.0.0.1'): Promise<BlackholeServer> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createNetServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    host,
    port,
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    connections: () => count,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ConnectProxy {
  readonly url: string;
  readonly port: number;
  /** `host:port` of every CONNECT request, in order. */
  readonly connects: string[];
  /** Proxy-Authorization header values received (raw; never print them). */
  readonly proxyAuthorizations: string[];
  close(): Promise<void>;
}

/** A minimal HTTP CONNECT proxy (what `proxy-url: http://…` in a kubeconfig talks to). `refuse` answers 403. */
export async function startConnectProxy(options: { refuse?: boolean } = {}): Promise<ConnectProxy> {
  const connects: string[] = [];
  const proxyAuthorizations: string[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((_req, res) => {
    res.writeHead(405, { 'Content-Type': 'text/plain' });
    res.end('only CONNECT is supported\n');
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    connects.push(target);
    if (req.headers['proxy-authorization']) proxyAuthorizations.push(req.headers['proxy-authorization']);
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (options.refuse) {
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
    if (!m?.[1] || !m[2]) {
      client.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = netConnect(Number(m[2]), m[1], () => {
      client.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects,
    proxyAuthorizations,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export interface SocksProxy {
  readonly url: string;
  readonly port: number;
  /** Each CONNECT's destination as the client sent it: `name:port` (address type 3) or `ip:port`. */
  readonly connects: string[];
  close(): Promise<void>;
}

/**
 * A minimal SOCKS5 proxy (RFC 1928, CONNECT only; RFC 1929 username/password when `credentials`
 * is given, and then required), what `proxy-url: socks5://…` (an `ssh -D` tunnel) talks to.
 * `refuse` answers every CONNECT with reply 2, "connection not allowed by ruleset". A name is
 * resolved here, on the proxy's side, as a SOCKS server does.
 */
export async function startSocksProxy(options: { readonly credentials?: { readonly username: string; readonly password: string }; readonly refuse?: boolean } = {}): Promise<SocksProxy> {
  const connects: string[] = [];
  const sockets = new Set<Socket>();
  const server = createNetServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let phase: 'greeting' | 'auth' | 'request' | 'done' = 'greeting';
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (phase === 'greeting') {
          if (buffered.length < 2 || buffered.length < 2 + (buffered[1] ?? 0)) return;
          const methods = [...buffered.subarray(2, 2 + (buffered[1] ?? 0))];
          buffered = buffered.subarray(2 + (buffered[1] ?? 0));
          const wanted = options.credentials ? 2 : 0;
          if (!methods.includes(wanted)) return void client.end(Buffer.from([5, 0xff]));
          client.write(Buffer.from([5, wanted]));
          phase = options.credentials ? 'auth' : 'request';
        } else if (phase === 'auth') {
          const userLength = buffered[1] ?? 0;
          if (buffered.length < 2 + userLength + 1) return;
          const passwordLength = buffered[2 + userLength] ?? 0;
          if (buffered.length < 3 + userLength + passwordLength) return;
          const username = buffered.subarray(2, 2 + userLength).toString('utf8');
          const password = buffered.subarray(3 + userLength, 3 + userLength + passwordLength).toString('utf8');
          buffered = buffered.subarray(3 + userLength + passwordLength);
          const ok = username === options.credentials?.username && password === options.credentials.password;
          if (!ok) return void client.end(Buffer.from([1, 1]));
          client.write(Buffer.from([1, 0]));
          phase = 'request';
        } else if (phase === 'request') {
          if (buffered.length < 5) return;
          const type = buffered[3];
          const addressLength = type === 1 ? 4 : type === 4 ? 16 : 1 + (buffered[4] ?? 0);
          if (buffered.length < 4 + addressLength + 2) return;
          const raw = buffered.subarray(4, 4 + addressLength);
          const host = type === 1 ? [...raw].join('.') : type === 4 ? (raw.toString('hex').match(/.{4}/g) ?? []).join(':') : raw.subarray(1).toString('utf8');
          const port = buffered.readUInt16BE(4 + addressLength);
          buffered = buffered.subarray(4 + addressLength + 2);
          connects.push(`${type === 4 ? `[${host}]` : host}:${port}`);
          phase = 'done';
          client.off('data', onData);
          const answer = (code: number) => Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
          if (options.refuse) return void client.end(answer(2));
          const upstream = netConnect(port, host === 'localhost' ? '127.0.0.1' : host, () => {
            client.write(answer(0));
            if (buffered.length > 0) upstream.write(buffered);
            upstream.pipe(client);
            client.pipe(upstream);
          });
          sockets.add(upstream);
          upstream.on('close', () => sockets.delete(upstream));
          upstream.on('error', () => client.end(answer(5)));
          return;
        } else {
          return;
        }
      }
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const auth = options.credentials ? `${encodeURIComponent(options.credentials.username)}:${encodeURIComponent(options.credentials.password)}@` : '';
  return {
    url: `socks5://${auth}127.0.0.1:${port}`,
    port,
    connects,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
