// `sa-kubeconfig demo`: try the tool with no cluster. A thin adapter; the walk-through lives in
// src/demo/run.ts, loaded lazily so the emulated API server never weighs on `init`'s start-up.
import { Command, Option } from 'commander';
import type { CommandContext } from '../context.js';
// The demo runs `init` and `probe` exactly as a user would, through main(). This import closes a
// cycle (main → program → commands → main) that is safe: main is only called inside the action.
// dist/program.cjs so holds a copy of main.ts and of the init engine besides dist/cli.cjs's
// (esbuild does not split CommonJS); neither keeps state the other needs.
import { main } from '../main.js';

interface DemoFlags {
  readonly keep?: boolean;
}

const EXAMPLES = `
What it does, all inside a fresh temp dir (HOME and KUBECONFIG point there; nothing else is touched):
  1. starts an emulated Kubernetes API server on 127.0.0.1 with a CA generated on the spot
  2. lays out a pod's service-account mount for team-a/deployer (token minted by that server)
  3. sa-kubeconfig init --sa-dir … --server … --kubeconfig …
  4. shows the kubeconfig it wrote (the token is never printed)
  5. sa-kubeconfig probe --kubeconfig …
  6. kubectl --kubeconfig … get pods -n team-a   (skipped when kubectl is not installed)
then stops the server and removes the temp dir.

Examples:
  sa-kubeconfig demo
  npm run demo          # from a clone: build, then the same
`;

export function demoCommand(ctx: CommandContext): Command {
  return new Command('demo')
    .description('try it with no cluster: emulated API server, a pod-style mount, init, probe and kubectl, all in a temp dir')
    .addOption(new Option('--keep', 'keep the temp dir afterwards to look at the files (the server still stops)'))
    .addHelpText('after', EXAMPLES)
    .action(async (flags: DemoFlags) => {
      const { runDemo } = await import('../demo/run.js');
      ctx.setExitCode(await runDemo(ctx, main, { keep: flags.keep }));
    });
}
