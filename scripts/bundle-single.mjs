// Builds the single-file CLI: one CommonJS file with every dependency inlined, no node_modules and
// no chunks needed, so it can be copied into any image with Node 20+ and run as
// `node sa-kubeconfig.cjs`. It is also the script the single executable (scripts/sea.mjs) embeds:
// Node 20's SEA runs a CommonJS script whose require() sees only built-in modules.
//
//   node scripts/bundle-single.mjs [outfile]     (default dist/sa-kubeconfig.cjs)
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cliPath = resolve(root, 'src/cli.ts');

// CommonJS has no top-level await; src/cli.ts ends with `process.exitCode = await main(...)`.
// This rewrites that one statement into a promise chain for this build only (same behaviour: the
// exit code is set when main resolves). The build fails loudly if cli.ts stops matching.
const TOP_LEVEL_AWAIT = /process\.exitCode = await main\(([^;]*)\);/;
const noTopLevelAwait = {
  name: 'cli-without-top-level-await',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]src[\\/]cli\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!TOP_LEVEL_AWAIT.test(source)) {
        throw new Error('src/cli.ts no longer ends with `process.exitCode = await main(...)`; update scripts/bundle-single.mjs');
      }
      return {
        contents: source.replace(TOP_LEVEL_AWAIT, 'void main($1).then((code) => { process.exitCode = code; });'),
        loader: 'ts',
      };
    });
  },
};

export async function bundleSingle(outfile = resolve(root, 'dist/sa-kubeconfig.cjs')) {
  await build({
    absWorkingDir: root,
    entryPoints: [cliPath],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minifySyntax: true,
    legalComments: 'none',
    plugins: [noTopLevelAwait],
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outfile = await bundleSingle(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`wrote ${outfile}`);
}
