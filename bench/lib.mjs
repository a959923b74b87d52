// The bench harness: runs each case's command (ours) and its reference alternately, N times each,
// and reports medians side by side with their ratio. Whole processes are timed, as a user sees them.
//
// A case module (bench/<name>.mjs) exports `cases`, an array of:
//   {
//     name: 'init into a fresh file',
//     setup?: async (ctx) => extra,        // ctx: { dir (a fresh temp dir for this case), cli, env, ... }
//                                          // whatever it returns is merged into ctx
//     teardown?: async (ctx) => void,
//     ours: Side,                          // what we run
//     reference: Side & { label },         // what we compare with, e.g. label: 'node -e 0'
//     target?: { maxRatio: number, text?: string },   // ours/reference must be ≤ maxRatio
//   }
// where Side is one of
//   { cmd, args, env?, cwd? }                          one process
//   { steps: [{ cmd, args, env?, cwd? }, …] }          several processes, timed together
//   { steps: (ctx, run) => [steps] }                   computed per run (run: 0, 1, … ; warm-up is -1)
//   (ctx, run) => step or [steps]
// Every step must exit 0 (or list its allowed codes in `okCodes`); a failing case is reported as such.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const cliBin = join(repoRoot, 'bin', 'sa-kubeconfig.js');
/** argv prefix for the built CLI. */
export const cli = [process.execPath, cliBin];

/** A clean environment for every measured process: PATH and a private HOME, nothing else. */
export function benchEnv(home, extra = {}) {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: home, NO_COLOR: '1', ...extra };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A seeded PRNG (mulberry32): the interval below is the same for the same samples, run after run. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * How far the ratio of medians could move on this machine: a paired bootstrap over the rounds
 * (round i's two samples stay together, so drift during the run stays in each resample), the
 * central `level` of `resamples` ratios. A target that lies inside the interval is within the
 * run's noise, whichever side of it the median ratio falls.
 */
export function ratioInterval(oursMs, referenceMs, { resamples = 2000, level = 0.9, seed = 1 } = {}) {
  if (oursMs.length !== referenceMs.length || oursMs.length === 0) throw new Error('ratioInterval needs paired samples');
  const random = seededRandom(seed);
  const rounds = oursMs.length;
  const ratios = [];
  for (let resample = 0; resample < resamples; resample += 1) {
    const ours = [];
    const reference = [];
    for (let pick = 0; pick < rounds; pick += 1) {
      const round = Math.floor(random() * rounds);
      ours.push(oursMs[round]);
      reference.push(referenceMs[round]);
    }
    ratios.push(median(ours) / median(reference));
  }
  ratios.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { low: ratios[Math.floor(tail * (resamples - 1))], high: ratios[Math.ceil((1 - tail) * (resamples - 1))], level };
}

function normaliseSide(side) {
  if (typeof side === 'function') return (ctx, run) => [side(ctx, run)].flat();
  if (typeof side.steps === 'function') return (ctx, run) => side.steps(ctx, run);
  if (Array.isArray(side.steps)) return () => side.steps;
  return () => [side];
}

function runSteps(steps, ctx) {
  const start = process.hrtime.bigint();
  for (const step of steps) {
    const result = spawnSync(step.cmd, step.args ?? [], {
      env: step.env ?? ctx.env,
      cwd: step.cwd ?? ctx.dir,
      input: step.stdin ?? '',
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const okCodes = step.okCodes ?? [0];
    if (result.error || !okCodes.includes(result.status)) {
      const detail = (result.error?.message ?? result.stderr ?? '').trim().split('\n')[0];
      throw new Error(`${[step.cmd, ...(step.args ?? [])].join(' ').slice(0, 120)} exited ${result.status}: ${detail}`);
    }
  }
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Runs one case: a warm-up of each side, then `runs` rounds alternating which side goes first
 * (so slow drift of the machine affects both alike). Returns medians in milliseconds.
 */
export async function runCase(benchCase, runs) {
  const dir = mkdtempSync(join(tmpdir(), 'sa-bench-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  let ctx = { dir, home, cli, env: benchEnv(home) };
  try {
    if (benchCase.setup) ctx = { ...ctx, ...((await benchCase.setup(ctx)) ?? {}) };
    const ours = normaliseSide(benchCase.ours);
    const reference = normaliseSide(benchCase.reference);
    runSteps(ours(ctx, -1), ctx);
    runSteps(reference(ctx, -1), ctx);
    const oursMs = [];
    const referenceMs = [];
    for (let run = 0; run < runs; run += 1) {
      if (run % 2 === 0) {
        oursMs.push(runSteps(ours(ctx, run), ctx));
        referenceMs.push(runSteps(reference(ctx, run), ctx));
      } else {
        referenceMs.push(runSteps(reference(ctx, run), ctx));
        oursMs.push(runSteps(ours(ctx, run), ctx));
      }
    }
    const oursMedian = median(oursMs);
    const referenceMedian = median(referenceMs);
    const ratio = oursMedian / referenceMedian;
    const interval = ratioInterval(oursMs, referenceMs);
    const met = benchCase.target === undefined ? undefined : ratio <= benchCase.target.maxRatio;
    return { name: benchCase.name, ok: true, oursMs: oursMedian, referenceMs: referenceMedian, referenceLabel: benchCase.reference.label, ratio, interval, target: benchCase.target, met, runs, samples: { ours: oursMs, reference: referenceMs } };
  } catch (error) {
    return { name: benchCase.name, ok: false, error: error instanceof Error ? error.message : String(error), referenceLabel: benchCase.reference.label, target: benchCase.target };
  } finally {
    if (benchCase.teardown) await benchCase.teardown(ctx);
    rmSync(dir, { recursive: true, force: true });
  }
}

function formatMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

function describeRatio(ratio) {
  return ratio >= 1 ? `${ratio.toFixed(2)}×` : `${ratio.toFixed(2)}× (${(1 / ratio).toFixed(1)}× faster)`;
}

function describeInterval(interval) {
  const digits = interval.high < 0.1 ? 3 : 2;
  return `${interval.low.toFixed(digits)}–${interval.high.toFixed(digits)}×`;
}

export function targetText(target) {
  if (target === undefined) return '';
  return target.text ?? `≤ ${target.maxRatio}×`;
}

/** One Markdown table (it pastes into the README as is). */
export function renderTable(results, machine) {
  const header = ['case', 'ours (median)', 'reference', 'reference (median)', 'ours / reference', '90 % interval', 'target', ''];
  const rows = results.map((result) =>
    result.ok
      ? [result.name, formatMs(result.oursMs), result.referenceLabel, formatMs(result.referenceMs), describeRatio(result.ratio), describeInterval(result.interval), targetText(result.target), result.met === undefined ? '' : result.met ? '✓' : '✗']
      : [result.name, 'failed', result.referenceLabel, '', result.error.replace(/\|/g, '\\|'), '', targetText(result.target), '✗'],
  );
  const counts = [...new Set(results.filter((result) => result.ok).map((result) => result.runs))].sort((a, b) => a - b);
  const lines = [
    `Measured ${machine.date} on ${machine.cpu} (${machine.cores} cores, load average ${machine.load} at the start), Node ${machine.node}, ${machine.os}; each figure the median of ${counts.join(' or ') || machine.runs} runs, ours and the reference alternating; the interval is where 90 % of 2,000 paired bootstrap resamples put the ratio.`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}

export function describeMachine(runs) {
  const cpu = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return { date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC', cpu, cores: cpus().length, node: process.version, os: `${process.platform}-${process.arch}`, runs, load: loadavg()[0].toFixed(1) };
}

// ---------------------------------------------------------------------------------------------
// Fixtures shared by case modules.

function base64url(value) {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** A JWT shaped like a bound service-account token (not signed: init decodes, never verifies). */
export function fakeServiceAccountToken(namespace, serviceAccount) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: ['https://kubernetes.default.svc.cluster.local'],
    exp: now + 3607,
    iat: now,
    iss: 'https://kubernetes.default.svc.cluster.local',
    'kubernetes.io': { namespace, serviceaccount: { name: serviceAccount, uid: '3f1c7a52-8d7e-4b0e-9f0e-1a2b3c4d5e6f' } },
    nbf: now,
    sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
  };
  return `${base64url({ alg: 'RS256', kid: 'bench' })}.${base64url(claims)}.${base64url('x'.repeat(256))}`;
}

/** A self-signed CA certificate (PEM) made with openssl. */
export function makeCaPem(dir) {
  const key = join(dir, 'ca.key');
  const cert = join(dir, 'ca.pem');
  const result = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '3650', '-subj', '/CN=bench-ca'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr}`);
  return cert;
}

/** A service-account mount (token, ca.crt, namespace) in dir/serviceaccount. */
export function makeMount(dir, { namespace = 'team-a', serviceAccount = 'deployer' } = {}) {
  const mount = join(dir, 'serviceaccount');
  mkdirSync(mount, { recursive: true });
  const token = fakeServiceAccountToken(namespace, serviceAccount);
  writeFileSync(join(mount, 'token'), token);
  spawnSync('cp', [makeCaPem(dir), join(mount, 'ca.crt')]);
  writeFileSync(join(mount, 'namespace'), namespace);
  return { dir: mount, token, namespace, serviceAccount, tokenPath: join(mount, 'token'), caPath: join(mount, 'ca.crt') };
}
