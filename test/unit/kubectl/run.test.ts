import { describe, expect, it } from 'vitest';
import { classifyKubectlError, firstErrorLine, kubectlArgv, parseKubectlJson, renderCommand, runKubectl, runKubectlOrThrow } from '../../../src/kubectl/run.js';
import { CliError } from '../../../src/errors.js';
import * as z from 'zod/mini';
import { argv, errno, fakeSpawn, target } from './fake-spawn.js';

const env = { PATH: '/usr/bin' };

describe('kubectlArgv', () => {
  it('puts --kubeconfig and --context before the call', () => {
    expect(kubectlArgv({ ...target, kubeconfig: '/k', context: 'c' }, ['get', 'pods'])).toEqual(['--kubeconfig', '/k', '--context', 'c', 'get', 'pods']);
    expect(kubectlArgv(target, ['get', 'pods'])).toEqual(['get', 'pods']);
  });
});

describe('renderCommand', () => {
  it.each([
    [['get', 'secret', 'x'], 'kubectl get secret x'],
    [['--context', 'my ctx'], "kubectl --context 'my ctx'"],
    [['--audience=it\'s'], "kubectl '--audience=it'\\''s'"],
  ])('renders %j as a copy-pasteable command', (args, text) => {
    expect(renderCommand('kubectl', args)).toBe(text);
  });
});

describe('firstErrorLine', () => {
  it.each([
    ['Error from server (NotFound): secrets "x" not found\n', 'Error from server (NotFound): secrets "x" not found'],
    [
      'E1128 19:34:07.024896    4995 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group list"\nThe connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n',
      'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?',
    ],
    ['Warning: something deprecated\nerror: You must be logged in to the server (Unauthorized)\n', 'error: You must be logged in to the server (Unauthorized)'],
    ['Warning: only a warning\nsomething odd\n', 'something odd'],
    ['', undefined],
  ])('finds kubectl’s own error in %j', (stderr, line) => {
    expect(firstErrorLine(stderr)).toBe(line);
  });
});

describe('classifyKubectlError', () => {
  it.each([
    ['Error from server (NotFound): secrets "x" not found', 'not-found'],
    ['error: failed to create token: serviceaccounts "x" not found', 'not-found'],
    ['Error from server (Forbidden): secrets "x" is forbidden: User "u" cannot get resource "secrets"', 'forbidden'],
    ['error: failed to create token: serviceaccounts "d" is forbidden: User "v" cannot create resource "serviceaccounts/token"', 'forbidden'],
    ['error: You must be logged in to the server (Unauthorized)', 'unauthorized'],
    ['error: failed to create token: Unauthorized', 'unauthorized'],
    ['Error from server (AlreadyExists): secrets "x" already exists', 'already-exists'],
    ['error: failed to create token: TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60', 'invalid'],
    ['The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?', 'unreachable'],
    ['Unable to connect to the server: dial tcp: lookup nowhere.example: no such host', 'unreachable'],
    ['error: unknown command "token" for "kubectl create"', 'other'],
    // The local credential plugin, though kubectl says "Unable to connect" (was: unreachable).
    ['Unable to connect to the server: getting credentials: exec: executable /p failed with exit code 1', 'credential-plugin'],
    ['error: failed to create token: Post "https://h/api/v1/namespaces/a/serviceaccounts/s/token": getting credentials: exec: executable /p failed with exit code 1', 'credential-plugin'],
    ['error: failed to create token: Post "https://h/x": getting credentials: exec plugin is configured to use API version client.authentication.k8s.io/v1, plugin returned version client.authentication.k8s.io/__internal', 'credential-plugin'],
  ] as const)('%s → %s', (line, kind) => {
    expect(classifyKubectlError(line)).toBe(kind);
  });
});

describe('runKubectl', () => {
  it('passes argv, env, stdin and the timeout, never a shell string', async () => {
    const { spawn, requests } = fakeSpawn([{ match: argv('create', '-f', '-'), answer: { stdout: '{}' } }]);
    const outcome = await runKubectl({ spawn, env }, { ...target, context: 'ci' }, ['create', '-f', '-'], { stdin: '{"kind":"Secret"}' });
    expect(outcome).toMatchObject({ ok: true, stdout: '{}' });
    expect(requests).toEqual([{ command: 'kubectl', args: ['--context', 'ci', 'create', '-f', '-'], env, timeoutMs: 5000, stdin: '{"kind":"Secret"}' }]);
  });

  it('returns kubectl’s first error line, its kind and the failed command', async () => {
    const { spawn } = fakeSpawn([{ match: argv('get'), answer: { exitCode: 1, stderr: 'Error from server (NotFound): secrets "x" not found\n' } }]);
    expect(await runKubectl({ spawn, env }, target, ['get', 'secret', 'x'])).toEqual({
      ok: false,
      kind: 'not-found',
      line: 'Error from server (NotFound): secrets "x" not found',
      command: 'kubectl get secret x',
    });
  });

  it.each([
    ['a token (create token)', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YTpiIn0.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl', 'REDACTED'],
    ['compact JSON with a Secret’s data', '{"data":{"token":"ZXlKaGJHY2lPaUpTVXpJMU5pSjkuZXlKemRXSWlPaUo0SW4wLnNpZw=="}}', '{"data":{"token":"REDACTED"}}'],
    // A short value under a quoted key (was: kept, the quote before the colon hid the key).
    ['compact JSON with a short password', '{"username":"ci","password":"aHVudGVy"}', '{"username":"ci","password":"REDACTED"}'],
    ['key=value', 'client_secret=hunter2 then', 'client_secret=REDACTED then'],
  ])('quotes stdout, when stderr says nothing, only with credentials replaced: %s', async (_name, stdout, line) => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: { exitCode: 1, stdout } }]);
    const outcome = await runKubectl({ spawn, env }, target, ['create', 'token', 'b']);
    expect(outcome).toMatchObject({ ok: false, line });
  });

  it('keeps what a failing credential plugin printed, once each, without klog’s lines', async () => {
    // As kubectl 1.32 prints it: the plugin's stderr passes through, repeated on each retry.
    const klog = 'E1201 18:12:27.975031    1083 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group list: getting credentials: exec: executable /p failed with exit code 1"';
    const stderr = `please run login first\nplease run login first\n${klog}\nplease run login first\n${klog}\nUnable to connect to the server: getting credentials: exec: executable /p failed with exit code 1\n`;
    const { spawn } = fakeSpawn([{ match: () => true, answer: { exitCode: 1, stderr } }]);
    const outcome = await runKubectl({ spawn, env }, { ...target, kubeconfig: 'ci/admin.kubeconfig', context: 'my ctx' }, ['get', 'secret', 'x']);
    expect(outcome).toMatchObject({
      ok: false,
      kind: 'credential-plugin',
      line: 'Unable to connect to the server: getting credentials: exec: executable /p failed with exit code 1 (the plugin printed: please run login first)',
      hint: expect.stringContaining("log in with it again, or run sa-kubeconfig probe --kubeconfig ci/admin.kubeconfig --context 'my ctx'"),
    });
  });

  it('quotes only the plugin’s last line, with anything like a credential replaced (its stderr may hold one)', async () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const stderr = [
      `using cached ${jwt}`,
      "refreshing with refresh_token=1//0gSECRETREFRESHTOKENabcdef123456; Authorization: Bearer abc.def and client_secret: 'hunter22' key dGhpc2lzYWxvbmdiYXNlNjRzdHJpbmdvZnNlY3JldHM= then run 'corp-login'",
      'Unable to connect to the server: getting credentials: exec: executable /p failed with exit code 1',
    ].join('\n');
    const { spawn } = fakeSpawn([{ match: () => true, answer: { exitCode: 1, stderr } }]);
    const outcome = await runKubectl({ spawn, env }, target, ['get', 'secret', 'x']);
    if (outcome.ok) throw new Error('expected a failure');
    expect(outcome.line).toBe(
      "Unable to connect to the server: getting credentials: exec: executable /p failed with exit code 1 (the plugin printed: refreshing with refresh_token=REDACTED Authorization: Bearer REDACTED and client_secret: REDACTED key REDACTED then run 'corp-login')",
    );
    expect(outcome.line).not.toContain(jwt);
  });

  it('names the source kubeconfig and context in the probe command of an unreachable server’s hint', async () => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: { exitCode: 1, stderr: 'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n' } }]);
    // Was "probe --context NAME", which probes the wrong kubeconfig when --source-kubeconfig is used.
    await expect(runKubectlOrThrow({ spawn, env }, { ...target, kubeconfig: '/k/admin', context: 'prod' }, ['get', 'pods'])).rejects.toMatchObject({
      hint: 'check the API server of the source context: sa-kubeconfig probe --kubeconfig /k/admin --context prod',
    });
    await expect(runKubectlOrThrow({ spawn, env }, target, ['get', 'pods'])).rejects.toMatchObject({ hint: 'check the API server of the source context: sa-kubeconfig probe' });
  });

  it.each([
    ['ENOENT', 'ERR_KUBECTL_MISSING', /kubectl not found: kubectl/],
    ['EACCES', 'ERR_KUBECTL_MISSING', /permission denied/],
  ])('turns %s into %s', async (code, errorCode, message) => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: errno(code) }]);
    const error = await runKubectl({ spawn, env }, target, ['version']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).code).toBe(errorCode);
    expect((error as CliError).exitCode).toBe(4);
    expect((error as CliError).message).toMatch(message);
    expect((error as CliError).hint).toMatch(/--kubectl PATH/);
  });

  it('reports a timeout as ERR_KUBECTL_TIMEOUT', async () => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: { exitCode: null, signal: 'SIGKILL', timedOut: true } }]);
    await expect(runKubectl({ spawn, env }, target, ['get', 'pods'])).rejects.toMatchObject({ code: 'ERR_KUBECTL_TIMEOUT', message: 'kubectl get pods timed out after 5s' });
    // Under a second, in milliseconds (was "timed out after 0s").
    await expect(runKubectl({ spawn, env }, { ...target, timeoutMs: 300 }, ['get', 'pods'])).rejects.toMatchObject({ message: 'kubectl get pods timed out after 300ms' });
  });

  it('runKubectlOrThrow names the command and keeps kubectl’s line', async () => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: { exitCode: 1, stderr: 'error: You must be logged in to the server (Unauthorized)\n' } }]);
    await expect(runKubectlOrThrow({ spawn, env }, target, ['get', 'pods'])).rejects.toMatchObject({
      code: 'ERR_KUBECTL_FAILED',
      message: 'kubectl get pods failed: error: You must be logged in to the server (Unauthorized)',
      hint: expect.stringMatching(/credentials of the source context were refused/),
    });
  });
});

describe('parseKubectlJson', () => {
  const schema = z.looseObject({ kind: z.string() });
  it('parses and validates', () => {
    expect(parseKubectlJson('{"kind":"Secret","x":1}', schema, 'kubectl get')).toEqual({ kind: 'Secret', x: 1 });
  });
  it.each(['not json', '{"kind":1}'])('rejects %j as ERR_KUBECTL_OUTPUT', (text) => {
    expect(() => parseKubectlJson(text, schema, 'kubectl get')).toThrow(expect.objectContaining({ code: 'ERR_KUBECTL_OUTPUT' }));
  });
});
