// Builds dist/ with esbuild as CommonJS, on purpose: measured here, Node 20's ESM loader alone
// cost ~30 ms of CPU per run across a dozen chunks (getModuleJobForImport, compileSourceTextModule),
// which is most of the gap between `init` and bare `node -e 0`. So:
//   dist/cli.cjs     the commands, the kubeconfig engine and init: all a pod's `init` runs.
//   dist/probe.cjs   the probe (src/probe/run.ts), loaded by `probe` and by --probe.
//   dist/kubectl.cjs the from-secret / from-serviceaccount flows (src/kubectl/credentials.ts).
//   dist/claims.cjs  zod's schema of token claims, for a token whose claims are not shaped as the
//                    kubelet's and the token controller's are (src/serviceaccount/token.ts).
//   dist/codec.cjs   reading and writing kubeconfigs with js-yaml (src/kubeconfig/codec.ts: js-yaml,
//                    the schemas, their zod), loaded only for a kubeconfig that reader.ts or
//                    emitter.ts leaves to it: init into a new file never loads it, and neither
//                    does one as kubectl writes it.
//   dist/demo.cjs    the demo with the emulated API server and @peculiar/x509 (~0.8 MB), loaded
//                    only by `sa-kubeconfig demo`.
//   dist/*.cache     V8's code caches for all but the demo (scripts/code-cache.mjs).
// Why codec.cjs has its own file and cache: V8 deserialises a code cache whole. One cache with
// the parse path in it (made by an init into an existing kubeconfig) cost a new kubeconfig 1.8M
// more instructions (callgrind), and without the parse path in any cache, an init into an
// existing kubeconfig cost 21M more than it does with codec.cache (158.8M against 138.0M, before
// reader.ts took that path).
// bin/sa-kubeconfig.js (CommonJS, bin/package.json) runs dist/cli.cjs.
// The new dist/ is built beside the old one and swapped in, so a process started meanwhile (a
// parallel test run) never finds dist/ half-written.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
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

// Every module that an `await import()` reaches and that is not one of these is bundled into the
// importing bundle (lazily initialised). Each of these is a bundle of its own, loaded with its own
// code cache the first time it is needed: init into a new kubeconfig reads and deserialises only
// dist/cli.cjs, and the smaller that is, the less of every start-up goes to reading it, copying
// it into a V8 string and deserialising its cache. Measured here: moving the probe and the
// kubectl flows and zod out of cli.cjs (331 kB → 178 kB) made init ~0.9 ms faster, in two runs
// of 80.
// A module used by two bundles is in both (esbuild has no code splitting for CommonJS): such
// copies must hold no state the other copy would need to see (the build checks that
// src/children.ts, the registry of running children, is in cli.cjs alone), and errors cross
// bundles as values, which is why CliError is recognised by isCliError, never instanceof (eslint
// enforces it). zod is in several: probe.cjs, kubectl.cjs, claims.cjs and codec.cjs each bring
// their own copy, which share zod's global configuration (it lives on globalThis).
const SEPARATE_BUNDLES = {
  'src/demo/run.ts': 'demo.cjs',
  'src/kubeconfig/codec.ts': 'codec.cjs',
  'src/probe/run.ts': 'probe.cjs',
  'src/kubectl/credentials.ts': 'kubectl.cjs',
  'src/serviceaccount/claims.ts': 'claims.cjs',
  'src/program.ts': 'program.cjs',
};
/** Bundles with a code cache: all but the demo (0.7 MB, run once in a while). */
const CACHED = ['cli.cjs', ...Object.values(SEPARATE_BUNDLES).filter((name) => name !== 'demo.cjs')];

await rm(`${root}${staging}`, { recursive: true, force: true });
// A failed build leaves dist/ as it was and no half-built copy beside it.
process.on('exit', (code) => {
  if (code !== 0) rmSync(`${root}${staging}`, { recursive: true, force: true });
});
const entries = [['src/cli.ts', 'cli.cjs'], ...Object.entries(SEPARATE_BUNDLES)];
await Promise.all(
  entries.map(([entry, name]) =>
    build({
      ...common,
      entryPoints: [entry],
      outfile: `${staging}/${name}`,
      plugins: [...common.plugins, separateBundles(SEPARATE_BUNDLES)],
      metafile: true,
    }).then(({ metafile }) => {
      // The demo is a world of its own (it bundles the emulated API server and codec.ts). Any
      // other bundle that got a separate bundle's module by a static import would run a second
      // copy of it, silently: the build fails instead. js-yaml belongs to codec.cjs alone.
      if (name === 'demo.cjs') return;
      const inside = Object.keys(metafile.inputs).filter(
        (input) => (Object.hasOwn(SEPARATE_BUNDLES, input) && input !== entry) || (name !== 'codec.cjs' && input.startsWith('node_modules/js-yaml/')),
      );
      if (inside.length > 0) throw new Error(`dist/${name} contains ${inside.join(', ')}, which belong to a bundle of their own: import them only with await import()`);
      // src/children.ts keeps the children that ^C must kill; a copy in another bundle would keep
      // its own registry, which cli.ts's signal handler never sees. Bundles spawn through Deps.
      if (name !== 'cli.cjs' && Object.hasOwn(metafile.inputs, 'src/children.ts')) {
        throw new Error(`dist/${name} contains src/children.ts (the registry of running children): spawn through deps.spawn instead of importing spawnProcess`);
      }
    }),
  ),
);
const { readFile } = await import('node:fs/promises');
for (const name of CACHED) {
  // The code cache cannot serve a real import() (V8 drops the dynamic-import callback for
  // functions restored from it), so a cached bundle must not contain one: every lazy import is
  // bundled or is a separate bundle.
  const bundle = await readFile(`${root}${staging}/${name}`, 'utf8');
  const dynamic = bundle.match(/\bimport\(\s*["'][^"']+["']\s*\)/g);
  if (dynamic) throw new Error(`dist/${name} keeps a dynamic import (${dynamic.join(', ')}); bundle it or load it with require()`);
}
// V8's code caches (scripts/code-cache.mjs), made in parallel; without one the CLI still works,
// slower. Named as the file will be once dist/ is swapped in: V8 keeps the name a cache was made
// with for its stack traces (scripts/code-cache.mjs).
await Promise.all(
  CACHED.map(
    (name) =>
      new Promise((done) => {
        const child = spawn(process.execPath, [`${root}scripts/code-cache.mjs`, `${root}${staging}/${name}`, `${root}dist/${name}`], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
        child.on('close', (code) => {
          if (code !== 0) console.warn(`warning: no code cache for dist/${name} (start-up will be slower): ${stderr.trim().split('\n').at(-1) ?? ''}`);
          done();
        });
      }),
  ),
);
const old = `${root}dist.old-${process.pid}`;
await rename(`${root}dist`, old).catch(() => undefined);
await rename(`${root}${staging}`, `${root}dist`);
await rm(old, { recursive: true, force: true });
