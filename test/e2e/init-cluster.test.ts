// A kubeconfig written by `init` works against an API server for kubectl and for
// @kubernetes/client-node, and the default tokenFile reference follows kubelet token rotation.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { makeMount, rotateMount, tempDir, type Mount } from '../support/mount.js';
import { runCli } from '../support/run-cli.js';

const exec = promisify(execFile);
const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';

let server: ApiServer;
let home: string;
beforeAll(async () => {
  server = await startApiServer();
  home = tempDir('init-cluster-home-');
});
afterAll(async () => {
  await server.close();
});

async function kubectl(kubeconfig: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return exec(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { env: { PATH: process.env['PATH'] ?? '', HOME: home } });
}

async function mountFor(serviceAccount: string): Promise<Mount> {
  return makeMount(tempDir(), { token: server.mintToken({ namespace: 'team-a', serviceAccount, expirationSeconds: 3607 }), caPem: server.caPem, namespace: 'team-a', serviceAccount });
}

async function init(mount: Mount, extra: string[] = []): Promise<string> {
  const kubeconfig = join(tempDir(), 'config');
  const run = await runCli(['init', '--sa-dir', mount.dir, '--server', server.url, '--kubeconfig', kubeconfig, ...extra]);
  expect(run.code, run.stderr).toBe(0);
  return kubeconfig;
}

describe('init against the emulated API server', () => {
  it('gives kubectl the service account identity and lists pods without warnings', async () => {
    const mount = await mountFor('deployer');
    const kubeconfig = await init(mount);
    const pods = await kubectl(kubeconfig, ['get', 'pods']);
    expect(pods.stderr).toBe('');
    expect(pods.stdout).toMatch(/^NAME\s+READY\s+STATUS/);
    const whoami = JSON.parse((await kubectl(kubeconfig, ['auth', 'whoami', '-o', 'json'])).stdout) as { status: { userInfo: { username: string } } };
    expect(whoami.status.userInfo.username).toBe('system:serviceaccount:team-a:deployer');
  });

  it('follows kubelet token rotation through tokenFile, without running init again', async () => {
    const mount = await mountFor('deployer');
    const kubeconfig = await init(mount);
    const before = JSON.parse((await kubectl(kubeconfig, ['auth', 'whoami', '-o', 'json'])).stdout) as { status: { userInfo: { username: string } } };
    // Swap ..data to a new token (for another account, so the change is visible in whoami).
    rotateMount(mount, server.mintToken({ namespace: 'team-a', serviceAccount: 'viewer', expirationSeconds: 3607 }));
    const after = JSON.parse((await kubectl(kubeconfig, ['auth', 'whoami', '-o', 'json'])).stdout) as { status: { userInfo: { username: string } } };
    expect(before.status.userInfo.username).toBe('system:serviceaccount:team-a:deployer');
    expect(after.status.userInfo.username).toBe('system:serviceaccount:team-a:viewer');
  });

  it('an --embed kubeconfig keeps the token it copied (it does not rotate)', async () => {
    const mount = await mountFor('deployer');
    const kubeconfig = await init(mount, ['--embed']);
    rotateMount(mount, server.mintToken({ namespace: 'team-a', serviceAccount: 'viewer', expirationSeconds: 3607 }));
    const whoami = JSON.parse((await kubectl(kubeconfig, ['auth', 'whoami', '-o', 'json'])).stdout) as { status: { userInfo: { username: string } } };
    expect(whoami.status.userInfo.username).toBe('system:serviceaccount:team-a:deployer');
  });

  it('works for @kubernetes/client-node, which reads token-file rather than tokenFile', async () => {
    const mount = await mountFor('deployer');
    const kubeconfig = await init(mount);
    const k8s = await import('@kubernetes/client-node');
    const config = new k8s.KubeConfig();
    config.loadFromFile(kubeconfig);
    const api = config.makeApiClient(k8s.CoreV1Api);
    const list = await api.listNamespacedPod({ namespace: 'team-a' });
    expect(list.items.length).toBeGreaterThan(0);
    const last = server.requests.filter((r) => r.path === '/api/v1/namespaces/team-a/pods').at(-1);
    expect(last?.user?.username).toBe('system:serviceaccount:team-a:deployer');
  });

  it('a viewer kubeconfig is refused with the real Forbidden message', async () => {
    const mount = await mountFor('viewer');
    const kubeconfig = await init(mount);
    await expect(kubectl(kubeconfig, ['get', 'pods'])).rejects.toMatchObject({
      stderr: expect.stringContaining('Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:team-a:viewer" cannot list resource "pods" in API group "" in the namespace "team-a"'),
    });
  });
});
