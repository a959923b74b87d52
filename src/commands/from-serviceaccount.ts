// `sa-kubeconfig from-serviceaccount NAME`: mint a token through kubectl (TokenRequest, or with
// --long-lived a token Secret) and write embedded entries. Thin adapter over src/kubectl/credentials.ts.
import { Command, Option } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { parseDuration, parseTimeout } from '../duration.js';
import { validateNamespace, validateObjectName, validateServerUrl } from '../serviceaccount/read.js';
import { decodeTokenClaims } from '../serviceaccount/token.js';
import { addFlags } from './commander-flags.js';
import { ENTRY_FLAGS, checkOutputCombination, type EntryOptions } from './entry-options.js';
import { addKubectlOptions, checkDestinationLoads, collectWarnings, kubectlTargetFrom, writeObtainedEntries, type KubectlOptions } from './kubectl-options.js';

interface FromServiceAccountOptions extends EntryOptions, KubectlOptions {
  readonly namespace?: string;
  readonly server?: string;
  readonly duration?: string;
  readonly audience: readonly string[];
  readonly longLived?: boolean;
  readonly wait: string;
}

const EXAMPLES = `
Examples:
  # a 2-hour token for service account deployer, written to a separate kubeconfig
  sa-kubeconfig from-serviceaccount deployer -n team-a --duration 2h --kubeconfig ./ci.kubeconfig

  # a long-lived token Secret (reused if one exists, else created and waited for)
  # (on stdout; umask 077, so that the file the shell creates for it is not readable by others)
  (umask 077 && sa-kubeconfig from-serviceaccount deployer -n team-a --long-lived --stdout > deployer.kubeconfig)

The CA comes from the source context (certificate-authority-data or the file it names) when the
server written is its server, else the namespace's kube-root-ca.crt ConfigMap. --duration below 10m is refused (exit 2) as the API server
would; a server that issues a shorter token than asked for gets a warning with the real expiry.
`;

const collect = (value: string, previous: readonly string[]): readonly string[] => [...previous, value];

export function fromServiceAccountCommand(ctx: CommandContext): Command {
  const command = new Command('from-serviceaccount')
    .description('mint a token for a service account through kubectl (kubectl create token) and write a kubeconfig')
    .argument('<name>', 'the service account')
    .option('-n, --namespace <namespace>', "the service account's namespace (default: kubectl's current namespace)")
    .option('--server <url>', "API server URL to write (default: the source context's server, with its tls-server-name and proxy-url)")
    .option('--duration <duration>', 'requested token lifetime, at least 10m (default: the server decides, usually 1h)')
    // The default's description, not its value ([]), in --help.
    .addOption(new Option('--audience <audience>', 'audience of the token (repeatable)').argParser(collect).default([], 'the API server'))
    .option('--long-lived', 'use a non-expiring token Secret instead: reuse a populated one annotated for the account, or create one')
    .option('--wait <duration>', 'with --long-lived: how long to wait for the token controller', '30s');
  addKubectlOptions(command);
  return addFlags(command, ENTRY_FLAGS)
    .addHelpText('after', EXAMPLES)
    .action(async (name: string, options: FromServiceAccountOptions, self: Command) => {
      checkOutputCombination(options);
      if (options.longLived && (options.duration !== undefined || options.audience.length > 0)) {
        throw new CliError('ERR_USAGE', '--long-lived cannot be combined with --duration or --audience', { hint: 'a token Secret never expires and has the API server audience' });
      }
      // --wait has a default, so only its source tells whether it was given (commander: 'cli' vs 'default').
      if (!options.longLived && self.getOptionValueSource('wait') === 'cli') {
        throw new CliError('ERR_USAGE', '--wait applies only with --long-lived (a TokenRequest token is issued at once)', {
          hint: 'add --long-lived to wait for a token Secret, or drop --wait',
        });
      }
      const { validateTokenDuration, cappedDurationWarning, tokenRequestArgs } = await import('../kubectl/token-request.js');
      const durationSeconds = options.duration === undefined ? undefined : validateTokenDuration(parseDuration(options.duration, '--duration'), options.duration.trim());
      if (options.audience.some((audience) => audience.trim() === '')) throw new CliError('ERR_BAD_FLAG_VALUE', '--audience must not be empty');
      const waitMs = parseTimeout(options.wait, '--wait');
      const server = options.server === undefined ? undefined : validateServerUrl(options.server, { allowInsecureHttp: false }).url;
      const namespace = options.namespace === undefined ? undefined : validateNamespace(options.namespace, '--namespace', 'ERR_BAD_FLAG_VALUE');
      validateObjectName(name, 'serviceaccount');
      const target = kubectlTargetFrom(options);
      // Last of the local checks (every flag is checked above): the files.
      await checkDestinationLoads(ctx, options);
      const warnings = collectWarnings(ctx);
      const hooks = { onSecret: (secret: string) => ctx.secrets.add(secret), warn: warnings.warn, note: (text: string) => ctx.deps.stderr(`${text}\n`) };
      const flows = await import('../kubectl/credentials.js');

      const { destination, credentials } = options.longLived
        ? await flows.obtainFromLongLivedSecret(ctx.deps, target, { namespace, server }, { name, waitMs }, hooks)
        : await flows.obtainFromTokenRequest(ctx.deps, target, { namespace, server }, { name, durationSeconds, audiences: options.audience }, hooks);
      if (destination.reachabilityWarning !== undefined) warnings.warn(destination.reachabilityWarning);
      const claims = await decodeTokenClaims(credentials.token);
      const capped = claims.kind === 'jwt' ? cappedDurationWarning(durationSeconds, claims) : undefined;
      if (capped !== undefined) warnings.warn(capped);
      if (options.audience.length > 0 && !options.probe) {
        // The token then carries only these audiences, and kube-apiserver refuses it (401) unless
        // one is its own (--api-audiences): the kubeconfig would be written and never work.
        warnings.warn(
          `the token is for audience ${options.audience.join(', ')} only: the API server accepts it only if one of them is its own (kube-apiserver --api-audiences, usually https://kubernetes.default.svc.cluster.local); add --audience with that one too, or check with --probe`,
        );
      }
      const secret = `${destination.namespace}/${credentials.secretName ?? ''}`;
      const sourceText: Record<typeof credentials.source, string> = {
        // The call as kubectl got it (--duration=259200s): "--duration 3d" would be a command kubectl refuses.
        'token-request': `TokenRequest (kubectl ${tokenRequestArgs({ namespace, serviceAccount: name, durationSeconds, audiences: options.audience }).join(' ')})`,
        'existing-secret': `existing token Secret ${secret}`,
        'created-secret': `new token Secret ${secret} (created, filled in by the token controller)`,
        secret: `token Secret ${secret}`,
      };
      await writeObtainedEntries(ctx, options, {
        destination,
        credentials,
        accountName: name,
        tokenExpiresAt: claims.kind === 'jwt' ? claims.expiresAt : undefined,
        tokenKind: claims.kind,
        sourceText: sourceText[credentials.source],
        warnings,
      }).catch((error: unknown) => {
        // A locked or unwritable kubeconfig after the Secret was created: say that it exists.
        throw credentials.source === 'created-secret' ? flows.withKeptSecretHint(error, secret) : error;
      });
    });
}
