// Produces V8's code cache for a bundle: node scripts/code-cache.mjs dist/cli.cjs → dist/cli.cache,
// and likewise for the other bundles but the demo (scripts/build.mjs lists them). An optional
// second argument names the path the bundle will have when it runs (the build makes dist/ beside
// the old one): V8 keeps the file name a cache was made with for the stack traces of the
// functions in it. (An installed copy of the npm package therefore names, in --debug stacks, the
// dist/ of the machine that packed it.)
//
// Why: measured here (CPU time, min of 15 runs), init took 0.16 s with a plain require of the
// bundle, 0.11 s with this cache, against 0.09 s for node -e 0: compiling the bundle is most of
// the start-up gap. V8 caches the functions compiled when the cache is made, so each bundle is
// warmed up by what it does for users: cli.cjs by a real `init` (into a temp dir), program.cjs by
// an init that goes through commander, codec.cjs by parsing and writing kubeconfigs as kubectl
// and we write them, claims.cjs by a parse, probe.cjs by a probe of a plain-http API server in
// the warm-up process; the kubectl flows by loading.
//
// Layout: MAGIC (format and Node version), the bundle's byte length and V8's data's byte length
// as 10 decimal digits each, the bundle inside Node's CommonJS wrapper (the text V8 compiles), zero
// bytes up to a multiple of 8, V8's data. The bin takes the wrapped text from the cache as it is:
// joining wrapper and bundle at run time made V8 copy all 330 kB once more to flatten the string.
// It reads the wrapped text and then V8's data into one buffer, the data over the text once the
// string is made, so both lengths are in the header: one buffer of the whole file touched ~45 more
// fresh pages of memory (~0.2 ms here). The padding keeps the data's offset in the file a multiple
// of 8, as it was when the bin read the whole file.
// bin/sa-kubeconfig.js uses a cache only when its bundle equals the copy byte for byte;
// anything else means a plain require. (V8's own check covers its version and flags but of the
// source only its length.) A byte comparison instead of a digest keeps node:crypto out of start-up.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Module } from 'node:module';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import vm from 'node:vm';

// A throwaway self-signed certificate (public part only), for the warm-up mount:
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
//     -days 36500 -subj /CN=sa-kubeconfig-code-cache-warmup
const WARMUP_CA = `-----BEGIN CERTIFICATE-----
MIIBqjCCAVGgAwIBAgIULPB6G3pBPnABJQdRNoFKbMDgsEQwCgYIKoZIzj0EAwIw
KjEoMCYGA1UEAwwfc2Eta3ViZWNvbmZpZy1jb2RlLWNhY2hlLXdhcm11cDAgFw0y
NjExMjgyMDM3MzVaGA8yMTI2MTEwNDIwMzczNVowKjEoMCYGA1UEAwwfc2Eta3Vi
ZWNvbmZpZy1jb2RlLWNhY2hlLXdhcm11cDBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABI6wX9abAQMgkMR/JNL9MYdJa5AVi0o1g+xrHaxxLcCk7Ax/CHxV8rUZN3gw
lrRRNNoIuE5U6XpOiNfgXxH5edGjUzBRMB0GA1UdDgQWBBRfhFGRsqq0ODklCxl4
TJJsm6+OtTAfBgNVHSMEGDAWgBRfhFGRsqq0ODklCxl4TJJsm6+OtTAPBgNVHRMB
Af8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCID0/7FLzCaoWwnr5Px7t3b+67B8c
qSrzYrf6ZqG7sSy4AiBb/H01E8tQZ6LuXysnQ3gjMbGFPV30vZ9MKQ4x/U4j0w==
-----END CERTIFICATE-----
`;

const file = resolve(process.argv[2] ?? 'dist/cli.cjs');
const cacheFile = file.replace(/\.cjs$/, '.cache');
// Must match bin/sa-kubeconfig.js: the format, then the Node that made the cache.
const MAGIC = `sa-kubeconfig code cache 5\n${process.version}\n`;
const bytes = readFileSync(file);
// esbuild escapes non-ASCII (charset ascii), and the bin decodes the bundle as latin1.
if (!bytes.every((byte) => byte < 0x80)) throw new Error(`${file} is not ASCII`);
const source = bytes.toString('latin1');

// Exactly the text bin/sa-kubeconfig.js compiles (Node's CommonJS wrapper): V8 takes a cache only
// for a source of the same length.
const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
if (wrapped !== Module.wrap(source)) throw new Error('Module.wrap changed; update bin/sa-kubeconfig.js and this script');
const script = new vm.Script(wrapped, { filename: resolve(process.argv[3] ?? file), importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });

function runBundle() {
  return requireBundle(file);
}

/** The bundles run so far in this warm-up, by path: each once, as the bin runs them. */
const bundles = new Map();

/**
 * require() as bin/sa-kubeconfig.js gives it to the bundles: a bundle of the same dist/ runs once,
 * here from its source, except the one being cached, which runs from `script` (so the functions
 * a warm-up reaches through another bundle, the probe's through cli.cjs and program.cjs, are
 * compiled in it); anything else is Node's require.
 */
function requireBundle(id) {
  if (dirname(id) !== dirname(file) || !id.endsWith('.cjs')) return createRequire(file)(id);
  let module = bundles.get(id);
  if (module === undefined) {
    module = { exports: {} };
    bundles.set(id, module);
    const compiled = id === file ? script : new vm.Script(Module.wrap(readFileSync(id, 'latin1')), { filename: id });
    compiled.runInThisContext().call(module.exports, module.exports, requireBundle, module, id, dirname(id));
  }
  return module.exports;
}

function writeCache() {
  const data = script.createCachedData();
  const header = Buffer.from(`${MAGIC}${String(bytes.length).padStart(10, '0')}${String(data.length).padStart(10, '0')}`, 'latin1');
  const text = Buffer.concat([header, Buffer.from(wrapped, 'latin1')]);
  const padding = Buffer.alloc((8 - (text.length % 8)) % 8);
  writeFileSync(cacheFile, Buffer.concat([text, padding, data]));
}

/**
 * A warm-up runs the real CLI, which, as client-go does, copies a legacy ~/.kube/.kubeconfig to
 * ~/.kube/config when that is missing, and reads KUBECONFIG: a build must touch neither the
 * builder's home nor their kubeconfigs, so the warm-up gets a home of its own.
 */
function isolateHome(work) {
  const home = join(work, 'home');
  mkdirSync(home, { recursive: true });
  process.env.HOME = home;
  delete process.env.KUBECONFIG;
}

/** cli.cjs: a real init into a new kubeconfig, the path a pod takes. */
function warmUpInit() {
  runInit((sa, config) => ['init', '--sa-dir', sa, '--server', 'https://10.0.0.1:443', '--kubeconfig', config]);
}

/**
 * program.cjs: the same init, given as a command line that main.ts leaves to commander (`-nNS`,
 * a short flag with its value attached; src/commands/flag-spec.ts): the program, commander's
 * parse and init's commander command are compiled, as every other command's run starts.
 */
function warmUpProgram() {
  runInit((sa, config) => ['init', '--sa-dir', sa, '--server', 'https://10.0.0.1:443', '--kubeconfig', config, '-nwarmup']);
}

/** Runs cli.cjs (this bundle or the one beside it) as `sa-kubeconfig ARGS`, ARGS from `args(mountDir, kubeconfig)`, on a warm-up mount. */
function runInit(args) {
  const work = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-code-cache-'));
  const sa = join(work, 'serviceaccount');
  mkdirSync(sa);
  const segment = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: 'https://kubernetes.default.svc', sub: 'system:serviceaccount:warmup:warmup', aud: ['https://kubernetes.default.svc'], exp: now + 3600, iat: now, nbf: now, 'kubernetes.io': { namespace: 'warmup', serviceaccount: { name: 'warmup', uid: '0' } } };
  writeFileSync(join(sa, 'token'), `${segment({ alg: 'ES256' })}.${segment(claims)}.c2lnbmF0dXJl`);
  writeFileSync(join(sa, 'ca.crt'), WARMUP_CA);
  writeFileSync(join(sa, 'namespace'), 'warmup');
  isolateHome(work);
  const cliFile = join(dirname(file), 'cli.cjs');
  process.argv = [process.argv[0], cliFile, ...args(sa, join(work, 'config'))];
  requireBundle(cliFile);
  // The process exits when init is done (cli.ts sets process.exitCode and leaves nothing pending).
  process.once('exit', (code) => {
    rmSync(work, { recursive: true, force: true });
    if (code !== 0) {
      process.stderr.write(`the warm-up init failed with exit code ${code}; no code cache written\n`);
      return;
    }
    // Should main.ts come to run this command line without commander, program.cjs would be warmed up by nothing.
    if (!bundles.has(file)) {
      process.stderr.write(`the warm-up init never loaded ${basename(file)}; no code cache written\n`);
      process.exitCode = 1;
      return;
    }
    writeCache();
  });
}

/**
 * codec.cjs: what reaches it in use, a kubeconfig reader.ts leaves to it (here for its comment; a
 * file otherwise as kubectl writes it, with indentless lists, `preferences: {}`, an exec user),
 * read, changed and written again, once by emitter.ts and once by js-yaml (a value emitter.ts
 * leaves to it), then read back.
 */
function warmUpCodec() {
  const { parseKubeconfig, stringifyKubeconfig } = runBundle();
  const caData = Buffer.from(WARMUP_CA).toString('base64');
  const byKubectl = [
    '# the warm-up cluster',
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${caData}`,
    '    server: https://203.0.113.10:6443',
    '  name: warmup',
    'contexts:',
    '- context:',
    '    cluster: warmup',
    '    namespace: warmup',
    '    user: warmup',
    '  name: warmup',
    'current-context: warmup',
    'kind: Config',
    'preferences: {}',
    'users:',
    '- name: warmup',
    '  user:',
    '    exec:',
    '      apiVersion: client.authentication.k8s.io/v1',
    '      args:',
    '      - get-token',
    '      command: warmup-credentials',
    '      env: null',
    '      interactiveMode: IfAvailable',
    '      provideClusterInfo: false',
    '',
  ].join('\n');
  const config = parseKubeconfig(byKubectl, 'warm-up kubeconfig');
  const ours = stringifyKubeconfig({ ...config, users: [...(config.users ?? []), { name: 'warmup/sa@203.0.113.10', user: { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' } }] });
  const again = parseKubeconfig(ours, 'warm-up kubeconfig');
  stringifyKubeconfig({ ...again, 'current-context': 'needs quoting: yes' });
  writeCache();
}

/** claims.cjs: the schema built (on load) and one parse, of claims shaped as a legacy Secret token's. */
function warmUpClaims() {
  const { tokenClaimsSchema } = runBundle();
  const parsed = tokenClaimsSchema.safeParse({ iss: 'kubernetes/serviceaccount', sub: 'system:serviceaccount:warmup:warmup', 'kubernetes.io/serviceaccount/namespace': 'warmup', 'kubernetes.io/serviceaccount/service-account.name': 'warmup' });
  if (!parsed.success) throw new Error('the warm-up claims did not parse');
  writeCache();
}

/**
 * kubectl.cjs: its modules defined, nothing run (a flow needs kubectl and a cluster). The cache
 * then spares V8 parsing the whole bundle at every start; the functions a run calls are compiled
 * as they are called, as they were inside cli.cjs, whose warm-up (an init) never called them.
 */
function warmUpByLoading() {
  runBundle();
  writeCache();
}

/** What the warm-up's API server answers (the probe's eight stages over http; anything else is a 404 Status). */
const WARMUP_ANSWERS = {
  'GET /version': [200, { major: '1', minor: '30', gitVersion: 'v1.30.0', gitCommit: '0', gitTreeState: 'clean', buildDate: '2024-01-01T00:00:00Z', goVersion: 'go1.22.0', compiler: 'gc', platform: 'linux/amd64' }],
  'POST /apis/authentication.k8s.io/v1/selfsubjectreviews': [
    201,
    { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: {}, status: { userInfo: { username: 'system:serviceaccount:warmup:warmup', groups: ['system:serviceaccounts', 'system:authenticated'] } } },
  ],
  'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews': [201, { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: {}, spec: {}, status: { allowed: true } }],
  'GET /api/v1/namespaces/warmup/pods?limit=1': [200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }],
};

/**
 * probe.cjs: a real `sa-kubeconfig probe`, run by the cli.cjs built beside it, of a plain-http API
 * server in this process that answers all eight stages (no certificate to make): kubeconfig
 * loading, the context, DNS (localhost), the dial, the HTTP client, reading and classifying the
 * answers and the report are compiled and cached. Over http the probe sends no credentials, so
 * reading them (token, tokenFile, exec plugins, client certificates) and the TLS stage compile
 * when a run first reaches them.
 */
async function warmUpProbe() {
  const { createServer } = await import('node:http');
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const [status, body] = WARMUP_ANSWERS[`${request.method} ${request.url}`] ?? [404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 }];
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    });
  });
  // On the address localhost names first (127.0.0.1, or ::1 where that is all it names); the probe
  // dials each address localhost has, in turn.
  await new Promise((listening, failed) => {
    server.once('error', failed);
    server.listen(0, 'localhost', listening);
  });
  // Neither the server nor the guard keeps the process alive: it exits when the probe is done.
  server.unref();
  let timedOut = false;
  setTimeout(() => {
    timedOut = true;
    process.stderr.write('the warm-up probe did not finish in 30 s; no code cache written\n');
    // eslint-disable-next-line no-restricted-properties -- a watchdog: whatever hangs, the build goes on without this cache
    process.exit(1);
  }, 30_000).unref();
  const work = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-code-cache-'));
  const kubeconfig = join(work, 'config');
  const serverUrl = `http://localhost:${server.address().port}`;
  writeFileSync(
    kubeconfig,
    ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: warmup', '  cluster:', `    server: ${serverUrl}`, 'contexts:', '- name: warmup', '  context:', '    cluster: warmup', '    namespace: warmup', '    user: warmup', 'current-context: warmup', 'users:', '- name: warmup', '  user:', '    token: warmup', ''].join('\n'),
    { mode: 0o600 },
  );
  isolateHome(work);
  const cliFile = join(dirname(file), 'cli.cjs');
  process.argv = [process.argv[0], cliFile, 'probe', '--kubeconfig', kubeconfig, '--timeout', '10s'];
  // cli.cjs, then program.cjs, load the probe with require(<their directory>/probe.cjs): this bundle.
  requireBundle(cliFile);
  process.once('exit', (code) => {
    rmSync(work, { recursive: true, force: true });
    if (timedOut) return; // said so already, as the last line the build shows
    if (code !== 0) {
      process.stderr.write(`the warm-up probe exited ${code}; no code cache written\n`);
      return;
    }
    writeCache();
  });
}

const warmUps = { 'cli.cjs': warmUpInit, 'codec.cjs': warmUpCodec, 'claims.cjs': warmUpClaims, 'probe.cjs': warmUpProbe, 'kubectl.cjs': warmUpByLoading, 'program.cjs': warmUpProgram };
const warmUp = warmUps[basename(file)];
try {
  if (warmUp === undefined) throw new Error(`no warm-up for ${file}; expected one of ${Object.keys(warmUps).join(', ')}`);
  await warmUp();
} catch (error) {
  // The build shows the last line of stderr: make it the reason, not Node's version banner.
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\nthe warm-up of ${basename(file)} failed: ${error instanceof Error ? error.message : String(error)}; no code cache written\n`);
  process.exitCode = 1;
}
