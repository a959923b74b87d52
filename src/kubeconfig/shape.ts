// The kubeconfig schema (schema.ts) as plain checks, for reader.ts: true only for a document the
// zod schema accepts as it is. Anything else, however harmless, goes to the schema, which decides
// and says what is wrong. One table per stanza, field by field as in schema.ts;
// test/unit/kubeconfig/reader.test.ts fails when a table and its zod object name different
// fields, and holds the checks to zod on generated documents.
import type { Kubeconfig } from './schema.js';

type Check = (value: unknown) => boolean;

const isString: Check = (value) => typeof value === 'string';
const optionalString: Check = (value) => value === undefined || typeof value === 'string';
const optionalBoolean: Check = (value) => value === undefined || typeof value === 'boolean';

/**
 * What kubectl can decode into a []byte field (encoding/json: base64.StdEncoding, padded; "\r"
 * and "\n" are skipped anywhere). Anything else and kubectl refuses the whole file ("illegal
 * base64 data at input byte N").
 */
export function isGoBase64(value: string): boolean {
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value.replace(/[\r\n]/g, ''));
}
const optionalBase64: Check = (value) => value === undefined || (typeof value === 'string' && isGoBase64(value));

/** The []byte fields of a kubeconfig, by stanza. */
export const BASE64_FIELDS = { cluster: ['certificate-authority-data'], user: ['client-certificate-data', 'client-key-data'] } as const;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A looseObject of these fields: keys not named here may hold anything. */
function object(fields: Readonly<Record<string, Check>>): Check {
  const entries = Object.entries(fields);
  return (value) => isRecord(value) && entries.every(([key, check]) => check(value[key]));
}

/** Absent, null, or what `check` accepts: zod's optional(nullable(…)). */
function nullable(check: Check): Check {
  return (value) => value === undefined || value === null || check(value);
}

function listOf(check: Check): Check {
  return (value) => Array.isArray(value) && value.every(check);
}

/** record(string, …): every value (a YAML mapping's keys are strings). */
function recordOf(check: Check): Check {
  return (value) => isRecord(value) && Object.values(value).every(check);
}

const extensions = nullable(listOf(object({ name: isString, extension: () => true })));

const cluster = {
  server: optionalString,
  'tls-server-name': optionalString,
  'insecure-skip-tls-verify': optionalBoolean,
  'certificate-authority': optionalString,
  'certificate-authority-data': optionalBase64,
  'proxy-url': optionalString,
  'disable-compression': optionalBoolean,
  extensions,
};

const execConfig = {
  command: optionalString,
  args: nullable(listOf(isString)),
  env: nullable(listOf(object({ name: isString, value: optionalString }))),
  apiVersion: optionalString,
  installHint: optionalString,
  provideClusterInfo: optionalBoolean,
  interactiveMode: optionalString,
};

const authProvider = { name: isString, config: nullable(recordOf(isString)) };

const user = {
  'client-certificate': optionalString,
  'client-certificate-data': optionalBase64,
  'client-key': optionalString,
  'client-key-data': optionalBase64,
  token: optionalString,
  tokenFile: optionalString,
  as: optionalString,
  'as-uid': optionalString,
  'as-groups': nullable(listOf(isString)),
  'as-user-extra': nullable(recordOf(nullable(listOf(isString)))),
  username: optionalString,
  password: optionalString,
  'auth-provider': nullable(object(authProvider)),
  exec: nullable(object(execConfig)),
  extensions,
};

const context = { cluster: optionalString, user: optionalString, namespace: optionalString, extensions };

const preferences = { colors: optionalBoolean, extensions };

const namedCluster = { name: isString, cluster: nullable(object(cluster)) };
const namedUser = { name: isString, user: nullable(object(user)) };
const namedContext = { name: isString, context: nullable(object(context)) };

const kubeconfig = {
  apiVersion: optionalString,
  kind: optionalString,
  preferences: nullable(object(preferences)),
  clusters: nullable(listOf(object(namedCluster))),
  users: nullable(listOf(object(namedUser))),
  contexts: nullable(listOf(object(namedContext))),
  'current-context': nullable(isString),
  extensions,
};

/** The tables by the name of the schema.ts schema each mirrors (for the test that compares them). */
export const SHAPES: Readonly<Record<string, Readonly<Record<string, Check>>>> = {
  clusterSchema: cluster,
  execConfigSchema: execConfig,
  authProviderSchema: authProvider,
  userSchema: user,
  contextSchema: context,
  preferencesSchema: preferences,
  namedClusterSchema: namedCluster,
  namedUserSchema: namedUser,
  namedContextSchema: namedContext,
  kubeconfigSchema: kubeconfig,
};

/** Whether a table's check is that of a plain string or boolean field (codec.ts drops their nulls). */
export function isScalarCheck(check: unknown): boolean {
  return check === optionalString || check === optionalBoolean || check === optionalBase64;
}

/**
 * The first list holding two entries of one name, where client-go refuses the file
 * (api/v1/conversion.go, "duplicate name %q in list"): clusters, users, contexts, and every
 * extensions list (each stanza's, the top-level one, preferences').
 */
export function findDuplicateName(config: Kubeconfig): { readonly name: string; readonly where: string } | undefined {
  const lists: [readonly unknown[] | null | undefined, string][] = [];
  for (const list of ['clusters', 'users', 'contexts'] as const) {
    const entries = config[list] ?? [];
    lists.push([entries, list]);
    for (const entry of entries) {
      const body = (entry as Record<string, unknown>)[list.slice(0, -1)];
      if (isRecord(body)) lists.push([body['extensions'] as readonly unknown[] | null | undefined, `the extensions of ${list.slice(0, -1)} "${entry.name}"`]);
    }
  }
  lists.push([config.extensions, 'extensions']);
  if (isRecord(config.preferences)) lists.push([config.preferences['extensions'], 'preferences.extensions']);
  for (const [entries, where] of lists) {
    const seen = new Set<unknown>();
    for (const entry of entries ?? []) {
      const name = isRecord(entry) ? entry['name'] : undefined;
      if (seen.has(name)) return { name: String(name), where };
      seen.add(name);
    }
  }
  return undefined;
}

const matchesKubeconfig = object(kubeconfig);

export function matchesKubeconfigShape(document: unknown): document is Kubeconfig {
  return matchesKubeconfig(document);
}
