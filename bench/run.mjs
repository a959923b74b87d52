// `npm run bench`: runs every case module in bench/ (init first) and prints one table.
// BENCH_RUNS=N sets the runs per figure (default 9); BENCH_ONLY=regex picks cases by name/module.
// Not part of `npm test`: timings are reported, never asserted.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureInstructions, renderInstructions } from './instructions.mjs';
import { describeMachine, renderTable, repoRoot, runCase } from './lib.mjs';

const runs = Number.parseInt(process.env.BENCH_RUNS ?? '9', 10);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`BENCH_RUNS must be a positive integer, got ${process.env.BENCH_RUNS}`);
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : undefined;

const benchDir = join(repoRoot, 'bench');
const modules = readdirSync(benchDir)
  .filter((file) => file.endsWith('.mjs') && !['run.mjs', 'lib.mjs', 'instructions.mjs'].includes(file))
  .sort((a, b) => (a === 'init.mjs' ? -1 : b === 'init.mjs' ? 1 : a.localeCompare(b)));

const results = [];
for (const file of modules) {
  // A module without `cases` (concurrency.mjs) is a benchmark of its own that runs when imported:
  // with BENCH_ONLY, only when the pattern names it.
  const standalone = !/^export const cases\b/m.test(readFileSync(join(benchDir, file), 'utf8'));
  if (only && standalone && !only.test(file)) continue;
  const { cases } = await import(join(benchDir, file));
  for (const benchCase of cases ?? []) {
    if (only && !only.test(`${file} ${benchCase.name} ${benchCase.reference.label}`)) continue;
    // Start-up cases ask for more runs (minRuns): their differences are a few milliseconds.
    const caseRuns = Math.max(runs, benchCase.minRuns ?? 0);
    process.stderr.write(`bench: ${file}: ${benchCase.name} vs ${benchCase.reference.label} (${caseRuns} runs each)…\n`);
    const result = await runCase(benchCase, caseRuns);
    results.push({ module: file, ...result });
  }
}

const machine = describeMachine(runs);
process.stdout.write(`\n${renderTable(results, machine)}`);
let instructions;
if (!only || only.test('instructions.mjs init')) {
  process.stderr.write('bench: instructions.mjs: init vs node -e 0 under callgrind…\n');
  instructions = measureInstructions();
  process.stdout.write(`\n${renderInstructions(instructions)}`);
}
writeFileSync(join(benchDir, 'results.json'), `${JSON.stringify({ machine, results, instructions }, null, 2)}\n`);
