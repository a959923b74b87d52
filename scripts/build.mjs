// Builds dist/ with esbuild: one ESM entry (dist/cli.js) plus lazily loaded chunks, so that
// `init` never parses undici or the kubectl layer. ESM bundles that contain commander need a real
// `require` (commander requires node:events), hence the createRequire banner
// (../shared/reference/startup-costs.md).
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await rm(`${root}dist`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  banner: {
    js: "import { createRequire as __saCreateRequire } from 'node:module'; const require = __saCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
