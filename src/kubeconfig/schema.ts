// The kubeconfig v1 wire format (client-go tools/clientcmd/api/v1/types.go), as zod/mini schemas.
// Lenient on read: every stanza is a looseObject, so exec blocks, extensions and keys we do not know
// survive a read-modify-write untouched (client-go itself drops unknown keys; we keep them on purpose).
// zod/mini rather than full zod: the same checks at a quarter of the import cost
// (../shared/reference/startup-costs.md).
import * as z from 'zod/mini';

const namedExtension = z.looseObject({ name: z.string(), extension: z.optional(z.unknown()) });
const extensions = z.optional(z.nullable(z.array(namedExtension)));

export const clusterSchema = z.looseObject({
  server: z.optional(z.string()),
  'tls-server-name': z.optional(z.string()),
  'insecure-skip-tls-verify': z.optional(z.boolean()),
  'certificate-authority': z.optional(z.string()),
  'certificate-authority-data': z.optional(z.string()),
  'proxy-url': z.optional(z.string()),
  'disable-compression': z.optional(z.boolean()),
  extensions,
});

export const execConfigSchema = z.looseObject({
  command: z.optional(z.string()),
  args: z.optional(z.nullable(z.array(z.string()))),
  env: z.optional(z.nullable(z.array(z.looseObject({ name: z.string(), value: z.optional(z.string()) })))),
  apiVersion: z.optional(z.string()),
  installHint: z.optional(z.string()),
  provideClusterInfo: z.optional(z.boolean()),
  interactiveMode: z.optional(z.string()),
});

export const authProviderSchema = z.looseObject({
  name: z.string(),
  config: z.optional(z.nullable(z.record(z.string(), z.string()))),
});

export const userSchema = z.looseObject({
  'client-certificate': z.optional(z.string()),
  'client-certificate-data': z.optional(z.string()),
  'client-key': z.optional(z.string()),
  'client-key-data': z.optional(z.string()),
  token: z.optional(z.string()),
  // client-go's wire key is tokenFile (camelCase), unlike every other key (api/v1/types.go).
  tokenFile: z.optional(z.string()),
  as: z.optional(z.string()),
  'as-uid': z.optional(z.string()),
  'as-groups': z.optional(z.nullable(z.array(z.string()))),
  'as-user-extra': z.optional(z.nullable(z.record(z.string(), z.array(z.string())))),
  username: z.optional(z.string()),
  password: z.optional(z.string()),
  'auth-provider': z.optional(z.nullable(authProviderSchema)),
  exec: z.optional(z.nullable(execConfigSchema)),
  extensions,
});

export const contextSchema = z.looseObject({
  cluster: z.optional(z.string()),
  user: z.optional(z.string()),
  namespace: z.optional(z.string()),
  extensions,
});

export const namedClusterSchema = z.looseObject({ name: z.string(), cluster: z.optional(z.nullable(clusterSchema)) });
export const namedUserSchema = z.looseObject({ name: z.string(), user: z.optional(z.nullable(userSchema)) });
export const namedContextSchema = z.looseObject({ name: z.string(), context: z.optional(z.nullable(contextSchema)) });

export const kubeconfigSchema = z.looseObject({
  apiVersion: z.optional(z.string()),
  kind: z.optional(z.string()),
  preferences: z.optional(z.nullable(z.looseObject({}))),
  clusters: z.optional(z.nullable(z.array(namedClusterSchema))),
  users: z.optional(z.nullable(z.array(namedUserSchema))),
  contexts: z.optional(z.nullable(z.array(namedContextSchema))),
  'current-context': z.optional(z.nullable(z.string())),
  extensions,
});

export type Cluster = z.infer<typeof clusterSchema>;
export type User = z.infer<typeof userSchema>;
export type Context = z.infer<typeof contextSchema>;
export type ExecConfig = z.infer<typeof execConfigSchema>;
export type NamedCluster = z.infer<typeof namedClusterSchema>;
export type NamedUser = z.infer<typeof namedUserSchema>;
export type NamedContext = z.infer<typeof namedContextSchema>;
export type Kubeconfig = z.infer<typeof kubeconfigSchema>;

/** The three stanza kinds, with their list key and entry key on the wire. */
export const STANZAS = {
  cluster: { list: 'clusters', entry: 'cluster' },
  user: { list: 'users', entry: 'user' },
  context: { list: 'contexts', entry: 'context' },
} as const;
export type StanzaKind = keyof typeof STANZAS;
