// The machine's real kubectl (/usr/bin/kubectl, the Cloud SDK dispatcher) against the emulated API
// server, with hand-written kubeconfigs: proves the emulator is faithful enough for every kubectl
// call the product makes, with nothing on stderr.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { decodeJwtPayload } from '../support/jwt.js';
import { makeTempDir, runKubectl, writeKubeconfig } from '../support/fixtures.js';

const KUBECTL = '/usr/bin/kubectl';

describe.skipIf(!existsSync(KUBECTL))('real kubectl against the emulated API server', () => {
  let server: ApiServer;
  let tmp: { dir: string; cleanup: () => void };
  let deployerKubeconfig: string;
  let viewerKubeconfig: string;
  let adminKubeconfig: string;
  const kubectl = (kubeconfig: string, args: readonly string[], stdin?: string) =>
    runKubectl(args, { kubeconfig, home: tmp.dir, ...(stdin !== undefined ? { stdin } : {}), kubectl: KUBECTL });

  beforeAll(async () => {
    server = await startApiServer();
    tmp = makeTempDir('apiserver-kubectl-');
    const deployer = server.mintToken({ namespace: 'team-a', serviceAccount: 'deployer' });
    const viewer = server.mintToken({ namespace: 'team-a', serviceAccount: 'viewer' });
    deployerKubeconfig = writeKubeconfig(tmp.dir, 'deployer.yaml', server.kubeconfig({ token: deployer }, { namespace: 'team-a' }));
    viewerKubeconfig = writeKubeconfig(tmp.dir, 'viewer.yaml', server.kubeconfig({ token: viewer }, { namespace: 'team-a' }));
    adminKubeconfig = writeKubeconfig(tmp.dir, 'admin.yaml', server.kubeconfig({ admin: true }));
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('get pods prints the normal columns and nothing on stderr', async () => {
    const r = await kubectl(deployerKubeconfig, ['get', 'pods', '-n', 'team-a']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]?.split(/\s+/)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(r.stdout).toMatch(/^web-6d8f7c9b5-q2x7z\s+1\/1\s+Running\s+0\s+3d$/m);
    expect(r.stdout).toMatch(/^migrate-28901234-x7k2p\s+0\/1\s+Completed\s+0\s+2d$/m);
  });

  it('auth whoami shows the service account (protobuf SelfSubjectReview)', async () => {
    const r = await kubectl(deployerKubeconfig, ['auth', 'whoami', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: { userInfo: { username: 'system:serviceaccount:team-a:deployer', groups: expect.arrayContaining(['system:serviceaccounts:team-a']) } },
    });
    const last = server.requests.filter((q) => q.path.endsWith('/selfsubjectreviews')).at(-1);
    expect(last?.contentType).toBe('application/vnd.kubernetes.protobuf');
  });

  it.each([
    ['deployer', () => deployerKubeconfig, 0, 'yes'],
    ['viewer', () => viewerKubeconfig, 1, 'no'],
  ])('auth can-i list pods for %s exits %i with %s', async (_who, kc, code, answer) => {
    const r = await kubectl(kc(), ['auth', 'can-i', 'list', 'pods', '-n', 'team-a']);
    expect(r.stdout.trim()).toBe(answer);
    expect(r.code).toBe(code);
    expect(r.stderr).toBe('');
  });

  it('viewer get pods shows the real Forbidden error', async () => {
    const r = await kubectl(viewerKubeconfig, ['get', 'pods', '-n', 'team-a']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:team-a:viewer" cannot list resource "pods" in API group "" in the namespace "team-a"',
    );
  });

  it('an expired token gets the Unauthorized error', async () => {
    const expired = server.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', expired: true });
    const kc = writeKubeconfig(tmp.dir, 'expired.yaml', server.kubeconfig({ token: expired }));
    const r = await kubectl(kc, ['get', 'pods', '-n', 'team-a']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Unauthorized');
  });

  it('admin create token mints a one-hour token for the account', async () => {
    const r = await kubectl(adminKubeconfig, ['create', 'token', 'deployer', '-n', 'team-a', '--duration', '1h']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const claims = decodeJwtPayload(r.stdout.trim());
    expect(claims).toMatchObject({ sub: 'system:serviceaccount:team-a:deployer' });
    expect(Number(claims?.exp) - Number(claims?.iat)).toBe(3600);
    const tokenRequests = server.apiRequests().filter((q) => q.path === '/api/v1/namespaces/team-a/serviceaccounts/deployer/token');
    expect(tokenRequests.at(-1)).toMatchObject({ method: 'POST', status: 201, contentType: 'application/vnd.kubernetes.protobuf' });
  });

  it('create token below ten minutes fails with the server message; above the cap warns', async () => {
    const short = await kubectl(adminKubeconfig, ['create', 'token', 'deployer', '-n', 'team-a', '--duration', '1m']);
    expect(short.code).toBe(1);
    expect(short.stderr.trim()).toBe(
      'error: failed to create token: TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    );
    const long = await kubectl(adminKubeconfig, ['create', 'token', 'deployer', '-n', 'team-a', '--duration', '100h']);
    expect(long.code).toBe(0);
    expect(long.stderr.trim()).toBe('Warning: requested expiration of 360000 seconds shortened to 172800 seconds');
  });

  it('get secret -o json returns the populated token Secret', async () => {
    const r = await kubectl(deployerKubeconfig, ['get', 'secret', 'deployer-token', '-n', 'team-a', '-o', 'json']);
    expect(r.stderr).toBe('');
    const secret = JSON.parse(r.stdout);
    expect(secret.type).toBe('kubernetes.io/service-account-token');
    expect(Buffer.from(secret.data['ca.crt'], 'base64').toString()).toBe(server.caPem);
  });

  it('get configmap kube-root-ca.crt -o json returns the CA', async () => {
    const r = await kubectl(adminKubeconfig, ['get', 'configmap', 'kube-root-ca.crt', '-n', 'team-a', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).data['ca.crt']).toBe(server.caPem);
  });

  it('create -f - of a token Secret manifest works and the token controller fills it', async () => {
    const manifest = [
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: ci-robot',
      '  namespace: team-a',
      '  annotations:',
      '    kubernetes.io/service-account.name: ci',
      'type: kubernetes.io/service-account-token',
      '',
    ].join('\n');
    const r = await kubectl(adminKubeconfig, ['create', '-f', '-'], manifest);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('secret/ci-robot created');
    const got = await kubectl(adminKubeconfig, ['get', 'secret', 'ci-robot', '-n', 'team-a', '-o', 'json']);
    expect(JSON.parse(got.stdout).data.token).toBeTruthy();
  });

  it('create secret generic (a protobuf Secret body) stores the data', async () => {
    const r = await kubectl(adminKubeconfig, ['create', 'secret', 'generic', 'app-config', '-n', 'team-a', '--from-literal=mode=fast']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(server.getObject('secrets', 'team-a', 'app-config')?.data).toEqual({ mode: Buffer.from('fast').toString('base64') });
  });

  it('the dispatcher preflight is the only extra request and carries the credentials', async () => {
    server.clearRequests();
    await kubectl(deployerKubeconfig, ['get', 'secret', 'deployer-token', '-n', 'team-a', '-o', 'json']);
    const preflight = server.requests.filter((q) => (q.userAgent ?? '').startsWith('kubectl-dispatcher'));
    expect(preflight).toHaveLength(1);
    expect(preflight[0]).toMatchObject({ path: '/version', query: { timeout: '5s' } });
    // Discovery may or may not be cached in HOME depending on which tests ran before.
    const paths = server.apiRequests().map((q) => q.path);
    expect(paths).not.toContain('/version');
    expect(paths.at(-1)).toBe('/api/v1/namespaces/team-a/secrets/deployer-token');
  });
});
