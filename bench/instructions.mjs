// Instruction counts (valgrind's callgrind) of `init` into a new and into an existing kubeconfig,
// and of `node -e 0`.
// Wall time on a shared 2-vCPU machine drifts by ±20 % from minute to minute; the number of
// instructions a process executes does not, so this shows what a start-up change really did.
// Two things make it repeatable: V8's hash seed (a random prime search at start-up that alone
// varies by ~5M instructions) is fixed with --hash-seed=1, and since V8 accepts a code cache only
// under the flags it was made with, a private copy of bin/ and dist/ gets a cache made under that
// flag. Skipped (with a note) where valgrind is not installed.
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUBECTL_STYLE_KUBECONFIG } from './init.mjs';
import { benchEnv, makeMount, median, repoRoot } from './lib.mjs';

const FLAGS = ['--hash-seed=1'];

function count(command, env, cwd) {
  const result = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', ...command], { env, cwd, encoding: 'utf8', input: '' });
  const match = /Collected : (\d+)/.exec(result.stderr ?? '');
  if (result.status !== 0 || !match) throw new Error(`valgrind ${command.join(' ')} failed: ${(result.stderr ?? '').trim().split('\n').at(-1)}`);
  return Number(match[1]);
}

/** Rows for the instruction table, or undefined when valgrind is missing. */
export function measureInstructions(runs = 3) {
  if (spawnSync('valgrind', ['--version']).status !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'sa-bench-instructions-'));
  try {
    const copy = join(dir, 'copy');
    cpSync(join(repoRoot, 'bin'), join(copy, 'bin'), { recursive: true });
    cpSync(join(repoRoot, 'dist'), join(copy, 'dist'), { recursive: true });
    cpSync(join(repoRoot, 'package.json'), join(copy, 'package.json'));
    // Every bundle the build gave a cache, remade under FLAGS (V8 refuses a cache made under other flags).
    for (const bundle of readdirSync(join(copy, 'dist')).filter((name) => name.endsWith('.cache')).map((name) => name.replace(/\.cache$/, '.cjs'))) {
      const made = spawnSync(process.execPath, [...FLAGS, join(repoRoot, 'scripts', 'code-cache.mjs'), join(copy, 'dist', bundle)], { encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`code cache of ${bundle} under ${FLAGS.join(' ')} failed: ${made.stderr}`);
    }
    const mount = makeMount(dir);
    const env = benchEnv(join(dir, 'home'));
    const measure = (command) => {
      const counts = Array.from({ length: runs }, (_, run) => count(typeof command === 'function' ? command(run) : command, env, dir));
      return median(counts);
    };
    const bare = measure([process.execPath, ...FLAGS, '-e', '0']);
    const initInto = (file) => [process.execPath, ...FLAGS, join(copy, 'bin', 'sa-kubeconfig.js'), 'init', '--sa-dir', mount.dir, '--kubeconfig', file, '--server', 'https://10.96.0.1:443'];
    const init = measure((run) => initInto(join(dir, `fresh-${run}.kubeconfig`)));
    const existing = measure((run) => {
      const file = join(dir, `existing-${run}.kubeconfig`);
      writeFileSync(file, KUBECTL_STYLE_KUBECONFIG, { mode: 0o600 });
      return initInto(file);
    });
    return { runs, bare, init, ratio: init / bare, existing, existingRatio: existing / bare };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderInstructions(result) {
  if (result === undefined) return 'Instruction counts: skipped (valgrind is not installed).\n';
  const millions = (value) => `${(value / 1e6).toFixed(1)}M`;
  return [
    `Instruction counts (valgrind callgrind, ${FLAGS.join(' ')}, median of ${result.runs}; repeatable to ±0.1 % here):`,
    '',
    '| process | instructions | / `node -e 0` |',
    '| --- | --- | --- |',
    `| \`node -e 0\` | ${millions(result.bare)} | 1 |`,
    `| init into a fresh kubeconfig | ${millions(result.init)} | ${result.ratio.toFixed(2)}× |`,
    ...(result.existing === undefined ? [] : [`| init into an existing kubeconfig (one other context) | ${millions(result.existing)} | ${result.existingRatio.toFixed(2)}× |`]),
    '',
  ].join('\n');
}
