// Builds the single-file CLI: one CommonJS file with every dependency inlined, no node_modules and
// no chunks needed, so it can be copied into any image with Node 20+ and run as
// `node sa-kubeconfig.cjs`. It is also the script the single executable (scripts/sea.mjs) embeds:
// Node 20's SEA runs a CommonJS script whose require() sees only built-in modules.
//
//   node scripts/bundle-single.mjs [outfile]     (default dist/sa-kubeconfig.cjs)
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lazyChildProcessInCommander } from './lazy-child-process.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cliPath = resolve(root, 'src/cli.ts');

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
    // import() becomes require(): a single executable's script has no ESM loader.
    supported: { 'dynamic-import': false },
    // node:child_process on first spawn only, as in dist/cli.cjs.
    plugins: [lazyChildProcessInCommander],
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outfile = await bundleSingle(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`wrote ${outfile}`);
}
