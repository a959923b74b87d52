// `sa-kubeconfig demo`: the whole story on one machine, with nothing outside a temp dir touched.
// An emulated API server on loopback (fresh CA), a kubelet-style service-account mount for
// team-a/deployer, then the real commands — `init`, `probe` and, where installed, kubectl — each
// with HOME and KUBECONFIG pointing into the temp dir. Loaded lazily by src/commands/demo.ts, so
// the emulated server (and @peculiar/x509, bundled with it) never loads for any other command.
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_GIT_VERSION, startApiServer, type ApiServer } from '../../test/support/apiserver.js';
import type { CommandContext } from '../context.js';
import type { Deps } from '../deps.js';
import { ExitCode } from '../errors.js';
import { formatDuration } from '../duration.js';
import { parseKubeconfig } from '../kubeconfig/codec.js';
import { colorAllowed, createPainter } from '../output.js';
import { decodeTokenClaims } from '../serviceaccount/token.js';
import { writeDemoMount, type DemoMount } from './mount.js';
import { createNarrator, type Narrator } from './narrate.js';

export const DEMO_NAMESPACE = 'team-a';
export const DEMO_SERVICE_ACCOUNT = 'deployer';
const STEPS = 6;
const KUBECTL_TIMEOUT_MS = 30_000;
/** After Ctrl-C, how long the step in flight may take to end before the temp dir is removed anyway. */
const INTERRUPT_GRACE_MS = 5_000;

/** Runs sa-kubeconfig in-process (main() from src/main.ts); injected to keep imports one-way. */
export type RunSaKubeconfig = (argv: readonly string[], deps: Deps) => Promise<ExitCode>;

export interface DemoOptions {
  /** Leave the temp dir in place for inspection (the server still stops). */
  readonly keep?: boolean | undefined;
}

interface Captured {
  readonly code: ExitCode;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runDemo(ctx: CommandContext, runSaKubeconfig: RunSaKubeconfig, options: DemoOptions = {}): Promise<ExitCode> {
  const { deps } = ctx;
  const paint = createPainter(colorAllowed(deps.isTTY.stdout, deps.env));
  const root = await mkdtemp(join(deps.env['TMPDIR'] || tmpdir(), 'sa-kubeconfig-demo-'));
  const realRoot = await deps.fs.realpath(root);
  let interrupted = false;
  // After Ctrl-C the step in flight fails as the server goes away; that is not news worth printing.
  const write = (text: string): void => {
    if (!interrupted) deps.stdout(text);
  };
  const say = createNarrator(write, paint, STEPS, [root, realRoot]);
  const home = join(root, 'home');
  const kubeconfigPath = join(root, 'kubeconfig');
  // Everything we run sees only this environment: no KUBECONFIG, proxy or cloud settings of the
  // caller leak in, and whatever kubectl caches (~/.kube/cache) lands in the temp dir.
  const env: Record<string, string> = {
    PATH: deps.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    KUBECONFIG: kubeconfigPath,
    TMPDIR: root,
    ...pick(deps.env, ['TERM', 'NO_COLOR', 'FORCE_COLOR', 'LANG', 'LC_ALL']),
  };

  deps.stdout(`${paint.bold('sa-kubeconfig demo')}: a pod's service account → a working kubeconfig, against an emulated API server.\n`);
  deps.stdout(`Everything happens in DEMO=${root}\n(HOME and KUBECONFIG point there for every command; it is removed at the end).\n`);

  let server: ApiServer | undefined;
  let cleaned: Promise<void> | undefined;
  const cleanUpOnce = (): Promise<void> => (cleaned ??= cleanUp(deps, say, server, root, Boolean(options.keep)));
  const proceed = (code: ExitCode): boolean => code === ExitCode.ok && !interrupted;
  const steps = async (): Promise<ExitCode> => {
    await deps.fs.mkdir(home, { mode: 0o700 });
    server = await stepStartServer(deps, say);
    if (interrupted) return ExitCode.ok;
    const mount = await stepLayOutMount(ctx, say, server, root);
    const run = (argv: readonly string[]) => captureRun(runSaKubeconfig, argv, { ...deps, env, homeDir: home, cwd: root });
    let code = interrupted ? ExitCode.ok : await stepInit(say, run, mount, server, kubeconfigPath);
    if (proceed(code)) code = await stepShowKubeconfig(deps, say, kubeconfigPath);
    if (proceed(code)) code = await stepProbe(say, run, kubeconfigPath);
    if (proceed(code)) code = await stepKubectl(deps, say, env, kubeconfigPath, server);
    return code;
  };
  let work: Promise<ExitCode> | undefined;
  // Ctrl-C: stop the server, let the step in flight end (it fails fast without a server) so that
  // nothing writes into the temp dir after it is gone, remove it, then die by the signal as usual.
  const removeInterruptHook = deps.onInterrupt?.(async () => {
    interrupted = true;
    deps.stdout('\nInterrupted.');
    await server?.close();
    if (work) await Promise.race([work.then(ignore, ignore), deps.sleep(INTERRUPT_GRACE_MS)]);
    await cleanUpOnce();
  });
  let exitCode: ExitCode;
  try {
    work = steps();
    exitCode = await work;
  } finally {
    await cleanUpOnce();
    removeInterruptHook?.();
  }
  // Interrupted: the hook is about to end the process by SIGINT; there is no verdict to give.
  if (interrupted) return ExitCode.internal;
  deps.stdout('\n');
  if (exitCode === ExitCode.ok) {
    deps.stdout(`${paint.green('Demo passed.')} In a pod, the same takes one command: ${paint.bold('sa-kubeconfig init --probe')}\n`);
  } else {
    deps.stdout(`${paint.red('Demo failed')} (exit ${exitCode}); the step marked ✗ above says why.\n`);
  }
  return exitCode;
}

async function stepStartServer(deps: Deps, say: Narrator): Promise<ApiServer> {
  say.step('Start an emulated Kubernetes API server on loopback');
  const started = deps.now().getTime();
  const server = await startApiServer({ host: '127.0.0.1' });
  const ca = new X509Certificate(server.caPem);
  say.note(`${server.url}   (HTTPS; Kubernetes ${DEFAULT_GIT_VERSION} as far as clients can tell)`);
  say.note(`CA generated just now: ${oneLineSubject(ca.subject)}, valid until ${new Date(ca.validTo).toISOString().slice(0, 10)}`);
  say.note(`namespace ${DEMO_NAMESPACE} holds 3 pods; service account ${DEMO_NAMESPACE}/${DEMO_SERVICE_ACCOUNT} may list them`);
  say.pass(`listening (${deps.now().getTime() - started} ms)`);
  return server;
}

async function stepLayOutMount(ctx: CommandContext, say: Narrator, server: ApiServer, root: string): Promise<DemoMount> {
  const { deps } = ctx;
  say.step(`Lay out the pod's service-account mount for ${DEMO_NAMESPACE}/${DEMO_SERVICE_ACCOUNT}, as the kubelet does`);
  // 3607 s, as the ServiceAccount admission plugin's kube-api-access projected volume asks the
  // kubelet for (plugin/pkg/admission/serviceaccount/admission.go).
  const token = server.mintToken({ namespace: DEMO_NAMESPACE, serviceAccount: DEMO_SERVICE_ACCOUNT, expirationSeconds: 3607 });
  ctx.secrets.add(token);
  const mount = await writeDemoMount(deps, root, { token, caPem: server.caPem, namespace: DEMO_NAMESPACE });
  const claims = await decodeTokenClaims(token);
  const subject = claims.kind === 'jwt' ? (claims.subject ?? '?') : '?';
  const expires = claims.kind === 'jwt' && claims.expiresAt ? `expires in ${formatDuration(claims.expiresAt.getTime() - deps.now().getTime())}` : '';
  const fingerprint = createHash('sha256').update(token).digest('hex').slice(0, 12);
  say.note(`${mount.dir}/   (token, ca.crt, namespace → ..data/, swapped atomically on rotation)`);
  say.note(`  token       a JWT for ${subject}, ${expires}, sha256:${fingerprint}`);
  say.note(`              (the token itself is never printed; anything that would show it says REDACTED)`);
  say.note(`  ca.crt      the emulated server's CA`);
  say.note(`  namespace   ${DEMO_NAMESPACE}`);
  say.pass('mounted');
  return mount;
}

async function stepInit(
  say: Narrator,
  run: (argv: readonly string[]) => Promise<Captured>,
  mount: DemoMount,
  server: ApiServer,
  kubeconfigPath: string,
): Promise<ExitCode> {
  say.step('Write a kubeconfig from the mount: sa-kubeconfig init');
  // In a pod --server is not needed (KUBERNETES_SERVICE_HOST/PORT); here the server is on loopback.
  const argv = ['init', '--sa-dir', mount.dir, '--server', server.url, '--kubeconfig', kubeconfigPath];
  say.command(['sa-kubeconfig', ...argv]);
  const result = await run(argv);
  return reportRun(say, result, 'init wrote the kubeconfig');
}

async function stepShowKubeconfig(deps: Deps, say: Narrator, kubeconfigPath: string): Promise<ExitCode> {
  say.step('What was written');
  const text = await deps.fs.readFile(kubeconfigPath, 'utf8');
  const mode = (await deps.fs.stat(kubeconfigPath)).mode & 0o777;
  say.note(`${kubeconfigPath}   (mode ${mode.toString(8).padStart(4, '0')})`);
  // deps.stdout redacts the registered token; with the default tokenFile there is none to redact.
  say.quote(text);
  say.note('tokenFile points at the mounted token, so kubelet rotation keeps working; --embed would copy it in.');
  const config = parseKubeconfig(text, kubeconfigPath);
  const current = config['current-context'];
  const counts = [config.clusters, config.users, config.contexts].map((list) => list?.length ?? 0);
  if (mode !== 0o600 || !current || counts.some((n) => n !== 1)) {
    say.fail(`expected one cluster, user and context, the context current, mode 0600`);
    return ExitCode.internal;
  }
  say.pass(`one cluster, one user, one context "${current}", now current; readable by you alone`);
  return ExitCode.ok;
}

async function stepProbe(say: Narrator, run: (argv: readonly string[]) => Promise<Captured>, kubeconfigPath: string): Promise<ExitCode> {
  say.step('Prove it works, layer by layer: sa-kubeconfig probe');
  const argv = ['probe', '--kubeconfig', kubeconfigPath];
  say.command(['sa-kubeconfig', ...argv]);
  const result = await run(argv);
  return reportRun(say, result, 'every stage passed');
}

async function stepKubectl(deps: Deps, say: Narrator, env: Readonly<Record<string, string>>, kubeconfigPath: string, server: ApiServer): Promise<ExitCode> {
  say.step('Use it with kubectl');
  const args = ['--kubeconfig', kubeconfigPath, 'get', 'pods', '-n', DEMO_NAMESPACE, '--request-timeout=20s'];
  say.command(['kubectl', ...args]);
  let result;
  try {
    result = await deps.spawn({ command: 'kubectl', args, env, timeoutMs: KUBECTL_TIMEOUT_MS });
  } catch (error) {
    // `command -v kubectl` failed, in effect: ENOENT (not on PATH) or EACCES.
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    say.skip(`kubectl not found on PATH (${code}); skipped this step — install kubectl and run the demo again to see it`);
    return ExitCode.ok;
  }
  say.quote(result.stdout);
  say.quote(result.stderr, 'warning');
  if (result.timedOut) {
    say.fail(`kubectl did not finish within ${KUBECTL_TIMEOUT_MS / 1000} s`);
    return ExitCode.kubectl;
  }
  if (result.exitCode !== 0) {
    say.fail(`kubectl exited with ${result.exitCode ?? result.signal ?? 'an error'}`);
    return ExitCode.kubectl;
  }
  // Who the server saw: the proof that kubectl used the service account and not something else.
  const listed = server.requests.findLast((r) => r.path === `/api/v1/namespaces/${DEMO_NAMESPACE}/pods` && r.userAgent?.startsWith('kubectl'));
  say.pass(`kubectl listed the pods; the server saw ${listed?.user?.username ?? 'an unknown identity'}`);
  return ExitCode.ok;
}

async function cleanUp(deps: Deps, say: Narrator, server: ApiServer | undefined, root: string, keep: boolean): Promise<void> {
  deps.stdout('\n');
  const done: string[] = [];
  if (server) {
    await server.close();
    done.push('stopped the server');
  }
  if (keep) {
    deps.stdout(`Cleaned up: ${[...done, `kept ${root} (--keep; remove it with rm -r)`].join(', ')}.\n`);
    return;
  }
  try {
    await deps.fs.rm(root, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
    done.push(`removed ${say.short(root)}`);
  } catch (error) {
    deps.stderr(`warning: could not remove ${root}: ${(error as Error).message}\n`);
  }
  deps.stdout(`Cleaned up: ${done.join(', ')}.\n`);
}

async function captureRun(runSaKubeconfig: RunSaKubeconfig, argv: readonly string[], deps: Deps): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const code = await runSaKubeconfig(argv, {
    ...deps,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

function reportRun(say: Narrator, result: Captured, success: string): ExitCode {
  say.quote(result.stdout);
  say.quote(result.stderr, 'warning');
  if (result.code === ExitCode.ok) say.pass(success);
  else say.fail(`exited with ${result.code}`);
  return result.code;
}

function ignore(): void {
  /* only whether the step has ended matters here */
}

function oneLineSubject(subject: string): string {
  return subject.split('\n').join(', ');
}

function pick(env: Readonly<Record<string, string | undefined>>, keys: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const key of keys) {
    const value = env[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked;
}
