// Flags shared by the commands that work through kubectl (from-secret, from-serviceaccount): which
// kubectl, which source kubeconfig/context it reads, and how long one call may take.
import type { Command } from 'commander';
import { parseDuration } from '../duration.js';
import type { KubectlTarget } from '../kubectl/run.js';
import type { CommandContext } from '../context.js';

export interface KubectlOptions {
  readonly kubectl: string;
  readonly sourceKubeconfig?: string;
  readonly sourceContext?: string;
  readonly kubectlTimeout: string;
}

/** --kubectl, --source-kubeconfig, --source-context, --kubectl-timeout. */
export function addKubectlOptions(command: Command): Command {
  return command
    .option('--kubectl <path>', 'the kubectl to run', 'kubectl')
    .option('--source-kubeconfig <file>', 'kubeconfig kubectl reads (passed as kubectl --kubeconfig; default: KUBECONFIG, else ~/.kube/config)')
    .option('--source-context <name>', 'context kubectl uses (passed as kubectl --context; default: its current context)')
    .option('--kubectl-timeout <duration>', 'give up on one kubectl call after this long', '60s');
}

export function kubectlTargetFrom(options: KubectlOptions): KubectlTarget {
  return {
    kubectl: options.kubectl,
    kubeconfig: options.sourceKubeconfig,
    context: options.sourceContext,
    timeoutMs: parseDuration(options.kubectlTimeout, '--kubectl-timeout'),
  };
}

/** Warnings go to stderr at once and into the JSON summary's `warnings`. */
export interface WarningCollector {
  readonly warn: (message: string) => void;
  readonly list: () => readonly string[];
}

export function collectWarnings(ctx: CommandContext): WarningCollector {
  const warnings: string[] = [];
  return {
    warn: (message) => {
      warnings.push(message);
      ctx.warn(message);
    },
    list: () => [...warnings],
  };
}
