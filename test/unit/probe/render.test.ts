import { describe, expect, it } from 'vitest';
import { createPainter } from '../../../src/output.js';
import { allContextsJson, probeJson, renderAllContextsText, renderProbeText } from '../../../src/probe/render.js';
import { combinedExitCode, probeExitCode, type ProbeResult, type StageResult } from '../../../src/probe/result.js';

const passed = (name: StageResult['name'], detail = 'fine'): StageResult => ({ name, status: 'ok', ms: 3, detail });
const healthy: ProbeResult = {
  target: 'prod',
  stages: [passed('config'), passed('dns'), passed('tcp'), passed('tls'), passed('version'), passed('authn'), passed('authz'), passed('request')],
  identity: { username: 'system:serviceaccount:team-a:deployer', groups: ['system:authenticated'] },
};
const denied: StageResult = { name: 'authz', status: 'denied', ms: 2, detail: 'may list pods in team-a: no', error: { code: 'ERR_FORBIDDEN', message: 'x may not list pods', hint: 'grant it' } };
const forbidden: StageResult = { name: 'request', status: 'fail', ms: 2, error: { code: 'ERR_FORBIDDEN', message: 'request: HTTP 403: pods is forbidden', hint: 'rbac' } };
const tlsFailed: ProbeResult = {
  target: 'broken',
  stages: [passed('config'), passed('dns'), passed('tcp'), { name: 'tls', status: 'fail', ms: 9, error: { code: 'ERR_TLS', message: 'server certificate expired', hint: 'renew it' } }],
};

describe('exit codes', () => {
  it.each([
    ['all stages passed', healthy, 0],
    ['authz "no" but the request succeeded', { ...healthy, stages: [...healthy.stages.slice(0, 6), denied, passed('request')] }, 0],
    ['authz "no" and the request refused', { ...healthy, stages: [...healthy.stages.slice(0, 6), denied, forbidden] }, 8],
    ['a TLS failure', tlsFailed, 6],
  ])('%s → %i', (_name, result, code) => {
    expect(probeExitCode(result)).toBe(code);
  });

  it('takes the first failing result over several contexts', () => {
    expect(combinedExitCode([healthy, tlsFailed, { ...healthy, stages: [...healthy.stages.slice(0, 7), forbidden] }])).toBe(6);
    expect(combinedExitCode([healthy, healthy])).toBe(0);
  });
});

describe('JSON', () => {
  it('has ok, stages (name, ok, ms, detail/error) and identity', () => {
    const doc = probeJson(tlsFailed) as { ok: boolean; stages: { name: string; ok: boolean; ms: number; error?: { code: string; exitCode: number } }[] };
    expect(doc.ok).toBe(false);
    expect(doc.stages.at(-1)).toEqual({ name: 'tls', ok: false, status: 'fail', ms: 9, error: { code: 'ERR_TLS', exitCode: 6, message: 'server certificate expired', hint: 'renew it' } });
    expect(probeJson(healthy)).toMatchObject({ ok: true, exitCode: 0, identity: { username: 'system:serviceaccount:team-a:deployer', groups: ['system:authenticated'] } });
  });

  it('says why no context was probed with --all-contexts, with an empty results list', () => {
    expect(allContextsJson([], 3, { code: 'ERR_KUBECONFIG_MALFORMED', message: 'error loading config file "k": bad\nyaml', hint: 'fix it' })).toEqual({
      ok: false,
      exitCode: 3,
      results: [],
      error: { code: 'ERR_KUBECONFIG_MALFORMED', exitCode: 3, message: 'error loading config file "k": bad yaml', hint: 'fix it' },
    });
  });

  it('wraps --all-contexts results with the context name', () => {
    expect(allContextsJson([healthy, tlsFailed], 6)).toMatchObject({ ok: false, exitCode: 6, results: [{ context: 'prod', ok: true }, { context: 'broken', ok: false, exitCode: 6 }] });
  });
});

describe('text', () => {
  const plain = createPainter(false);

  it('prints one row per stage and the hint of the failing stage', () => {
    const text = renderProbeText(tlsFailed, plain);
    expect(text.split('\n')).toEqual(['probe broken', '✓ config    3ms  fine', '✓ dns       3ms  fine', '✓ tcp       3ms  fine', '✗ tls       9ms  server certificate expired', 'hint: renew it', 'failed at tls (exit 6)', '']);
  });

  it('marks a lone authz "no" with ! and drops the repeated stage name from the failure', () => {
    const text = renderProbeText({ ...healthy, stages: [...healthy.stages.slice(0, 6), denied, forbidden] }, plain);
    expect(text).toContain('! authz     2ms  may list pods in team-a: no');
    expect(text).toContain('✗ request   2ms  HTTP 403: pods is forbidden');
    expect(text).toContain('hint: rbac');
  });

  it('uses colour only when the painter is enabled', () => {
    expect(renderProbeText(healthy, plain)).not.toContain('\u001b[');
    expect(renderProbeText(healthy, createPainter(true))).toContain('\u001b[32m✓');
  });

  it('summarises --all-contexts as one row per context', () => {
    const text = renderAllContextsText([healthy, tlsFailed], plain);
    expect(text).toMatch(/^prod +✓ ok +24 +system:serviceaccount:team-a:deployer$/m);
    expect(text).toMatch(/^broken +✗ tls +18 +server certificate expired \(exit 6\)$/m);
    expect(text).toContain('1 of 2 contexts failed');
  });

  it('shows each --all-contexts row\'s warnings under it, one line each, and marks the row with !', () => {
    const warned: ProbeResult = {
      ...healthy,
      target: 'shaky',
      stages: [
        { name: 'config', status: 'warn', ms: 1, detail: 'server https://x, namespace n, bearer token from token; the token expires in 4m (at T)', warnings: ['the token expires in 4m (at T)'] },
        passed('dns'),
        passed('tcp'),
        { name: 'tls', status: 'warn', ms: 1, detail: 'TLSv1.3, certificate CN=x NOT VERIFIED — TLS verification is OFF', warnings: ['TLS verification is OFF'] },
        { name: 'version', status: 'warn', ms: 1, detail: 'the server does not tell anonymous clients its version (HTTP 401)', warnings: [] },
        { name: 'authn', status: 'warn', ms: 1, detail: 'identity unknown: the selfsubjectreviews API is not enabled' },
        passed('authz'),
        passed('request'),
      ],
    };
    const lines = renderAllContextsText([warned, tlsFailed], plain).split('\n');
    const row = lines.findIndex((line) => line.startsWith('shaky '));
    expect(lines[row]).toMatch(/^shaky +! ok +\d+ +system:serviceaccount:team-a:deployer$/);
    expect(lines.slice(row + 1, row + 4)).toEqual(['  ! config: the token expires in 4m (at T)', '  ! tls: TLS verification is OFF', '  ! authn: identity unknown: the selfsubjectreviews API is not enabled']);
    expect(lines[row + 4]).toMatch(/^broken /);
  });

  it.each([
    [[healthy], '1 context ok'],
    [[healthy, healthy], '2 contexts ok'],
    [[tlsFailed], '1 of 1 context failed'],
  ])('counts contexts in the last line in words (%#)', (results, last) => {
    expect(renderAllContextsText(results, plain).trimEnd().split('\n').at(-1)).toBe(last);
  });
});
