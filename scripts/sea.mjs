// Builds the Node single executable for linux-x64: build/sa-kubeconfig-linux-x64, a copy of the
// running node binary with the single-file CLI injected as its SEA blob. It runs where no Node is
// installed. Node 20 has `--experimental-sea-config` to make the blob but no injector, hence
// postject (a devDependency). https://nodejs.org/api/single-executable-applications.html
//
//   node scripts/sea.mjs [outdir]     (default build/)
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleSingle } from './bundle-single.mjs';

// The fuse string node checks to know a blob was injected (documented in the SEA guide).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildSea(outdir = resolve(root, 'build')) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the single executable is built for linux-x64 only (this is ${process.platform}-${process.arch})`);
  }
  const nodeBinary = await readFile(process.execPath);
  if (!nodeBinary.includes(SEA_FUSE)) {
    throw new Error(`${process.execPath} has no SEA fuse; it cannot become a single executable`);
  }
  await mkdir(outdir, { recursive: true });
  const script = await bundleSingle(join(outdir, 'sa-kubeconfig.cjs'));
  const blob = join(outdir, 'sea-prep.blob');
  const config = join(outdir, 'sea-config.json');
  await writeFile(config, JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true }, null, 2));
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });

  const executable = join(outdir, `sa-kubeconfig-${process.platform}-${process.arch}`);
  await rm(executable, { force: true });
  await copyFile(process.execPath, executable);
  await chmod(executable, 0o755);
  const { inject } = createRequire(import.meta.url)('postject');
  await inject(executable, 'NODE_SEA_BLOB', await readFile(blob), { sentinelFuse: SEA_FUSE });
  await rm(blob, { force: true });
  await rm(config, { force: true });
  return executable;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const executable = await buildSea(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`wrote ${executable}`);
}
