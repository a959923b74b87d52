// `sa-kubeconfig probe` against the emulated API server (issue 4):
// - one context: probe (all eight stages) vs `kubectl get --raw /api/v1/namespaces/team-a/pods`
//   on the same target — target at most 2× kubectl;
// - 200 contexts: `probe --all-contexts` vs a sequential kubectl loop over the same 200 — target
//   at least 10× faster.
// The server runs in its own process (the harness times with spawnSync, which would block a server
// living in this one), bundled from test/support/apiserver.ts with esbuild at setup.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { cli, repoRoot } from './lib.mjs';

const CONTEXTS = 200;

const SERVER_MAIN = `
import { startApiServer } from ${JSON.stringify(join(repoRoot, 'test/support/apiserver.ts'))};
const server = await startApiServer();
const token = server.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', expirationSeconds: 24 * 3600 });
process.stdout.write(JSON.stringify({ url: server.url, caPem: server.caPem, token }) + '\\n');
process.stdin.resume();
process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
`;

/** A kubeconfig with `count` contexts on the emulated server (token in the file, never in argv). */
function kubeconfigText({ url, caPem, token }, count) {
  const ca = Buffer.from(caPem).toString('base64');
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (let i = 0; i < count; i += 1) lines.push(`- name: c${i}`, '  cluster:', `    server: ${url}`, `    certificate-authority-data: ${ca}`);
  lines.push('users:', '- name: deployer', '  user:', `    token: ${token}`, 'contexts:');
  for (let i = 0; i < count; i += 1) lines.push(`- name: ctx-${String(i).padStart(3, '0')}`, '  context:', `    cluster: c${i}`, '    user: deployer', '    namespace: team-a');
  lines.push('current-context: ctx-000', '');
  return lines.join('\n');
}

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
  const info = JSON.parse(first);
  const one = join(ctx.dir, 'one.kubeconfig');
  const many = join(ctx.dir, 'many.kubeconfig');
  writeFileSync(one, kubeconfigText(info, 1), { mode: 0o600 });
  writeFileSync(many, kubeconfigText(info, CONTEXTS), { mode: 0o600 });
  return { server: child, one, many };
}

async function stopServer(ctx) {
  if (!ctx.server) return;
  const exited = new Promise((resolve) => ctx.server.once('exit', resolve));
  ctx.server.stdin.end();
  setTimeout(() => ctx.server.kill('SIGKILL'), 2000).unref();
  await exited;
}

const [node, bin] = cli;

export const cases = [
  {
    name: 'probe one context (8 stages)',
    setup: startServer,
    teardown: stopServer,
    ours: (ctx) => ({ cmd: node, args: [bin, 'probe'], env: { ...ctx.env, KUBECONFIG: ctx.one } }),
    reference: Object.assign((ctx) => ({ cmd: 'kubectl', args: ['get', '--raw', '/api/v1/namespaces/team-a/pods'], env: { ...ctx.env, KUBECONFIG: ctx.one } }), {
      label: 'kubectl get --raw …/pods',
    }),
    target: { maxRatio: 2 },
  },
  {
    name: `probe --all-contexts (${CONTEXTS} contexts)`,
    setup: startServer,
    teardown: stopServer,
    ours: (ctx) => ({ cmd: node, args: [bin, 'probe', '--all-contexts'], env: { ...ctx.env, KUBECONFIG: ctx.many } }),
    reference: Object.assign(
      (ctx) => ({
        cmd: 'sh',
        args: ['-c', 'set -e; for c in $(kubectl config get-contexts -o name); do kubectl --context "$c" get --raw /api/v1/namespaces/team-a/pods >/dev/null; done'],
        env: { ...ctx.env, KUBECONFIG: ctx.many },
      }),
      { label: `sequential kubectl loop (${CONTEXTS})` },
    ),
    target: { maxRatio: 0.1, text: '≥ 10× faster' },
  },
];
