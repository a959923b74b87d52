// The kubeconfig v1 wire format (client-go tools/clientcmd/api/v1/types.go), as zod/mini schemas.
// Lenient on read: every stanza is a looseObject, so exec blocks, extensions and keys we do not know
// survive a read-modify-write untouched (client-go itself drops unknown keys; we keep them on purpose).
// zod/mini rather than full zod: the same checks at a quarter of the import cost
// (../shared/reference/startup-costs.md).
import * as z from '../validation.js';

/**
 * The schemas, built on first use: constructing these ~60 zod schemas cost 1.3 ms here (Node
 * 20.20), a fifth of what all of init may add to `node -e 0`, and init into a new kubeconfig never
 * parses one.
 */
function defineSchemas() {
  // One instance per shape, shared by every field: zod schemas are immutable, and each costs
  // construction time.
  const optionalString = z.optional(z.string());
  const optionalBoolean = z.optional(z.boolean());
  const namedExtension = z.looseObject({ name: z.string(), extension: z.optional(z.unknown()) });
  const extensions = z.optional(z.nullable(z.array(namedExtension)));

  const clusterSchema = z.looseObject({
    server: optionalString,
    'tls-server-name': optionalString,
    'insecure-skip-tls-verify': optionalBoolean,
    'certificate-authority': optionalString,
    'certificate-authority-data': optionalString,
    'proxy-url': optionalString,
    'disable-compression': optionalBoolean,
    extensions,
  });

  const execConfigSchema = z.looseObject({
    command: optionalString,
    args: z.optional(z.nullable(z.array(z.string()))),
    env: z.optional(z.nullable(z.array(z.looseObject({ name: z.string(), value: optionalString })))),
    apiVersion: optionalString,
    installHint: optionalString,
    provideClusterInfo: optionalBoolean,
    interactiveMode: optionalString,
  });

  const authProviderSchema = z.looseObject({
    name: z.string(),
    config: z.optional(z.nullable(z.record(z.string(), z.string()))),
  });

  const userSchema = z.looseObject({
    'client-certificate': optionalString,
    'client-certificate-data': optionalString,
    'client-key': optionalString,
    'client-key-data': optionalString,
    token: optionalString,
    // client-go's wire key is tokenFile (camelCase), unlike every other key (api/v1/types.go).
    tokenFile: optionalString,
    as: optionalString,
    'as-uid': optionalString,
    'as-groups': z.optional(z.nullable(z.array(z.string()))),
    // A key without values is null to kubectl, and stays so.
    'as-user-extra': z.optional(z.nullable(z.record(z.string(), z.nullable(z.array(z.string()))))),
    username: optionalString,
    password: optionalString,
    'auth-provider': z.optional(z.nullable(authProviderSchema)),
    exec: z.optional(z.nullable(execConfigSchema)),
    extensions,
  });

  const contextSchema = z.looseObject({
    cluster: optionalString,
    user: optionalString,
    namespace: optionalString,
    extensions,
  });

  // client-go api/v1 Preferences: colors and extensions (a string in colors makes kubectl refuse the file).
  const preferencesSchema = z.looseObject({ colors: optionalBoolean, extensions });

  const namedClusterSchema = z.looseObject({ name: z.string(), cluster: z.optional(z.nullable(clusterSchema)) });
  const namedUserSchema = z.looseObject({ name: z.string(), user: z.optional(z.nullable(userSchema)) });
  const namedContextSchema = z.looseObject({ name: z.string(), context: z.optional(z.nullable(contextSchema)) });

  const kubeconfigSchema = z.looseObject({
    apiVersion: optionalString,
    kind: optionalString,
    preferences: z.optional(z.nullable(preferencesSchema)),
    clusters: z.optional(z.nullable(z.array(namedClusterSchema))),
    users: z.optional(z.nullable(z.array(namedUserSchema))),
    contexts: z.optional(z.nullable(z.array(namedContextSchema))),
    'current-context': z.optional(z.nullable(z.string())),
    extensions,
  });

  return { clusterSchema, execConfigSchema, authProviderSchema, userSchema, contextSchema, preferencesSchema, namedClusterSchema, namedUserSchema, namedContextSchema, kubeconfigSchema };
}

type KubeconfigSchemas = ReturnType<typeof defineSchemas>;
let schemas: KubeconfigSchemas | undefined;

export function kubeconfigSchemas(): KubeconfigSchemas {
  schemas ??= defineSchemas();
  return schemas;
}

export type Cluster = z.infer<KubeconfigSchemas['clusterSchema']>;
export type User = z.infer<KubeconfigSchemas['userSchema']>;
export type Context = z.infer<KubeconfigSchemas['contextSchema']>;
export type ExecConfig = z.infer<KubeconfigSchemas['execConfigSchema']>;
export type NamedCluster = z.infer<KubeconfigSchemas['namedClusterSchema']>;
export type NamedUser = z.infer<KubeconfigSchemas['namedUserSchema']>;
export type NamedContext = z.infer<KubeconfigSchemas['namedContextSchema']>;
export type Kubeconfig = z.infer<KubeconfigSchemas['kubeconfigSchema']>;
