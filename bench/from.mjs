// from-secret and from-serviceaccount against the scripts they replace (issue 3), both talking to
// the emulated API server through the real kubectl. The server runs in its own process (the
// harness times with spawnSync, which would block a server living in this one); it is bundled
// from test/support/apiserver.ts with esbuild at setup, so this file needs nothing prebuilt.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { cli, repoRoot } from './lib.mjs';

const SERVER_MAIN = `
import { startApiServer } from ${JSON.stringify(join(repoRoot, 'test/support/apiserver.ts'))};
const server = await startApiServer();
process.stdout.write(JSON.stringify({ url: server.url, kubeconfig: server.kubeconfig({ admin: true }, { namespace: 'team-a', name: 'admin' }) }) + '\\n');
process.stdin.resume();
process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
`;

/** Starts the emulated API server in a child process; ctx gets KUBECONFIG (admin, namespace team-a). */
async function startServer(ctx) {
  const script = join(ctx.dir, 'apiserver.mjs');
  await build({
    stdin: { contents: SERVER_MAIN, resolveDir: repoRoot, loader: 'ts', sourcefile: 'bench-apiserver.ts' },
    outfile: script,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
  });
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const first = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`emulated API server exited ${code}`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  const { url, kubeconfig } = JSON.parse(first);
  const source = join(ctx.dir, 'admin.kubeconfig');
  writeFileSync(source, kubeconfig, { mode: 0o600 });
  return { server: child, url, source, env: { ...ctx.env, KUBECONFIG: source } };
}

async function stopServer(ctx) {
  if (!ctx.server) return;
  const exited = new Promise((resolve) => ctx.server.once('exit', resolve));
  ctx.server.stdin.end();
  setTimeout(() => ctx.server.kill('SIGKILL'), 2000).unref();
  await exited;
}

const sh = (script) => ({ cmd: 'sh', args: ['-c', script] });

// The scripts from blog posts and READMEs (user-pain-points.md §3.1), written as carefully as they
// usually are not: jsonpath + base64 -d, the token on kubectl's command line (visible in ps), then
// the five `kubectl config` commands into the target file.
const FIVE_CONFIG_COMMANDS = `
kubectl config set-cluster bench --server="$SERVER" --certificate-authority=ca.crt --embed-certs=true --kubeconfig "$OUT"
kubectl config set-credentials bench --token="$TOKEN" --kubeconfig "$OUT"
kubectl config set-context bench --cluster=bench --user=bench --kubeconfig "$OUT"
kubectl config use-context bench --kubeconfig "$OUT"
kubectl config set-context --current --namespace=team-a --kubeconfig "$OUT"`;

function secretScript(out) {
  return sh(`set -e
OUT=${JSON.stringify(out)}
SERVER=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
TOKEN=$(kubectl get secret deployer-token -n team-a -o jsonpath='{.data.token}' | base64 -d)
kubectl get secret deployer-token -n team-a -o jsonpath='{.data.ca\\.crt}' | base64 -d > ca.crt
${FIVE_CONFIG_COMMANDS}`);
}

function tokenScript(out) {
  return sh(`set -e
OUT=${JSON.stringify(out)}
SERVER=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d > ca.crt
TOKEN=$(kubectl create token deployer -n team-a --duration=1h)
${FIVE_CONFIG_COMMANDS}`);
}

export const cases = [
  {
    name: 'from-secret deployer-token (Secret → kubeconfig)',
    setup: startServer,
    teardown: stopServer,
    ours: (ctx, run) => ({ cmd: cli[0], args: [...cli.slice(1), 'from-secret', 'deployer-token', '-n', 'team-a', '--kubeconfig', join(ctx.dir, `ours-${run}.kubeconfig`)] }),
    reference: { label: 'script: jsonpath, base64 -d, 5 × `kubectl config`', steps: (ctx, run) => [secretScript(join(ctx.dir, `script-${run}.kubeconfig`))] },
    target: { maxRatio: 1.0, text: 'no slower (≤ 1×)' },
  },
  {
    name: 'from-serviceaccount deployer --duration 1h (TokenRequest → kubeconfig)',
    setup: startServer,
    teardown: stopServer,
    ours: (ctx, run) => ({ cmd: cli[0], args: [...cli.slice(1), 'from-serviceaccount', 'deployer', '-n', 'team-a', '--duration', '1h', '--kubeconfig', join(ctx.dir, `ours-${run}.kubeconfig`)] }),
    reference: { label: 'script: kubectl create token + 5 × `kubectl config`', steps: (ctx, run) => [tokenScript(join(ctx.dir, `script-${run}.kubeconfig`))] },
    target: { maxRatio: 1.0, text: 'no slower (≤ 1×)' },
  },
];
