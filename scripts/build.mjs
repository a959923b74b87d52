// Builds dist/ with esbuild as CommonJS, on purpose: measured here, Node 20's ESM loader alone
// cost ~30 ms of CPU per run across a dozen chunks (getModuleJobForImport, compileSourceTextModule),
// which is most of the gap between `init` and bare `node -e 0`. So:
//   dist/cli.cjs     everything a user runs; lazy `await import()`s of the probe and kubectl layers
//                    become lazily-initialised modules in the same file (parsed lazily by V8).
//   dist/codec.cjs   reading and writing kubeconfigs with js-yaml (src/kubeconfig/codec.ts: js-yaml,
//                    the schemas, their zod), loaded only for a kubeconfig that reader.ts or
//                    emitter.ts leaves to it: init into a new file never loads it, and neither
//                    does one as kubectl writes it.
//   dist/demo.cjs    the demo with the emulated API server and @peculiar/x509 (~0.8 MB), loaded
//                    only by `sa-kubeconfig demo`.
//   dist/cli.cache, dist/codec.cache  V8's code caches for the two (scripts/code-cache.mjs).
// Why codec.cjs has its own file and cache: V8 deserialises a code cache whole. One cache with
// the parse path in it (made by an init into an existing kubeconfig) cost a new kubeconfig 1.8M
// more instructions (callgrind), and without the parse path in any cache, an init into an
// existing kubeconfig cost 21M more than it does with codec.cache (158.8M against 138.0M, before
// reader.ts took that path).
// bin/sa-kubeconfig.js (CommonJS, bin/package.json) runs dist/cli.cjs.
// The new dist/ is built beside the old one and swapped in, so a process started meanwhile (a
// parallel test run) never finds dist/ half-written.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lazyChildProcessInCommander } from './lazy-child-process.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const staging = `dist.build-${process.pid}`;

/**
 * `await import()` of a module that is a bundle of its own (`bundles` maps its source file to the
 * bundle's file name) loads that bundle at run time with require(): a real import() would need a
 * dynamic-import callback, which V8 drops for functions restored from the code cache.
 * bin/sa-kubeconfig.js gives dist/cli.cjs a require that runs such a bundle with its own code
 * cache when it has one. A static import of such a module would bundle it after all, so the
 * build checks below that the bundle's code is not in cli.cjs.
 */
function separateBundles(bundles) {
  const byPath = new Map(Object.entries(bundles).map(([source, bundle]) => [resolve(root, source), bundle]));
  return {
    name: 'separate-bundles',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /\.js$/ }, (args) => {
        // Sources import each other as .js (NodeNext); the file is the .ts beside it.
        const bundle = args.kind === 'dynamic-import' ? byPath.get(resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts')) : undefined;
        return bundle === undefined ? undefined : { path: bundle, namespace: 'separate-bundle' };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: 'separate-bundle' }, (args) => ({
        contents: `module.exports = require(require('node:path').join(__dirname, ${JSON.stringify(args.path)}));`,
        loader: 'js',
      }));
    },
  };
}

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Whitespace and syntax only: V8's pre-parse of the file is part of every start-up, but names
  // stay readable in --debug stacks.
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  // ASCII output (the default, stated): bin/sa-kubeconfig.js decodes the bundle as latin1.
  charset: 'ascii',
  logLevel: 'warning',
  // import() becomes require(): lazily loaded code (node:child_process on first spawn, the probe)
  // stays out of start-up, and still works from the code cache (see the check below).
  supported: { 'dynamic-import': false },
  plugins: [lazyChildProcessInCommander],
};

const SEPARATE_BUNDLES = { 'src/demo/run.ts': 'demo.cjs', 'src/kubeconfig/codec.ts': 'codec.cjs' };

await rm(`${root}${staging}`, { recursive: true, force: true });
await Promise.all([
  build({
    ...common,
    entryPoints: ['src/cli.ts'],
    outfile: `${staging}/cli.cjs`,
    plugins: [...common.plugins, separateBundles(SEPARATE_BUNDLES)],
    metafile: true,
  }).then(({ metafile }) => {
    // A static import of a separate bundle's module (or of js-yaml) would put it in cli.cjs after
    // all, silently: the build fails instead.
    const inside = Object.keys(metafile.inputs).filter((input) => Object.hasOwn(SEPARATE_BUNDLES, input) || input.startsWith('node_modules/js-yaml/'));
    if (inside.length > 0) throw new Error(`dist/cli.cjs contains ${inside.join(', ')}, which belong to a bundle of their own: import them only with await import()`);
  }),
  build({ ...common, entryPoints: ['src/kubeconfig/codec.ts'], outfile: `${staging}/codec.cjs` }),
  build({ ...common, entryPoints: ['src/demo/run.ts'], outfile: `${staging}/demo.cjs` }),
]);
const { readFile } = await import('node:fs/promises');
for (const name of ['cli.cjs', 'codec.cjs']) {
  // The code cache cannot serve a real import() (V8 drops the dynamic-import callback for
  // functions restored from it), so a cached bundle must not contain one: every lazy import is
  // bundled or is a separate bundle.
  const bundle = await readFile(`${root}${staging}/${name}`, 'utf8');
  const dynamic = bundle.match(/\bimport\(\s*["'][^"']+["']\s*\)/g);
  if (dynamic) throw new Error(`dist/${name} keeps a dynamic import (${dynamic.join(', ')}); bundle it or load it with require()`);
  // V8's code cache for the bundle (scripts/code-cache.mjs); without it the CLI still works, slower.
  // Named as the file will be once dist/ is swapped in: V8 keeps the name a cache was made with
  // for its stack traces (scripts/code-cache.mjs).
  const cache = spawnSync(process.execPath, [`${root}scripts/code-cache.mjs`, `${root}${staging}/${name}`, `${root}dist/${name}`], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (cache.status !== 0) console.warn(`warning: no code cache for dist/${name} (start-up will be slower): ${cache.stderr.trim().split('\n').at(-1) ?? ''}`);
}
const old = `${root}dist.old-${process.pid}`;
await rename(`${root}dist`, old).catch(() => undefined);
await rename(`${root}${staging}`, `${root}dist`);
await rm(old, { recursive: true, force: true });
