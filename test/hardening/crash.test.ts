// Crash safety: `init` processes write into one kubeconfig while one of them is killed with SIGKILL
// at a random moment (and, in some rounds, this test holds the lock for a while, as kubectl or
// another writer would). After every round the kubeconfig parses, is exactly what our writer
// produces (never a truncated or interleaved file), has lost no entry it had, and holds the entry
// of every process that reported success. A lock or temp file left by the killed process is
// recovered/removed by the next run; after a normal run nothing but the kubeconfig remains.
// Rounds: SA_KUBECONFIG_CRASH_ITERATIONS (default 40); seed: SA_KUBECONFIG_CRASH_SEED.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKubeconfig, stringifyKubeconfig } from '../../src/kubeconfig/codec.js';
import type { Kubeconfig } from '../../src/kubeconfig/schema.js';
import { makeMount, tempDir, type Mount } from '../support/mount.js';
import { baseEnv, runCli } from '../support/run-cli.js';
import { builtCliCopy, cliCommand } from './built-cli.js';

const ITERATIONS = Number(process.env['SA_KUBECONFIG_CRASH_ITERATIONS'] ?? 40);
const SEED = Number(process.env['SA_KUBECONFIG_CRASH_SEED'] ?? Date.now() % 1_000_000);
const BIG_ENTRIES = Number(process.env['SA_KUBECONFIG_CRASH_ENTRIES'] ?? 60);
const SERVER = 'https://10.96.0.1:443';

/** mulberry32: a tiny seeded PRNG so a failing round can be replayed with the printed seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A kubeconfig of `count` entries (about 1 KB each), in exactly the form our writer produces. */
function bigKubeconfig(count: number): string {
  const ca = Buffer.from('x'.repeat(600)).toString('base64');
  const config: Kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: Array.from({ length: count }, (_, i) => ({ name: `big-${i}`, cluster: { server: `https://big-${i}.example.com:6443`, 'certificate-authority-data': ca } })),
    users: Array.from({ length: count }, (_, i) => ({ name: `big-${i}`, user: { token: `not-a-real-token-${i}` } })),
    contexts: Array.from({ length: count }, (_, i) => ({ name: `big-${i}`, context: { cluster: `big-${i}`, user: `big-${i}`, namespace: 'web' } })),
    'current-context': 'big-0',
  };
  return stringifyKubeconfig(config);
}

interface Child {
  readonly context: string;
  readonly pid: number;
  readonly exited: () => boolean;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  kill(): void;
}

function startInit(cli: string, mount: Mount, file: string, context: string): Child {
  const child = spawn(process.execPath, [cli, 'init', '--sa-dir', mount.dir, '--server', SERVER, '--kubeconfig', file, '--context', context, '--user', context, '--no-set-current'], {
    env: baseEnv(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let exited = false;
  child.on('exit', () => (exited = true));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { context, pid: child.pid ?? -1, exited: () => exited, done, kill: () => child.kill('SIGKILL') };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type KillMoment = 'random-time' | 'holding-lock' | 'temp-written';
const KILL_MOMENTS: readonly KillMoment[] = ['random-time', 'holding-lock', 'temp-written'];

/** Waits (polling every millisecond) until the victim is at `moment`, or has exited, or the deadline passes. */
async function waitFor(moment: KillMoment, victim: Child, dir: string, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until && !victim.exited()) {
    if (moment === 'holding-lock') {
      try {
        if ((JSON.parse(readFileSync(join(dir, 'config.lock'), 'utf8')) as { pid?: number }).pid === victim.pid) return true;
      } catch {
        /* no lock, or being written */
      }
    } else if (readdirSync(dir).some((name) => name.startsWith(`.config.${victim.pid}.`))) {
      return true;
    }
    await sleep(1);
  }
  return false;
}

function names(config: Kubeconfig, list: 'clusters' | 'users' | 'contexts'): Set<string> {
  return new Set((config[list] ?? []).map((entry) => entry.name));
}

/** What the directory holds besides the kubeconfig (and the service-account mount). */
function leftovers(dir: string): { locks: string[]; temps: string[]; other: string[] } {
  const files = readdirSync(dir).filter((name) => name !== 'config' && name !== 'serviceaccount');
  return {
    locks: files.filter((name) => name.startsWith('config.lock')),
    temps: files.filter((name) => /^\.config\.\d+\.[0-9a-f]+\.tmp$/.test(name)),
    other: files.filter((name) => !name.startsWith('config.lock') && !/^\.config\.\d+\.[0-9a-f]+\.tmp$/.test(name)),
  };
}

let root: string;
let mount: Mount;
let cli: string;
let command: readonly string[];
beforeAll(async () => {
  cli = await builtCliCopy();
  command = await cliCommand();
  root = tempDir('sa-kubeconfig-crash-');
  mount = await makeMount(root);
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('init killed with SIGKILL at random moments', () => {
  it(`never leaves a partial kubeconfig, recovers stale locks and temp files (${ITERATIONS} rounds, seed ${SEED})`, { timeout: 120_000 + ITERATIONS * 3_000 }, async () => {
    const next = random(SEED);
    const file = join(root, 'config');
    writeFileSync(file, bigKubeconfig(BIG_ENTRIES), { mode: 0o600 });

    // How long one write takes here, so that kills land before, during and after the write.
    const started = Date.now();
    const calibration = await runCli(['init', '--sa-dir', mount.dir, '--server', SERVER, '--kubeconfig', file, '--context', 'calibration', '--user', 'calibration', '--no-set-current'], { command });
    expect(calibration.code, calibration.stderr).toBe(0);
    const runMs = Math.max(150, Date.now() - started);

    const stats = { rounds: 0, killed: 0, killedAfterWriting: 0, staleLocks: 0, emptyStaleLocks: 0, abandonedTemps: 0, heldLock: 0, succeeded: 0, aimed: { 'holding-lock': 0, 'temp-written': 0 } };
    let before = readFileSync(file, 'utf8');
    for (let round = 0; round < ITERATIONS; round += 1) {
      const writers = next() < 0.75 ? 2 : 3;
      const children = Array.from({ length: writers }, (_, i) => startInit(cli, mount, file, `r${round}-w${i}`));
      const victim = Math.floor(next() * writers);
      // Sometimes another writer (this test, standing in for kubectl) holds the lock meanwhile.
      if (next() < 0.25) {
        await sleep(next() * runMs * 0.5);
        const lock = `${file}.lock`;
        try {
          const fd = openSync(lock, 'wx', 0o600);
          writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), by: 'crash.test' }));
          closeSync(fd);
          stats.heldLock += 1;
          await sleep(next() * 150);
          unlinkSync(lock);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
      }
      const target = children[victim] as Child;
      const moment = KILL_MOMENTS[Math.floor(next() * KILL_MOMENTS.length)] as KillMoment;
      if (moment === 'random-time') {
        await sleep(next() * runMs * 1.2);
      } else if (await waitFor(moment, target, root, runMs * 4)) {
        stats.aimed[moment] += 1;
        if (moment === 'holding-lock') await sleep(next() * 10);
      }
      target.kill();
      const results = await Promise.all(children.map((child) => child.done));

      const text = readFileSync(file, 'utf8');
      const config = parseKubeconfig(text, file);
      // Exactly our writer's output: a truncated or interleaved file does not round-trip.
      expect(stringifyKubeconfig(config)).toBe(text);
      const old = parseKubeconfig(before, file);
      for (const list of ['clusters', 'users', 'contexts'] as const) {
        const now = names(config, list);
        for (const name of names(old, list)) expect(now.has(name), `${list} ${name} lost in round ${round}`).toBe(true);
      }
      const contexts = names(config, 'contexts');
      results.forEach((result, i) => {
        const context = children[i]?.context ?? '';
        if (result.signal === 'SIGKILL') {
          stats.killed += 1;
          if (contexts.has(context)) stats.killedAfterWriting += 1;
        } else {
          expect(result.code, `round ${round} writer ${i}: ${result.stderr}`).toBe(0);
          expect(contexts.has(context), `context ${context} reported written but missing`).toBe(true);
          stats.succeeded += 1;
        }
      });
      const left = leftovers(root);
      expect(left.other).toEqual([]);
      if (left.locks.length > 0) {
        stats.staleLocks += 1;
        // Killed between creating the lock and writing its owner: only its age (10 s) can free it.
        if (readFileSync(join(root, left.locks[0] ?? ''), 'utf8') === '') stats.emptyStaleLocks += 1;
      }
      stats.abandonedTemps += left.temps.length;
      expect(statSync(file).mode & 0o777).toBe(0o600);
      before = text;
      stats.rounds += 1;
    }

    // A normal run after the crashes: recovers any stale lock, removes abandoned temp files and
    // leaves nothing behind but the kubeconfig.
    const final = await runCli(['init', '--sa-dir', mount.dir, '--server', SERVER, '--kubeconfig', file, '--context', 'final', '--user', 'final'], { command });
    expect(final.code, final.stderr).toBe(0);
    expect(leftovers(root)).toEqual({ locks: [], temps: [], other: [] });
    const config = parseKubeconfig(readFileSync(file, 'utf8'), file);
    expect(names(config, 'contexts').size).toBeGreaterThanOrEqual(BIG_ENTRIES + 2 + stats.succeeded);
    console.info(`crash loop: ${JSON.stringify({ seed: SEED, runMs, ...stats })}`);
  });

  it('never breaks the lock of a live writer, however old (a suspended or slow writer would lose an update)', async () => {
    const dir = tempDir('sa-kubeconfig-crash-live-');
    const file = join(dir, 'config');
    writeFileSync(file, bigKubeconfig(2), { mode: 0o600 });
    const before = readFileSync(file, 'utf8');
    // This test process is the live owner; the lock is a minute old.
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), by: 'crash.test' }));
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    const run = await runCli(['init', '--sa-dir', mount.dir, '--server', SERVER, '--kubeconfig', file, '--lock-timeout', '1s'], { command });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/^error: kubeconfig .* is locked by another writer/m);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['config', 'config.lock']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a temp file of a dead writer is removed by the next run; one of a live process is kept', async () => {
    const dir = tempDir('sa-kubeconfig-crash-temp-');
    const file = join(dir, 'config');
    writeFileSync(file, bigKubeconfig(2), { mode: 0o600 });
    // pid 2^22+12345 is above Linux's pid_max default range: not a live process.
    const dead = join(dir, `.config.${2 ** 22 + 12345}.0123456789ab.tmp`);
    const live = join(dir, `.config.${process.pid}.0123456789ab.tmp`);
    const unrelated = join(dir, '.config.backup.tmp');
    for (const path of [dead, live, unrelated]) writeFileSync(path, 'partial', { mode: 0o600 });
    const run = await runCli(['init', '--sa-dir', mount.dir, '--server', SERVER, '--kubeconfig', file], { command });
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['.config.backup.tmp', `.config.${process.pid}.0123456789ab.tmp`, 'config'].sort());
    rmSync(dir, { recursive: true, force: true });
  });
});
