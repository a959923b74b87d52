// init against its references (issue 2): bare `node -e 0`, the five-command kubectl recipe, and
// one `kubectl config set-context` on a kubeconfig with 5,000 contexts.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, makeMount } from './lib.mjs';

const SERVER = 'https://10.96.0.1:443';
const CONTEXTS = 5000;

function initArgs(ctx, kubeconfig) {
  return [...cli.slice(1), 'init', '--sa-dir', ctx.mount.dir, '--kubeconfig', kubeconfig, '--server', SERVER];
}

/** The manual recipe people paste into pods (issue 2): five `kubectl config` commands. */
function kubectlRecipe(ctx, kubeconfig) {
  const { mount } = ctx;
  const name = `${mount.namespace}/${mount.serviceAccount}@10.96.0.1`;
  const token = readFileSync(mount.tokenPath, 'utf8');
  const kc = ['--kubeconfig', kubeconfig];
  return [
    { cmd: 'kubectl', args: ['config', 'set-cluster', '10.96.0.1', `--server=${SERVER}`, `--certificate-authority=${mount.caPath}`, '--embed-certs=true', ...kc] },
    // The recipe puts the token on kubectl's command line (visible in ps); this is what we replace.
    { cmd: 'kubectl', args: ['config', 'set-credentials', name, `--token=${token}`, ...kc] },
    { cmd: 'kubectl', args: ['config', 'set-context', name, '--cluster=10.96.0.1', `--user=${name}`, ...kc] },
    { cmd: 'kubectl', args: ['config', 'use-context', name, ...kc] },
    { cmd: 'kubectl', args: ['config', 'set-context', '--current', `--namespace=${mount.namespace}`, ...kc] },
  ];
}

/** A kubeconfig with `count` clusters, users and contexts, each with embedded CA data and a token (~9 MB for 5,000). */
function bigKubeconfig(count, caPem) {
  const caData = Buffer.from(caPem).toString('base64');
  const lines = ['apiVersion: v1', 'kind: Config', 'preferences: {}', 'clusters:'];
  for (let i = 0; i < count; i += 1) lines.push(`- name: cluster-${i}`, '  cluster:', `    server: https://10.${(i >> 8) & 255}.${i & 255}.1:6443`, `    certificate-authority-data: ${caData}`);
  lines.push('users:');
  for (let i = 0; i < count; i += 1) lines.push(`- name: user-${i}`, '  user:', `    token: ${'t'.repeat(40)}${String(i).padStart(8, '0')}${'k'.repeat(900)}`);
  lines.push('contexts:');
  for (let i = 0; i < count; i += 1) lines.push(`- name: context-${i}`, '  context:', `    cluster: cluster-${i}`, `    user: user-${i}`, `    namespace: ns-${i % 50}`);
  lines.push('current-context: context-0', '');
  return lines.join('\n');
}

// Node parses the bundle named by NODE_EXTRA_CA_CERTS at every start (startup-costs.md); this
// machine sets it, a pod usually does not. Measure both ways, each side in the same environment.
const extraCaCerts = process.env.NODE_EXTRA_CA_CERTS;
const startupCases = [
  ...(extraCaCerts ? [{ env: (ctx) => ({ ...ctx.env, NODE_EXTRA_CA_CERTS: extraCaCerts }), label: '`node -e 0` (with this machine\'s NODE_EXTRA_CA_CERTS)' }] : []),
  { env: (ctx) => ctx.env, label: extraCaCerts ? '`node -e 0` (no NODE_EXTRA_CA_CERTS)' : '`node -e 0`' },
].map(({ env, label }) => ({
  name: 'init into a fresh kubeconfig',
  setup: (ctx) => ({ mount: makeMount(ctx.dir) }),
  ours: (ctx, run) => ({ cmd: cli[0], args: initArgs(ctx, join(ctx.dir, `a-${run}.kubeconfig`)), env: env(ctx) }),
  reference: { label, steps: (ctx) => [{ cmd: cli[0], args: ['-e', '0'], env: env(ctx) }] },
  target: { maxRatio: 1.3, text: '≤ 1.3×' },
  minRuns: 41,
}));

/** A kubeconfig with one other context, as kubectl writes one (init reads it, so dist/codec.cjs loads). */
export const KUBECTL_STYLE_KUBECONFIG = [
  'apiVersion: v1',
  'clusters:',
  '- cluster:',
  '    server: https://203.0.113.10:6443',
  '  name: other',
  'contexts:',
  '- context:',
  '    cluster: other',
  '    user: other',
  '  name: other',
  'current-context: other',
  'kind: Config',
  'preferences: {}',
  'users:',
  '- name: other',
  '  user:',
  '    token: not-a-real-token',
  '',
].join('\n');

export const cases = [
  ...startupCases,
  // No target in the issue (its start-up target is for a new kubeconfig, the pod's case); shown so
  // that what reading a kubeconfig adds is on the record too.
  {
    name: 'init into an existing kubeconfig (one other context)',
    setup: (ctx) => ({ mount: makeMount(ctx.dir) }),
    ours: (ctx, run) => {
      const file = join(ctx.dir, `existing-${run}.kubeconfig`);
      writeFileSync(file, KUBECTL_STYLE_KUBECONFIG, { mode: 0o600 });
      return { cmd: cli[0], args: initArgs(ctx, file), env: ctx.env };
    },
    reference: { label: extraCaCerts ? '`node -e 0` (no NODE_EXTRA_CA_CERTS)' : '`node -e 0`', steps: (ctx) => [{ cmd: cli[0], args: ['-e', '0'], env: ctx.env }] },
    minRuns: 41,
  },
  {
    name: 'init into a fresh kubeconfig',
    setup: (ctx) => ({ mount: makeMount(ctx.dir) }),
    ours: (ctx, run) => ({ cmd: cli[0], args: initArgs(ctx, join(ctx.dir, `ours-${run}.kubeconfig`)) }),
    reference: { label: 'kubectl recipe (5 × `kubectl config`)', steps: (ctx, run) => kubectlRecipe(ctx, join(ctx.dir, `recipe-${run}.kubeconfig`)) },
    target: { maxRatio: 0.2, text: '≥ 5× faster' },
    minRuns: 21,
  },
  {
    name: `init merging into a kubeconfig of ${CONTEXTS.toLocaleString('en')} contexts`,
    setup: (ctx) => {
      const mount = makeMount(ctx.dir);
      const seed = join(ctx.dir, 'big.seed');
      writeFileSync(seed, bigKubeconfig(CONTEXTS, readFileSync(mount.caPath, 'utf8')), { mode: 0o600 });
      const oursFile = join(ctx.dir, 'big-ours.kubeconfig');
      const referenceFile = join(ctx.dir, 'big-reference.kubeconfig');
      copyFileSync(seed, oursFile);
      copyFileSync(seed, referenceFile);
      return { mount, oursFile, referenceFile };
    },
    // Both upsert one entry into the same big file (their own copy), run after run.
    ours: (ctx) => ({ cmd: cli[0], args: initArgs(ctx, ctx.oursFile) }),
    reference: {
      label: 'one `kubectl config set-context` on the same file',
      steps: (ctx) => [{ cmd: 'kubectl', args: ['config', 'set-context', 'bench', '--cluster=cluster-1', '--user=user-1', '--namespace=team-a', '--kubeconfig', ctx.referenceFile] }],
    },
    target: { maxRatio: 1.0, text: 'no slower (≤ 1×)' },
  },
];
