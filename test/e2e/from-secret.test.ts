// from-secret, end to end: the built CLI, the real kubectl (through an argv-recording wrapper) and
// the emulated API server. The written kubeconfig must work for kubectl and @kubernetes/client-node.
import { readFileSync, existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { createKubectlWorld, type KubectlWorld } from '../support/fake-kubectl-world.js';

let world: KubectlWorld;
beforeAll(async () => {
  world = await createKubectlWorld({ pendingToken: { afterGets: 2 } });
});
afterAll(async () => {
  await world?.close();
});

function tokenIn(file: string): string {
  const config = load(readFileSync(file, 'utf8')) as { users: { user: { token: string } }[] };
  const token = config.users[0]?.user.token;
  if (!token) throw new Error(`no token in ${file}`);
  return token;
}

describe('from-secret', () => {
  it('writes a kubeconfig that lists pods as the service account with kubectl', async () => {
    const out = world.path('deployer.kubeconfig');
    world.kubectl.clear();
    const result = await world.run(['from-secret', 'deployer-token', '-n', 'team-a', '--kubeconfig', out]);
    expect(result.stderr).not.toMatch(/^error/m);
    expect(result.code).toBe(0);
    const pods = await world.realKubectl(['--kubeconfig', out, 'get', 'pods', '-n', 'team-a', '-o', 'name']);
    expect(pods.stderr).toBe('');
    expect(pods.stdout).toContain('pod/web-6d8f7c9b5-q2x7z');
    const whoami = await world.realKubectl(['--kubeconfig', out, 'auth', 'whoami', '-o', 'json']);
    expect(JSON.parse(whoami.stdout).status.userInfo.username).toBe('system:serviceaccount:team-a:deployer');
    const token = tokenIn(out);
    expect(world.kubectl.calls().length).toBeGreaterThan(0);
    for (const argv of world.kubectl.calls()) expect(argv.join(' ')).not.toContain(token);
    expect(result.stdout + result.stderr).not.toContain(token);
  });
});
