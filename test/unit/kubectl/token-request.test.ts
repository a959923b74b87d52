import { describe, expect, it } from 'vitest';
import { cappedDurationWarning, requestToken, tokenRequestArgs, validateTokenDuration } from '../../../src/kubectl/token-request.js';
import { fakeSpawn, target } from './fake-spawn.js';

describe('validateTokenDuration', () => {
  it.each([
    [600_000, 600],
    [7_200_000, 7200],
    [2 ** 32 * 1000, 2 ** 32],
  ])('accepts %d ms as %d s', (ms, seconds) => {
    expect(validateTokenDuration(ms)).toBe(seconds);
  });

  it.each([
    [599_000, /below the 10 minute minimum/],
    [0, /below the 10 minute minimum/],
    [600_500, /whole number of seconds/],
    [(2 ** 32 + 1) * 1000, /above the TokenRequest maximum/],
  ])('refuses %d ms as a usage error (exit 2)', (ms, message) => {
    expect(() => validateTokenDuration(ms)).toThrow(expect.objectContaining({ code: 'ERR_BAD_DURATION', message: expect.stringMatching(message) }));
  });

  it('names the duration as the user wrote it, not rounded to seconds', () => {
    expect(() => validateTokenDuration(600_500, '10m500ms')).toThrow('--duration 10m500ms is not a whole number of seconds');
    expect(() => validateTokenDuration(599_000, '9m59s')).toThrow('--duration 9m59s is below the 10 minute minimum');
  });

  it('calls a huge duration too long, not fractional (was: "not a whole number of seconds")', () => {
    // 99999999999999999999h is 3.6e26 ms: a double that far out has no exact millisecond.
    expect(() => validateTokenDuration(1e20 * 3_600_000, '99999999999999999999h')).toThrow('--duration 99999999999999999999h is above the TokenRequest maximum of 2^32 seconds');
  });
});

describe('tokenRequestArgs', () => {
  it('builds kubectl create token with whole seconds and one --audience per value', () => {
    expect(tokenRequestArgs({ namespace: 'team-a', serviceAccount: 'ci', durationSeconds: 3600, audiences: ['a', 'b c'] })).toEqual([
      'create', 'token', 'ci', '-n', 'team-a', '--duration=3600s', '--audience=a', '--audience=b c',
    ]);
    expect(tokenRequestArgs({ namespace: 'n', serviceAccount: 's', audiences: [] })).toEqual(['create', 'token', 's', '-n', 'n']);
  });
});

describe('requestToken', () => {
  const input = { namespace: 'team-a', serviceAccount: 'ci', audiences: [] };

  it('returns the token kubectl printed (no trailing newline when piped)', async () => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: { stdout: 'aaa.bbb.ccc' } }]);
    expect(await requestToken({ spawn, env: {} }, target, input)).toBe('aaa.bbb.ccc');
  });

  it.each([
    ['error: failed to create token: serviceaccounts "ci" not found', 'ERR_SERVICEACCOUNT_NOT_FOUND'],
    ['error: failed to create token: serviceaccounts "ci" is forbidden: User "v" cannot create resource "serviceaccounts/token"', 'ERR_TOKEN_REQUEST_FAILED'],
    ['error: failed to create token: TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes', 'ERR_TOKEN_REQUEST_FAILED'],
    ['error: unknown command "token" for "kubectl create"', 'ERR_TOKEN_REQUEST_FAILED'],
    ['error: failed to create token: Unauthorized', 'ERR_KUBECTL_FAILED'],
  ])('maps %s to %s (exit 4)', async (stderr, code) => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: { exitCode: 1, stderr } }]);
    const error = await requestToken({ spawn, env: {} }, target, input).catch((e: unknown) => e);
    expect(error).toMatchObject({ code, exitCode: 4 });
  });

  it.each([
    ['a NUL', 'eyJ.eyJ.sig\u0000', 'the control character U+0000 at position 12 of 12'],
    ['colours', '\u001b[32meyJ.eyJ.sig\u001b[0m', 'the control character U+001B at position 1 of 20'],
    ['a byte-order mark (Go keeps it, trim() would drop it)', '\uFEFFeyJ.eyJ.sig\n', 'a byte-order mark (U+FEFF) at position 1 of 12'],
  ])('refuses output with %s, which a wrapper may add: the kubeconfig would not work', async (_name, stdout, problem) => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: { stdout } }]);
    await expect(requestToken({ spawn, env: {} }, target, input)).rejects.toMatchObject({ code: 'ERR_KUBECTL_OUTPUT', exitCode: 4, message: expect.stringContaining(`printed something other than a token: it contains ${problem}`) });
  });

  it('refuses empty output', async () => {
    const { spawn } = fakeSpawn([{ match: () => true, answer: { stdout: '\n' } }]);
    await expect(requestToken({ spawn, env: {} }, target, input)).rejects.toMatchObject({ code: 'ERR_KUBECTL_OUTPUT' });
  });
});

describe('cappedDurationWarning', () => {
  const issuedAt = new Date('2026-01-01T00:00:00Z');
  const after = (seconds: number) => new Date(issuedAt.getTime() + seconds * 1000);

  it('says what was asked for and what was issued', () => {
    expect(cappedDurationWarning(72 * 3600, { issuedAt, expiresAt: after(48 * 3600) })).toBe(
      'the server shortened the token lifetime: requested 3d, issued 2d (expires 2026-01-03T00:00:00.000Z); plan to renew it',
    );
  });

  it.each([
    ['the request was met', 3600, { issuedAt, expiresAt: after(3600) }],
    ['nothing was requested', undefined, { issuedAt, expiresAt: after(60) }],
    ['the token has no exp', 3600, { issuedAt }],
  ])('is silent when %s', (_name, requested, claims) => {
    expect(cappedDurationWarning(requested, claims)).toBeUndefined();
  });
});
