#!/usr/bin/env node
// Concurrency benchmark (not a test): N concurrent writers on one kubeconfig, sa-kubeconfig `init`
// vs `kubectl config set-context`, over several rounds. Prints, per tool, how many writes reported
// success, how many of those are missing afterwards, and the wall time of a round.
//   npm run build && node bench/concurrency.mjs [writers=50] [rounds=3]
// Needs kubectl and openssl on PATH. The correctness claim is asserted in
// test/hardening/concurrency.test.ts; this script only measures.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

const writers = Number(process.argv[2] ?? 50);
const rounds = Number(process.argv[3] ?? 3);
const cli = fileURLToPath(new URL('../bin/sa-kubeconfig.js', import.meta.url));
const kubectl = process.env.KUBECTL ?? 'kubectl';

const root = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-bench-concurrency-'));
const sa = join(root, 'serviceaccount');
mkdirSync(sa);
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(root, 'ca.key'), '-out', join(sa, 'ca.crt'), '-subj', '/CN=bench-ca', '-days', '1'], { stdio: 'ignore' });
writeFileSync(join(sa, 'token'), 'bench.opaque.token-not-a-jwt');
writeFileSync(join(sa, 'namespace'), 'bench');
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, NO_COLOR: '1' };

function run(command, args) {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: 300_000 }, (error) => resolve(error ? 1 : 0));
  });
}

function contextsIn(file) {
  try {
    const config = load(readFileSync(file, 'utf8')) ?? {};
    return new Set((config.contexts ?? []).map((entry) => entry.name));
  } catch {
    return new Set();
  }
}

async function round(tool, index) {
  const file = join(root, `${tool}-${index}.kubeconfig`);
  const names = Array.from({ length: writers }, (_, i) => `ctx-${i}`);
  const started = process.hrtime.bigint();
  const codes = await Promise.all(
    names.map((name) =>
      tool === 'sa-kubeconfig'
        ? run(process.execPath, [cli, 'init', '--sa-dir', sa, '--server', 'https://10.96.0.1', '--kubeconfig', file, '--context', name, '--user', name, '--no-set-current', '--lock-timeout', '120s'])
        : run(kubectl, ['config', 'set-context', name, '--cluster=c', '--user=u', '--kubeconfig', file]),
    ),
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const present = contextsIn(file);
  const succeeded = names.filter((_, i) => codes[i] === 0);
  return { succeeded: succeeded.length, lost: succeeded.filter((name) => !present.has(name)).length, present: present.size, ms: Math.round(ms) };
}

const results = { writers, rounds, 'sa-kubeconfig': [], kubectl: [] };
for (let i = 0; i < rounds; i += 1) {
  for (const tool of ['sa-kubeconfig', 'kubectl']) results[tool].push(await round(tool, i));
}
rmSync(root, { recursive: true, force: true });
for (const tool of ['sa-kubeconfig', 'kubectl']) {
  const rows = results[tool];
  console.log(
    `${tool.padEnd(14)} ${writers} writers x ${rounds}: reported success ${rows.map((r) => r.succeeded).join('/')}, ` +
      `lost ${rows.map((r) => r.lost).join('/')}, contexts in file ${rows.map((r) => r.present).join('/')}, wall ms ${rows.map((r) => r.ms).join('/')}`,
  );
}
console.log(JSON.stringify(results));
