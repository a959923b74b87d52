// `sa-kubeconfig init`: the service-account mount → cluster, user and context entries. Its flags
// and its action, without commander: main.ts runs a plain `init` command line straight from here
// (flag-spec.ts says why); init-command.ts makes it a commander command for everything else.
import type { CommandContext } from '../context.js';
import { formatDuration } from '../duration.js';
import { formatTimestamp } from '../timestamp.js';
import { CliError } from '../errors.js';
import { buildServiceAccountEntries, defaultEntryNames } from '../kubeconfig/entry.js';
import { renderStandaloneKubeconfig, writeServiceAccountEntries } from '../kubeconfig/store.js';
import { DEFAULT_SA_DIR, readServiceAccountDir, validateInClusterServerUrl, validateNamespace, validateServerUrl } from '../serviceaccount/read.js';
import { decodeTokenClaims, describeOpaque, serviceAccountUsername } from '../serviceaccount/token.js';
import type { FlagSpec } from './flag-spec.js';
import {
  ENTRY_FLAGS,
  checkOutputCombination,
  lockTimeoutMs,
  reportWrite,
  resolveEntryNames,
  summarize,
  type EntryOptions,
} from './entry-options.js';

export interface InitOptions extends EntryOptions {
  readonly saDir: string;
  readonly server?: string;
  readonly namespace?: string;
  readonly embed?: boolean;
  readonly insecureAllowHttp?: boolean;
}

/** init's own flags, then the shared ones, in --help's order. */
export const INIT_FLAGS: readonly FlagSpec[] = [
  { long: 'sa-dir', value: 'dir', description: 'service-account mount to read token, ca.crt and namespace from', defaultValue: DEFAULT_SA_DIR },
  { long: 'server', value: 'url', description: 'API server URL (default: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, else https://kubernetes.default.svc)' },
  { long: 'insecure-allow-http', description: 'accept an http:// --server (kubectl sends no credentials over http)' },
  { long: 'namespace', short: 'n', value: 'namespace', description: 'namespace of the context (default: the mounted namespace)' },
  { long: 'embed', description: 'embed token and CA data instead of referencing the mounted files (the token then stops rotating)' },
  ...ENTRY_FLAGS,
];

export async function runInit(ctx: CommandContext, options: InitOptions): Promise<void> {
  const format = checkOutputCombination(options);
  const { deps } = ctx;
  const lockTimeout = lockTimeoutMs(options);
  // An empty path would be the working directory, silently.
  if (options.saDir === '') throw new CliError('ERR_BAD_FLAG_VALUE', '--sa-dir must name a directory', { hint: `leave it out for ${DEFAULT_SA_DIR}` });
  const mount = await readServiceAccountDir(deps, options.saDir);
  ctx.secrets.add(mount.token);
  const claims = await decodeTokenClaims(mount.token);
  if (claims.kind === 'opaque') ctx.warn(`the token in ${mount.tokenPath} is ${describeOpaque(claims)}; the service account cannot be named from it`);

  const urlOptions = { allowInsecureHttp: Boolean(options.insecureAllowHttp), insecureFlag: '--insecure-allow-http' };
  const server = options.server === undefined ? validateInClusterServerUrl(deps.env, urlOptions) : validateServerUrl(options.server, urlOptions);
  if (server.insecureHttp) ctx.warn(`server ${server.url} is plain http: kubectl will not send the token to it`);

  let namespace = options.namespace === undefined ? mount.namespace : validateNamespace(options.namespace, '--namespace', 'ERR_BAD_FLAG_VALUE');
  if (namespace === undefined) {
    namespace = deps.env['POD_NAMESPACE'] ? validateNamespace(deps.env['POD_NAMESPACE'], 'POD_NAMESPACE') : 'default';
    ctx.warn(`no namespace file in ${mount.dir}; using namespace "${namespace}"`);
  }

  const embed = Boolean(options.embed || options.stdout);
  const serviceAccount = claims.kind === 'jwt' ? claims.serviceAccount : undefined;
  const names = resolveEntryNames(
    defaultEntryNames({ server: server.url, namespace: (claims.kind === 'jwt' ? claims.namespace : undefined) ?? namespace, ...(serviceAccount ? { serviceAccount } : {}) }),
    options,
  );
  const entries = buildServiceAccountEntries({
    names,
    server: server.url,
    namespace,
    ca: embed ? { kind: 'data', pem: mount.caPem } : { kind: 'file', path: mount.caPath },
    credential: embed ? { kind: 'token', token: mount.token } : { kind: 'tokenFile', path: mount.tokenPath },
  });

  const expiresAt = claims.kind === 'jwt' ? claims.expiresAt : undefined;
  if (expiresAt) {
    const left = expiresAt.getTime() - deps.now().getTime();
    if (left <= 0) ctx.warn(`the token expired at ${formatTimestamp(expiresAt)}; the API server will refuse it`);
    else if (embed) ctx.warn(`the embedded token expires in ${formatDuration(left)} (${formatTimestamp(expiresAt)}) and will not rotate`);
  }

  if (options.stdout) {
    ctx.writeSecretOutput(await renderStandaloneKubeconfig(entries));
    return;
  }
  const result = await writeServiceAccountEntries(deps, {
    ...(options.kubeconfig === undefined ? {} : { explicitPath: options.kubeconfig }),
    entries,
    setCurrent: options.setCurrent,
    lockTimeoutMs: lockTimeout,
  });
  const summary = summarize(entries, result, {
    ...(serviceAccountUsername(claims) ? { serviceAccount: serviceAccountUsername(claims) } : {}),
    ...(expiresAt ? { tokenExpiresAt: expiresAt } : {}),
  });
  await reportWrite(ctx, format, options, summary, { tokenKind: claims.kind });
}
