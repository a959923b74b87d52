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
  'certificate-authority-data': optionalString,
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
  'client-certificate-data': optionalString,
  'client-key': optionalString,
  'client-key-data': optionalString,
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

const namedCluster = { name: isString, cluster: nullable(object(cluster)) };
const namedUser = { name: isString, user: nullable(object(user)) };
const namedContext = { name: isString, context: nullable(object(context)) };

const kubeconfig = {
  apiVersion: optionalString,
  kind: optionalString,
  preferences: nullable(object({})),
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
  namedClusterSchema: namedCluster,
  namedUserSchema: namedUser,
  namedContextSchema: namedContext,
  kubeconfigSchema: kubeconfig,
};

/** Whether a table's check is that of a plain string or boolean field (codec.ts drops their nulls). */
export function isScalarCheck(check: unknown): boolean {
  return check === optionalString || check === optionalBoolean;
}

const matchesKubeconfig = object(kubeconfig);

export function matchesKubeconfigShape(document: unknown): document is Kubeconfig {
  return matchesKubeconfig(document);
}
