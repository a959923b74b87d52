// `sa-kubeconfig from-secret NAME`: a kubeconfig from a kubernetes.io/service-account-token Secret,
// read through kubectl. Thin adapter: flags → src/kubectl/credentials.ts → entries → store.
import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { parseTimeout } from '../duration.js';
import { validateNamespace, validateObjectName, validateServerUrl } from '../serviceaccount/read.js';
import { decodeTokenClaims, describeOpaque } from '../serviceaccount/token.js';
import { addFlags } from './commander-flags.js';
import { ENTRY_FLAGS, checkOutputCombination, type EntryOptions } from './entry-options.js';
import { addKubectlOptions, checkDestinationLoads, collectWarnings, kubectlTargetFrom, writeObtainedEntries, type KubectlOptions } from './kubectl-options.js';

interface FromSecretOptions extends EntryOptions, KubectlOptions {
  readonly namespace?: string;
  readonly server?: string;
  readonly wait?: string;
}

const EXAMPLES = `
Examples:
  # the Secret deployer-token in team-a → a separate kubeconfig for CI
  sa-kubeconfig from-secret deployer-token -n team-a --kubeconfig ./ci.kubeconfig

  # a Secret just created: wait for the token controller to fill it in
  # (on stdout; umask 077, so that the file the shell creates for it is not readable by others)
  (umask 077 && sa-kubeconfig from-secret deployer-token -n team-a --wait 30s --stdout > ci.kubeconfig)

Defaults: namespace and server from kubectl's current context (--source-context/--source-kubeconfig
pick another); the CA the source context trusts when the server written is its server, else
the Secret's ca.crt. Token and CA are embedded.
`;

export function fromSecretCommand(ctx: CommandContext): Command {
  const command = new Command('from-secret')
    .description('write a kubeconfig from a service-account-token Secret, read through kubectl')
    .argument('<name>', 'the Secret (type kubernetes.io/service-account-token)')
    .option('-n, --namespace <namespace>', "the Secret's namespace (default: kubectl's current namespace)")
    .option('--server <url>', "API server URL to write (default: the source context's server, with its tls-server-name and proxy-url)")
    .option('--wait <duration>', 'poll until the token controller has filled the Secret in (e.g. 30s; default: fail at once)');
  addKubectlOptions(command);
  return addFlags(command, ENTRY_FLAGS)
    .addHelpText('after', EXAMPLES)
    .action(async (name: string, options: FromSecretOptions) => {
      checkOutputCombination(options);
      const waitMs = options.wait === undefined ? 0 : parseTimeout(options.wait, '--wait');
      const server = options.server === undefined ? undefined : validateServerUrl(options.server, { allowInsecureHttp: false }).url;
      const namespace = options.namespace === undefined ? undefined : validateNamespace(options.namespace, '--namespace', 'ERR_BAD_FLAG_VALUE');
      validateObjectName(name, 'secret');
      const target = kubectlTargetFrom(options);
      // Last of the local checks (every flag is checked above): the files.
      await checkDestinationLoads(ctx, options);
      const warnings = collectWarnings(ctx);
      const hooks = { onSecret: (secret: string) => ctx.secrets.add(secret), warn: warnings.warn, note: (text: string) => ctx.deps.stderr(`${text}\n`) };
      const { obtainFromSecret, legacyTokenWarning } = await import('../kubectl/credentials.js');

      const { destination, credentials } = await obtainFromSecret(ctx.deps, target, { namespace, server }, { name, waitMs }, hooks);
      const ns = destination.namespace;
      if (destination.reachabilityWarning !== undefined) warnings.warn(destination.reachabilityWarning);
      const claims = await decodeTokenClaims(credentials.token);
      const accountName = (claims.kind === 'jwt' ? claims.serviceAccount : undefined) ?? credentials.serviceAccount;
      if (claims.kind === 'opaque') warnings.warn(`the token in secret ${ns}/${name} is ${describeOpaque(claims)}; the service account cannot be named from it`);
      if (claims.kind === 'jwt' && claims.legacy) {
        const warning = await legacyTokenWarning(ctx.deps, target, ns, accountName, name);
        if (warning !== undefined) warnings.warn(warning);
      }
      await writeObtainedEntries(ctx, options, {
        destination,
        credentials,
        accountName,
        tokenExpiresAt: claims.kind === 'jwt' ? claims.expiresAt : undefined,
        tokenKind: claims.kind,
        sourceText: `secret ${ns}/${name}`,
        warnings,
      });
    });
}
