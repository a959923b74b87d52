import { Command, Option } from 'commander';
import type { CommandContext } from '../context.js';
import { parseTimeout } from '../duration.js';
import { CliError } from '../errors.js';
import type { OutputFormat } from '../output.js';
import { DEFAULT_IN_CLUSTER_SERVER, DEFAULT_SA_DIR, validateNamespace } from '../serviceaccount/read.js';

interface ProbeFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly allContexts?: boolean;
  readonly inCluster?: boolean;
  readonly saDir?: string;
  readonly server?: string;
  readonly namespace?: string;
  readonly path?: string;
  readonly timeout: string;
  readonly output: string;
}

const EXAMPLES = `
Stages: config, dns, tcp, tls, version, authn, authz, request (stops at the first failure;
an authz "no" is reported and the request still runs).

Examples:
  sa-kubeconfig probe                         # the current context
  sa-kubeconfig probe --context prod -n team-a
  sa-kubeconfig probe --all-contexts -o json  # every context, one row each
  sa-kubeconfig probe --in-cluster            # from the pod's service-account mount, writes nothing

Exit status: 0 all stages passed, 3 bad local configuration, 5 DNS/TCP/proxy/timeout,
6 TLS, 7 credentials refused (401 or anonymous), 8 request forbidden (403).
`;

export function probeCommand(ctx: CommandContext): Command {
  return new Command('probe')
    .description('check a kubeconfig context stage by stage (dns, tcp, tls, version, authn, authz, request) and say which layer fails')
    .option('--kubeconfig <file>', 'use this kubeconfig file only')
    .option('--context <name>', 'the context to probe (default: current-context)')
    .option('--all-contexts', 'probe every context, concurrently, one summary row each')
    .option('--in-cluster', 'probe straight from the service-account mount (writes nothing)')
    .option('--sa-dir <dir>', `service-account mount for --in-cluster (default ${DEFAULT_SA_DIR})`, undefined)
    .option('--server <url>', `API server URL for --in-cluster (default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, else ${DEFAULT_IN_CLUSTER_SERVER})`)
    .option('-n, --namespace <ns>', "namespace for the authz and request stages (default: the context's)")
    .option('--path <path>', 'GET this path in the request stage instead of /api/v1/namespaces/NS/pods?limit=1')
    .option('--timeout <duration>', 'bound for the whole probe', '5s')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', EXAMPLES)
    .action(async (flags: ProbeFlags) => {
      // commander has checked the choice (exit 2 otherwise), as for init and from-*.
      const output: OutputFormat = flags.output === 'json' ? 'json' : 'text';
      if (flags.path !== undefined && !flags.path.startsWith('/')) {
        throw new CliError('ERR_BAD_FLAG_VALUE', `--path "${flags.path}" must start with /`, { hint: 'e.g. --path /api/v1/namespaces/default/pods' });
      }
      // A namespace is a DNS label, as init and from-* check their -n (client-go validateContext).
      // kubectl -n "" is no namespace flag at all (client-go skips empty overrides): the context's.
      const namespace = flags.namespace === undefined || flags.namespace === '' ? undefined : validateNamespace(flags.namespace, '--namespace', 'ERR_BAD_FLAG_VALUE');
      if (flags.saDir === '') throw new CliError('ERR_BAD_FLAG_VALUE', '--sa-dir must name a directory', { hint: `leave it out for ${DEFAULT_SA_DIR}` });
      const timeoutMs = parseTimeout(flags.timeout, '--timeout');
      if (timeoutMs <= 0) throw new CliError('ERR_BAD_DURATION', '--timeout must be positive');
      // Lazy: the probe (TLS, HTTP, exec plugins) stays out of every other command's start-up.
      const { runProbe } = await import('../probe/run.js');
      ctx.setExitCode(
        await runProbe(ctx, {
          kubeconfig: flags.kubeconfig,
          // kubectl --context= is no context flag at all: the current context.
          context: flags.context === '' ? undefined : flags.context,
          allContexts: flags.allContexts,
          inCluster: flags.inCluster,
          saDir: flags.saDir,
          server: flags.server,
          namespace,
          path: flags.path,
          timeoutMs,
          output,
        }),
      );
    });
}
