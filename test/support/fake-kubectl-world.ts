// The world the e2e tests of from-secret / from-serviceaccount run in: the emulated API server, a
// temp dir with an admin source kubeconfig (KUBECONFIG) and an isolated HOME, the argv-recording
// kubectl wrapper first on PATH, and helpers to use a written kubeconfig with the real kubectl.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AuthenticationV1Api, KubeConfig } from '@kubernetes/client-node';
import { startApiServer, type ApiServer, type ApiServerOptions } from './apiserver.js';
import { createFakeKubectl, kubectlClientMinor, REAL_KUBECTL, type FakeKubectl } from './fake-kubectl.js';
import { repoRoot, runCli, type RunCliResult } from './run-cli.js';

/**
 * A private copy of the built CLI (dist/ + bin/), taken once it runs: other work in the same tree
 * may rebuild dist/ (which deletes it first) while these tests run.
 */
function snapshotCli(into: string): string {
  const bin = join(into, 'bin', 'sa-kubeconfig.js');
  for (let attempt = 0; ; attempt += 1) {
    try {
      rmSync(into, { recursive: true, force: true });
      cpSync(join(repoRoot, 'dist'), join(into, 'dist'), { recursive: true });
      cpSync(join(repoRoot, 'bin'), join(into, 'bin'), { recursive: true });
      writeFileSync(join(into, 'package.json'), '{"type":"module"}\n');
      execFileSync(process.execPath, [bin, '--version'], { stdio: 'ignore', timeout: 10_000 });
      return bin;
    } catch (error) {
      if (attempt >= 20) throw error;
      execFileSync('sleep', ['0.3']);
    }
  }
}

export interface KubectlWorld {
  readonly server: ApiServer;
  readonly kubectl: FakeKubectl;
  readonly dir: string;
  readonly home: string;
  /** The admin kubeconfig kubectl reads (KUBECONFIG), namespace team-a. */
  readonly source: string;
  /** The explicit, complete child env. */
  env(extra?: Readonly<Record<string, string | undefined>>): Record<string, string | undefined>;
  run(args: readonly string[], options?: { env?: Readonly<Record<string, string | undefined>>; timeoutMs?: number }): Promise<RunCliResult>;
  /** Runs the real kubectl (not the wrapper) with an explicit env. */
  realKubectl(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /**
   * Who the server says a kubeconfig authenticates as: `kubectl auth whoami` (kubectl ≥ 1.27),
   * else a SelfSubjectReview through @kubernetes/client-node (Debian's kubectl is 1.20).
   */
  identity(kubeconfig: string): Promise<string>;
  /** A fresh path inside the world's dir. */
  path(name: string): string;
  /** Bytes of every kubeconfig we care about, to prove nothing was touched. */
  snapshot(paths: readonly string[]): Record<string, string | null>;
  close(): Promise<void>;
}

export async function createKubectlWorld(options: ApiServerOptions = {}): Promise<KubectlWorld> {
  const server = await startApiServer(options);
  const kubectl = createFakeKubectl();
  const dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-from-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  const cli = snapshotCli(join(dir, 'cli'));
  const source = join(dir, 'source.kubeconfig');
  writeFileSync(source, server.kubeconfig({ admin: true }, { namespace: 'team-a', name: 'admin@emulated' }), { mode: 0o600 });
  const env = (extra: Readonly<Record<string, string | undefined>> = {}) => ({
    PATH: `${kubectl.dir}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    KUBECONFIG: source,
    NO_COLOR: '1',
    ...extra,
  });
  const realKubectl = (args: readonly string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(REAL_KUBECTL, [...args], { env: { PATH: `${dirname(REAL_KUBECTL)}:/usr/bin:/bin`, HOME: home } }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });
  return {
    server,
    kubectl,
    dir,
    home,
    source,
    env,
    run: (args, runOptions = {}) =>
      runCli(args, { command: [process.execPath, cli], env: env(runOptions.env), ...(runOptions.timeoutMs === undefined ? {} : { timeoutMs: runOptions.timeoutMs }) }),
    realKubectl,
    identity: async (kubeconfig) => {
      if (kubectlClientMinor() >= 27) {
        const whoami = await realKubectl(['--kubeconfig', kubeconfig, 'auth', 'whoami', '-o', 'json']);
        return (JSON.parse(whoami.stdout) as { status: { userInfo: { username: string } } }).status.userInfo.username;
      }
      const config = new KubeConfig();
      config.loadFromFile(kubeconfig);
      const review = await config.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
      return review.status?.userInfo?.username ?? '';
    },
    path: (name) => join(dir, name),
    snapshot: (paths) => Object.fromEntries(paths.map((p) => [p, existsSync(p) ? readFileSync(p, 'utf8') : null])),
    close: async () => {
      await server.close();
      kubectl.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
