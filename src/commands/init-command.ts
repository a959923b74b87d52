// `sa-kubeconfig init` as a commander command: its help, and every command line main.ts does
// not run straight (flag-spec.ts).
import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addFlags } from './commander-flags.js';
import { INIT_FLAGS, runInit, type InitOptions } from './init.js';

const EXAMPLES = `
Examples:
  # in a pod: add entries for the mounted service account to ~/.kube/config (or $KUBECONFIG)
  sa-kubeconfig init

  # write a separate file and check it works end to end
  sa-kubeconfig init --kubeconfig /tmp/kubeconfig --probe

  # a self-contained kubeconfig (token and CA embedded) on stdout, nothing written;
  # the shell creates the file, so umask 077 keeps the token in it from others
  (umask 077 && sa-kubeconfig init --stdout > sa.kubeconfig)

Defaults: server https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, else
https://kubernetes.default.svc; cluster = the server URL's host, :port unless 443, and its
path (https://rancher.example/k8s/clusters/c-1 -> rancher.example/k8s/clusters/c-1); user =
context = <namespace>/<serviceaccount>@<that default cluster name>, also with --cluster (which
names the cluster entry only). By default the user references the mounted token
(tokenFile) and the cluster the mounted CA, so kubelet token rotation keeps working.
`;

export function initCommand(ctx: CommandContext): Command {
  return addFlags(new Command('init').description('write cluster, user and context entries from the mounted service account (in a pod)'), INIT_FLAGS)
    .addHelpText('after', EXAMPLES)
    .action((options: InitOptions) => runInit(ctx, options));
}
