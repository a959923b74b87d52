// Concurrency at scale: 50 writers at once on one kubeconfig, mixing `init` with distinct contexts,
// `init` runs that replace each other (same names, different servers) and `from-secret` against
// the emulated API server. Every write that reported success must be in the file; a replaced entry
// must hold one of the successful writers' values. The same test run measures kubectl on the same
// task (50 concurrent `kubectl config set-context`): its figures are recorded, not asserted (they
// are nondeterministic), and written to $SA_KUBECONFIG_HARDENING_REPORT when set.
// Writer count: SA_KUBECONFIG_WRITERS (default 50).
import { execFile } from 'node:child_process';
import { appendFileSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKubeconfig } from '../../src/kubeconfig/codec.js';
import { createKubectlWorld, type KubectlWorld } from '../support/fake-kubectl-world.js';
import { makeMount, tempDir, type Mount } from '../support/mount.js';
import { REAL_KUBECTL } from '../support/fake-kubectl.js';
import { runCli, type RunCliResult } from '../support/run-cli.js';
import { cliCommand } from './built-cli.js';

const WRITERS = Number(process.env['SA_KUBECONFIG_WRITERS'] ?? 50);

let world: KubectlWorld;
let mount: Mount;
let command: readonly string[];
let root: string;
beforeAll(async () => {
  command = await cliCommand();
  world = await createKubectlWorld();
  root = tempDir('sa-kubeconfig-concurrency-');
  mount = await makeMount(root);
});
afterAll(async () => {
  await world?.close();
  rmSync(root, { recursive: true, force: true });
});

type Writer =
  | { readonly kind: 'init'; readonly context: string; readonly server: string }
  | { readonly kind: 'replace'; readonly context: 'shared'; readonly server: string }
  | { readonly kind: 'from-secret'; readonly context: string };

function plan(count: number): Writer[] {
  const writers: Writer[] = [];
  for (let i = 0; i < count; i += 1) {
    if (i % 5 === 1) writers.push({ kind: 'replace', context: 'shared', server: `https://replica-${i}.example.com:6443` });
    else if (i % 5 === 3) writers.push({ kind: 'from-secret', context: `secret-${i}` });
    else writers.push({ kind: 'init', context: `init-${i}`, server: `https://init-${i}.example.com` });
  }
  return writers;
}

function run(writer: Writer, file: string): Promise<RunCliResult> {
  const common = ['--kubeconfig', file, '--lock-timeout', '120s', '--no-set-current'];
  switch (writer.kind) {
    case 'init':
      return runCli(['init', '--sa-dir', mount.dir, '--server', writer.server, '--cluster', writer.context, '--user', writer.context, '--context', writer.context, ...common], { command, timeoutMs: 180_000 });
    case 'replace':
      return runCli(['init', '--sa-dir', mount.dir, '--server', writer.server, '--cluster', 'shared', '--user', 'shared', '--context', 'shared', ...common], { command, timeoutMs: 180_000 });
    case 'from-secret':
      return runCli(['from-secret', 'deployer-token', '-n', 'team-a', '--user', writer.context, '--context', writer.context, '--kubectl-timeout', '120s', ...common], {
        command,
        env: world.env(),
        timeoutMs: 180_000,
      });
  }
}

function kubectl(args: readonly string[], home: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(REAL_KUBECTL, [...args], { env: { PATH: '/usr/bin:/bin', HOME: home }, timeout: 120_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr });
    });
  });
}

function record(line: string): void {
  console.info(line);
  const report = process.env['SA_KUBECONFIG_HARDENING_REPORT'];
  if (report) appendFileSync(report, `${line}\n`);
}

describe(`${WRITERS} concurrent writers on one kubeconfig`, () => {
  it('sa-kubeconfig loses no successful write; kubectl is measured on the same task', { timeout: 300_000 }, async () => {
    const file = join(root, 'config');
    const writers = plan(WRITERS);
    const results = await Promise.all(writers.map((writer) => run(writer, file)));

    const config = parseKubeconfig(readFileSync(file, 'utf8'), file);
    const contexts = new Map((config.contexts ?? []).map((entry) => [entry.name, entry.context ?? {}]));
    const clusters = new Map((config.clusters ?? []).map((entry) => [entry.name, entry.cluster ?? {}]));
    const users = new Map((config.users ?? []).map((entry) => [entry.name, entry.user ?? {}]));
    let succeeded = 0;
    let lost = 0;
    const sharedServers: string[] = [];
    writers.forEach((writer, i) => {
      const result = results[i] as RunCliResult;
      // Every writer must succeed (the lock waits; nothing here is allowed to fail).
      expect(result.code, `${writer.kind} ${writer.context}: ${result.stderr}`).toBe(0);
      succeeded += 1;
      const context = contexts.get(writer.context);
      if (!context || !users.has(writer.context)) lost += 1;
      if (writer.kind === 'replace') sharedServers.push(writer.server);
      if (writer.kind === 'init') expect(clusters.get(writer.context)?.server).toBe(writer.server);
      if (writer.kind === 'from-secret') expect(users.get(writer.context)?.token).toMatch(/^eyJ/);
    });
    expect(lost).toBe(0);
    // Same-name replacements: the survivor is one of the successful writers' values, consistent.
    expect(sharedServers).toContain(clusters.get('shared')?.server);
    expect(contexts.get('shared')).toMatchObject({ cluster: 'shared', user: 'shared' });
    expect(contexts.size).toBe(new Set(writers.map((writer) => writer.context)).size);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(root).sort()).toEqual(['config', 'serviceaccount']);

    // kubectl on the same kind of task: 50 concurrent set-context on one file.
    const kubectlDir = tempDir('sa-kubeconfig-concurrency-kubectl-');
    const kubectlFile = join(kubectlDir, 'config');
    const kubectlRuns = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) => kubectl(['config', 'set-context', `ctx-${i}`, '--cluster=c', '--user=u', '--kubeconfig', kubectlFile], kubectlDir)),
    );
    const kubectlSucceeded = kubectlRuns.filter((r) => r.code === 0).length;
    let kubectlSurvived = 0;
    let kubectlParses = true;
    try {
      const written = parseKubeconfig(readFileSync(kubectlFile, 'utf8'), kubectlFile);
      const names = new Set((written.contexts ?? []).map((entry) => entry.name));
      kubectlSurvived = kubectlRuns.filter((r, i) => r.code === 0 && names.has(`ctx-${i}`)).length;
    } catch {
      kubectlParses = false;
    }
    rmSync(kubectlDir, { recursive: true, force: true });

    const kinds = (kind: Writer['kind']) => writers.filter((writer) => writer.kind === kind).length;
    record(
      `concurrency: sa-kubeconfig ${WRITERS} writers (${kinds('init')} init, ${kinds('replace')} replacing one entry, ${kinds('from-secret')} from-secret): ${succeeded} reported success, ${lost} lost`,
    );
    record(
      `concurrency: kubectl ${WRITERS} x config set-context: ${kubectlSucceeded} reported success, ${kubectlSurvived} of those survived, ${kubectlSucceeded - kubectlSurvived} lost${kubectlParses ? '' : ', file unparseable'}`,
    );
  });
});
