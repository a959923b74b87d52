// Builds dist/ with esbuild as CommonJS, on purpose: measured here, Node 20's ESM loader alone
// cost ~30 ms of CPU per run across a dozen chunks (getModuleJobForImport, compileSourceTextModule),
// which is most of the gap between `init` and bare `node -e 0`. So:
//   dist/cli.cjs   everything a user runs; lazy `await import()`s of the probe and kubectl layers
//                  become lazily-initialised modules in the same file (parsed lazily by V8).
//   dist/demo.cjs  the demo with the emulated API server and @peculiar/x509 (~0.8 MB), loaded
//                  only by `sa-kubeconfig demo`.
//   dist/cli.cache V8's code cache for cli.cjs, made by running a real init (scripts/code-cache.mjs).
// bin/sa-kubeconfig.js (ESM, since the package is "type": "module") runs dist/cli.cjs.
// The new dist/ is built beside the old one and swapped in, so a process started meanwhile (a
// parallel test run) never finds dist/ half-written.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rename, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { lazyChildProcessInCommander } from './lazy-child-process.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const staging = `dist.build-${process.pid}`;

/**
 * The demo's `await import('../demo/run.js')` loads the separate dist/demo.cjs at run time, with
 * require(): a real import() would need a dynamic-import callback, which V8 drops for functions
 * restored from the code cache.
 */
const demoAsSeparateFile = {
  name: 'demo-as-separate-file',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /[\\/]demo[\\/]run\.js$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: 'demo-bundle', namespace: 'demo-as-separate-file' } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'demo-as-separate-file' }, () => ({
      contents: "module.exports = require(require('node:path').join(__dirname, 'demo.cjs'));",
      loader: 'js',
    }));
  },
};

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

await rm(`${root}${staging}`, { recursive: true, force: true });
await Promise.all([
  build({ ...common, entryPoints: ['src/cli.ts'], outfile: `${staging}/cli.cjs`, plugins: [...common.plugins, demoAsSeparateFile] }),
  build({ ...common, entryPoints: ['src/demo/run.ts'], outfile: `${staging}/demo.cjs` }),
]);
// The code cache cannot serve a real import() (V8 drops the dynamic-import callback for functions
// restored from it), so the bundle must not contain one: every lazy import is bundled.
const { readFile } = await import('node:fs/promises');
const bundle = await readFile(`${root}${staging}/cli.cjs`, 'utf8');
const dynamic = bundle.match(/\bimport\(\s*["'][^"']+["']\s*\)/g);
if (dynamic) throw new Error(`dist/cli.cjs keeps a dynamic import (${dynamic.join(', ')}); bundle it or load it with require()`);

// V8's code cache for the bundle (scripts/code-cache.mjs); without it the CLI still works, slower.
const cache = spawnSync(process.execPath, [`${root}scripts/code-cache.mjs`, `${root}${staging}/cli.cjs`], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (cache.status !== 0) console.warn(`warning: no code cache for dist/cli.cjs (start-up will be slower): ${cache.stderr.trim().split('\n').at(-1) ?? ''}`);
const old = `${root}dist.old-${process.pid}`;
await rename(`${root}dist`, old).catch(() => undefined);
await rename(`${root}${staging}`, `${root}dist`);
await rm(old, { recursive: true, force: true });
