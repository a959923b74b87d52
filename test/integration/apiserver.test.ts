// The emulated API server, driven over real HTTPS with verification on: what every other test
// relies on (TLS identity, Status bodies, RBAC, TokenRequest rules, token controller, logging).
import { connect as tlsConnect } from 'node:tls';
import { connect as netConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startApiServer,
  startBlackholeServer,
  startConnectProxy,
  clientCertFor,
  type ApiServer,
} from '../support/apiserver.js';
import { generateCa, generatePki, issueClientCert, type Pki } from '../support/certs.js';
import { decodeJwtPayload } from '../support/jwt.js';
import { encodeBytesField, encodeUnknownEnvelope, encodeVarintField } from '../support/protobuf.js';
import { requestApi } from '../support/fixtures.js';

let pki: Pki;
let server: ApiServer;
let deployer: string;
let viewer: string;

beforeAll(async () => {
  pki = await generatePki();
  server = await startApiServer({ pki, pendingToken: { afterGets: 2 }, tokenControllerDelayMs: 0 });
  deployer = server.mintToken({ namespace: 'team-a', serviceAccount: 'deployer' });
  viewer = server.mintToken({ namespace: 'team-a', serviceAccount: 'viewer' });
});
afterAll(async () => {
  await server.close();
});

const unauthorized = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Unauthorized',
  reason: 'Unauthorized',
  code: 401,
};

describe('TLS', () => {
  it.each(['localhost', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'kubernetes'])(
    'presents a certificate that verifies for %s with the generated CA',
    async (servername) => {
      const res = await requestApi(server, { path: '/version', servername });
      expect(res.status).toBe(200);
    },
  );

  it('verifies for the IP address 127.0.0.1 in the URL', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await requestApi(server, { path: '/healthz' })).text).toBe('ok');
  });

  it('is not trusted by an unrelated CA', async () => {
    const other = await generateCa({ commonName: 'other' });
    await expect(requestApi(server, { path: '/version', ca: other.cert })).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  it.each([
    ['expired', 'CERT_HAS_EXPIRED'],
    ['wrong-san', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['other-ca', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  ] as const)('serves the %s certificate variant, which fails verification with %s', async (variant, code) => {
    const broken = await startApiServer({ pki, serverCertificate: variant, fixture: 'empty' });
    try {
      await expect(requestApi(broken, { path: '/version' })).rejects.toMatchObject({ code });
      if (variant === 'other-ca') {
        expect((await requestApi(broken, { path: '/version', ca: broken.servingCa.cert })).status).toBe(200);
      }
    } finally {
      await broken.close();
    }
  });

  const hasIpv6Loopback = Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === '::1'));
  it.skipIf(!hasIpv6Loopback)('listens on ::1 when asked', async () => {
    const v6 = await startApiServer({ pki, host: '::1', fixture: 'empty' });
    try {
      expect(v6.url).toMatch(/^https:\/\/\[::1\]:\d+$/);
      expect((await requestApi(v6, { path: '/readyz' })).text).toBe('ok');
    } finally {
      await v6.close();
    }
  });
});

describe('authentication and authorization', () => {
  it('answers /version, /healthz, /livez, /readyz anonymously', async () => {
    const version = await requestApi(server, { path: '/version' });
    expect(version.json).toMatchObject({ major: '1', minor: '32', gitVersion: 'v1.32.4', platform: 'linux/amd64' });
    for (const path of ['/healthz', '/livez', '/readyz']) {
      expect(await requestApi(server, { path })).toMatchObject({ status: 200, text: 'ok' });
    }
  });

  it('forbids anonymous discovery with the real message', async () => {
    const res = await requestApi(server, { path: '/api' });
    expect(res.status).toBe(403);
    expect(res.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'forbidden: User "system:anonymous" cannot get path "/api"',
      reason: 'Forbidden',
      details: {},
      code: 403,
    });
  });

  it.each([
    ['garbage', () => 'not-a-jwt'],
    ['expired', () => server.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', expired: true })],
    ['wrong key', () => server.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', wrongKey: true })],
    ['wrong audience', () => server.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', audiences: ['vault'] })],
    ['wrong issuer', () => server.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', issuer: 'https://elsewhere' })],
    ['unknown account', () => server.mintToken({ namespace: 'team-a', serviceAccount: 'ghost' })],
    ['stale account uid', () => server.mintToken({ namespace: 'team-a', serviceAccount: 'deployer', uid: 'old-uid' })],
  ])('answers 401 with the real Status body for a %s token, even on /version', async (_name, mint) => {
    for (const path of ['/api/v1/namespaces/team-a/pods', '/version']) {
      const res = await requestApi(server, { path, token: mint() });
      expect(res.status).toBe(401);
      expect(res.json).toEqual(unauthorized);
    }
  });

  it('rejects the token of a service account deleted after minting', async () => {
    const sa = server.addServiceAccount('team-a', 'short-lived');
    const token = server.mintToken({ namespace: 'team-a', serviceAccount: 'short-lived' });
    expect((await requestApi(server, { path: '/api', token })).status).toBe(200);
    server.deleteServiceAccount('team-a', sa.metadata.name);
    expect((await requestApi(server, { path: '/api', token })).status).toBe(401);
  });

  it('lists pods for deployer and forbids viewer with the real message', async () => {
    const ok = await requestApi(server, { path: '/api/v1/namespaces/team-a/pods?limit=2', token: deployer });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ kind: 'PodList', apiVersion: 'v1', metadata: { remainingItemCount: 1 } });
    expect((ok.json?.items as unknown[]).length).toBe(2);

    const denied = await requestApi(server, { path: '/api/v1/namespaces/team-a/pods', token: viewer });
    expect(denied.status).toBe(403);
    expect(denied.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'pods is forbidden: User "system:serviceaccount:team-a:viewer" cannot list resource "pods" in API group "" in the namespace "team-a"',
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403,
    });
  });

  it('names the object and subresource in a forbidden TokenRequest', async () => {
    const res = await requestApi(server, { path: '/api/v1/namespaces/team-a/serviceaccounts/deployer/token', token: viewer, body: {} });
    expect(res.status).toBe(403);
    expect(res.json?.message).toBe(
      'serviceaccounts "deployer" is forbidden: User "system:serviceaccount:team-a:viewer" cannot create resource "serviceaccounts/token" in API group "" in the namespace "team-a"',
    );
    expect(res.json?.details).toEqual({ name: 'deployer', kind: 'serviceaccounts' });
  });

  it('authorizes before routing: an unknown path is 403 for a service account and 404 for the admin', async () => {
    expect((await requestApi(server, { path: '/api/v1/namespaces/team-a/widgets', token: deployer })).status).toBe(403);
    expect((await requestApi(server, { path: '/nope', token: deployer })).json?.message).toBe(
      'forbidden: User "system:serviceaccount:team-a:deployer" cannot get path "/nope"',
    );
    expect((await requestApi(server, { path: '/api/v1/namespaces/team-a/widgets', clientCert: pki.admin })).status).toBe(404);
    expect((await requestApi(server, { path: '/nope', clientCert: pki.admin })).text).toBe('404 page not found\n');
  });

  it('authenticates the admin client certificate and refuses one from another CA', async () => {
    const ok = await requestApi(server, { path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', clientCert: pki.admin, body: {} });
    expect(ok.status).toBe(201);
    expect(ok.json?.status).toMatchObject({ userInfo: { username: 'admin-user', groups: ['system:masters', 'system:authenticated'] } });

    const stranger = await issueClientCert(await generateCa(), { commonName: 'admin-user', organizations: ['system:masters'] });
    expect((await requestApi(server, { path: '/api', clientCert: stranger })).json).toEqual(unauthorized);
  });

  it('gives an ordinary client certificate identity no rights beyond discovery', async () => {
    const alice = await clientCertFor(pki.ca, 'alice', ['devs']);
    expect((await requestApi(server, { path: '/api/v1', clientCert: alice })).status).toBe(200);
    const res = await requestApi(server, { path: '/api/v1/namespaces/team-a/secrets/deployer-token', clientCert: alice });
    expect(res.json?.message).toBe(
      'secrets "deployer-token" is forbidden: User "alice" cannot get resource "secrets" in API group "" in the namespace "team-a"',
    );
  });

  it('reports the service-account identity in a SelfSubjectReview', async () => {
    const res = await requestApi(server, { path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', token: deployer, body: {} });
    expect(res.json).toMatchObject({
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      status: {
        userInfo: {
          username: 'system:serviceaccount:team-a:deployer',
          uid: server.getObject('serviceaccounts', 'team-a', 'deployer')?.metadata.uid,
          groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'],
        },
      },
    });
  });

  it('answers SelfSubjectAccessReviews from the RBAC table', async () => {
    const review = (resource: string, verb: string) => ({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { namespace: 'team-a', verb, resource } },
    });
    const path = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
    expect((await requestApi(server, { path, token: deployer, body: review('pods', 'list') })).json?.status).toMatchObject({ allowed: true });
    expect((await requestApi(server, { path, token: deployer, body: review('secrets', 'list') })).json?.status).toMatchObject({ allowed: false });
    expect((await requestApi(server, { path, token: viewer, body: review('pods', 'list') })).json?.status).toMatchObject({ allowed: false });
  });
});

describe('TokenRequest', () => {
  const path = '/api/v1/namespaces/team-a/serviceaccounts/deployer/token';
  const tokenRequest = (spec: Record<string, unknown>) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });

  it('defaults to one hour and the API audiences, and the token authenticates', async () => {
    const res = await requestApi(server, { path, token: deployer, body: tokenRequest({}) });
    expect(res.status).toBe(201);
    const status = res.json?.status as { token: string; expirationTimestamp: string };
    const claims = decodeJwtPayload(status.token);
    expect(claims).toMatchObject({ sub: 'system:serviceaccount:team-a:deployer', aud: ['https://kubernetes.default.svc.cluster.local'] });
    expect(Number(claims?.exp) - Number(claims?.iat)).toBe(3600);
    expect(Date.parse(status.expirationTimestamp) / 1000).toBe(Number(claims?.exp));
    expect((await requestApi(server, { path: '/api', token: status.token })).status).toBe(200);
  });

  it('honours expirationSeconds and audiences; a token for another audience does not authenticate here', async () => {
    const res = await requestApi(server, { path, token: deployer, body: tokenRequest({ expirationSeconds: 7200, audiences: ['vault'] }) });
    const token = (res.json?.status as { token: string }).token;
    const claims = decodeJwtPayload(token);
    expect(claims?.aud).toEqual(['vault']);
    expect(Number(claims?.exp) - Number(claims?.iat)).toBe(7200);
    expect((await requestApi(server, { path: '/api', token })).status).toBe(401);
  });

  it('refuses less than ten minutes with the real Invalid status', async () => {
    const res = await requestApi(server, { path, token: deployer, body: tokenRequest({ expirationSeconds: 60 }) });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({
      kind: 'Status',
      reason: 'Invalid',
      code: 422,
      message:
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    });
  });

  it('shortens a duration above the maximum with a Warning header', async () => {
    const res = await requestApi(server, { path, token: deployer, body: tokenRequest({ expirationSeconds: 200_000 }) });
    expect(res.status).toBe(201);
    expect(res.headers.warning).toBe('299 - "requested expiration of 200000 seconds shortened to 172800 seconds"');
    expect((res.json?.spec as { expirationSeconds: number }).expirationSeconds).toBe(172_800);
  });

  it('decodes a protobuf TokenRequest like the one kubectl sends', async () => {
    const spec = Buffer.concat([encodeBytesField(1, 'aud-1'), encodeBytesField(1, 'aud-2'), encodeVarintField(4, 1200)]);
    const body = encodeUnknownEnvelope('authentication.k8s.io/v1', 'TokenRequest', encodeBytesField(2, spec));
    const res = await requestApi(server, {
      path,
      token: deployer,
      body,
      headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' },
    });
    expect(res.status).toBe(201);
    expect(res.json?.spec).toMatchObject({ audiences: ['aud-1', 'aud-2'], expirationSeconds: 1200 });
  });

  it('answers 404 NotFound for a missing service account', async () => {
    const res = await requestApi(server, { path: '/api/v1/namespaces/team-a/serviceaccounts/ghost/token', clientCert: pki.admin, body: tokenRequest({}) });
    expect(res.json).toMatchObject({ code: 404, reason: 'NotFound', message: 'serviceaccounts "ghost" not found', details: { name: 'ghost', kind: 'serviceaccounts' } });
  });
});

describe('Secrets and the token controller', () => {
  it('serves a populated legacy token Secret whose token authenticates as the account', async () => {
    const res = await requestApi(server, { path: '/api/v1/namespaces/team-a/secrets/deployer-token', token: deployer });
    const data = res.json?.data as Record<string, string>;
    expect(res.json?.type).toBe('kubernetes.io/service-account-token');
    expect(Buffer.from(data['ca.crt'] ?? '', 'base64').toString()).toBe(server.caPem);
    expect(Buffer.from(data.namespace ?? '', 'base64').toString()).toBe('team-a');
    const token = Buffer.from(data.token ?? '', 'base64').toString();
    expect(decodeJwtPayload(token)).toMatchObject({
      iss: 'kubernetes/serviceaccount',
      sub: 'system:serviceaccount:team-a:deployer',
      'kubernetes.io/serviceaccount/secret.name': 'deployer-token',
    });
    expect(decodeJwtPayload(token)).not.toHaveProperty('exp');
    const whoami = await requestApi(server, { path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', token, body: {} });
    expect((whoami.json?.status as { userInfo: { username: string } }).userInfo.username).toBe('system:serviceaccount:team-a:deployer');
  });

  it('fills pending-token after the configured number of GETs', async () => {
    const get = async () => (await requestApi(server, { path: '/api/v1/namespaces/team-a/secrets/pending-token', token: deployer })).json;
    expect(await get()).not.toHaveProperty('data');
    expect(await get()).not.toHaveProperty('data');
    expect(await get()).toHaveProperty('data.token');
  });

  it('fills pending-token after the configured delay', async () => {
    const timed = await startApiServer({ pki, pendingToken: { afterMs: 30 } });
    try {
      const get = async () => (await requestApi(timed, { path: '/api/v1/namespaces/team-a/secrets/pending-token', clientCert: pki.admin })).json;
      expect(await get()).not.toHaveProperty('data');
      await new Promise((r) => setTimeout(r, 60));
      expect(await get()).toHaveProperty('data.token');
    } finally {
      await timed.close();
    }
  });

  it('serves the wrong-type and bad-base64 fixtures as stored', async () => {
    const opaque = await requestApi(server, { path: '/api/v1/namespaces/team-a/secrets/not-a-token', token: deployer });
    expect(opaque.json?.type).toBe('Opaque');
    const bad = await requestApi(server, { path: '/api/v1/namespaces/team-a/secrets/bad-base64-token', token: deployer });
    expect((bad.json?.data as Record<string, string>).token).toBe('not*valid*base64!!');
    const missing = await requestApi(server, { path: '/api/v1/namespaces/team-a/secrets/nope', token: deployer });
    expect(missing.json).toMatchObject({ code: 404, message: 'secrets "nope" not found' });
  });

  it('populates a created token Secret, and deletes one whose account does not exist', async () => {
    const secret = (name: string, sa: string) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, annotations: { 'kubernetes.io/service-account.name': sa } },
      type: 'kubernetes.io/service-account-token',
    });
    const path = '/api/v1/namespaces/team-a/secrets';
    expect((await requestApi(server, { path, clientCert: pki.admin, body: secret('ci-long-lived', 'ci') })).status).toBe(201);
    expect((await requestApi(server, { path, clientCert: pki.admin, body: secret('orphan', 'ghost') })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 20));
    const filled = await requestApi(server, { path: `${path}/ci-long-lived`, clientCert: pki.admin });
    expect(filled.json).toHaveProperty('data.token');
    expect(filled.json).toHaveProperty(['metadata', 'annotations', 'kubernetes.io/service-account.uid']);
    expect((await requestApi(server, { path: `${path}/orphan`, clientCert: pki.admin })).status).toBe(404);
    const noAnnotation = await requestApi(server, { path, clientCert: pki.admin, body: { ...secret('x', 'ci'), metadata: { name: 'x' } } });
    expect(noAnnotation.status).toBe(422);
  });

  it('serves kube-root-ca.crt in every namespace', async () => {
    for (const ns of ['team-a', 'default']) {
      const res = await requestApi(server, { path: `/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`, clientCert: pki.admin });
      expect((res.json?.data as Record<string, string>)['ca.crt']).toBe(server.caPem);
    }
  });
});

describe('discovery, tables and logging', () => {
  it('serves plain JSON discovery even when aggregated discovery is asked for', async () => {
    const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
    const apis = await requestApi(server, { path: '/apis', token: deployer, headers: { Accept: accept } });
    expect(apis.headers['content-type']).toBe('application/json');
    expect(apis.json).toMatchObject({ kind: 'APIGroupList' });
    const v1 = await requestApi(server, { path: '/api/v1', token: deployer });
    const names = (v1.json?.resources as { name: string }[]).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['pods', 'secrets', 'serviceaccounts', 'serviceaccounts/token', 'configmaps', 'namespaces']));
  });

  it('returns a meta.k8s.io Table with the kubectl columns when asked', async () => {
    const res = await requestApi(server, {
      path: '/api/v1/namespaces/team-a/pods',
      token: deployer,
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
    });
    expect(res.json).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    const columns = (res.json?.columnDefinitions as { name: string; priority: number }[]).filter((c) => c.priority === 0).map((c) => c.name);
    expect(columns).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
  });

  it('records each request with the Authorization header redacted but kept apart for assertions', async () => {
    server.clearRequests();
    await requestApi(server, { path: '/api/v1/namespaces/team-a/pods', token: deployer, headers: { 'User-Agent': 'probe-test' } });
    const [r] = server.requests;
    expect(r).toMatchObject({ method: 'GET', path: '/api/v1/namespaces/team-a/pods', status: 200, hasAuthorization: true, userAgent: 'probe-test' });
    expect(r?.user?.username).toBe('system:serviceaccount:team-a:deployer');
    expect(r?.authorization).toBe(`Bearer ${deployer}`);
    expect(JSON.stringify(r?.headers)).not.toContain(deployer);
    expect(r?.headers.authorization).toMatch(/^Bearer sha256:[0-9a-f]{12}$/);
  });

  it('serves SelfSubjectReview as v1beta1 only when it reports Kubernetes 1.27', async () => {
    const v127 = await startApiServer({ pki, gitVersion: 'v1.27.16', fixture: 'empty' });
    try {
      expect((await requestApi(v127, { path: '/version' })).json).toMatchObject({ major: '1', minor: '27' });
      const path = (v: string) => `/apis/authentication.k8s.io/${v}/selfsubjectreviews`;
      expect((await requestApi(v127, { path: path('v1'), clientCert: pki.admin, body: {} })).status).toBe(404);
      const beta = await requestApi(v127, { path: path('v1beta1'), clientCert: pki.admin, body: {} });
      expect(beta.json).toMatchObject({ kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1beta1' });
    } finally {
      await v127.close();
    }
  });

  it('disables SelfSubjectReview on request (an older server)', async () => {
    const old = await startApiServer({ pki, selfSubjectReview: false, fixture: 'empty' });
    try {
      const res = await requestApi(old, { path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', clientCert: pki.admin, body: {} });
      expect(res.status).toBe(404);
    } finally {
      await old.close();
    }
  });
});

describe('probe helpers', () => {
  it('serves under a path prefix and 404s outside it', async () => {
    const prefixed = await startApiServer({ pki, pathPrefix: '/k8s/clusters/c-1', fixture: 'empty' });
    try {
      expect(prefixed.url).toMatch(/\/k8s\/clusters\/c-1$/);
      expect((await requestApi(prefixed, { path: '/version' })).status).toBe(200);
      expect((await requestApi({ ...prefixed, url: prefixed.url.replace('/k8s/clusters/c-1', '') }, { path: '/version' })).status).toBe(404);
    } finally {
      await prefixed.close();
    }
  });

  it('redirects before authentication', async () => {
    const redirecting = await startApiServer({ pki, redirects: { '/redirect': 'https://127.0.0.2:9/elsewhere' }, fixture: 'empty' });
    try {
      const res = await requestApi(redirecting, { path: '/redirect', token: 'whatever' });
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe('https://127.0.0.2:9/elsewhere');
    } finally {
      await redirecting.close();
    }
  });

  it('blackhole server accepts TCP and never completes a TLS handshake', async () => {
    const hole = await startBlackholeServer();
    try {
      const outcome = await new Promise<string>((resolve) => {
        const socket = tlsConnect({ host: hole.host, port: hole.port, servername: 'localhost' });
        socket.setTimeout(300, () => {
          socket.destroy();
          resolve('timeout');
        });
        socket.on('secureConnect', () => resolve('connected'));
        socket.on('error', (e) => resolve(`error ${e.message}`));
      });
      expect(outcome).toBe('timeout');
      expect(hole.connections()).toBe(1);
    } finally {
      await hole.close();
    }
  });

  it('CONNECT proxy tunnels to the server and logs the target', async () => {
    const proxy = await startConnectProxy();
    try {
      const status = await new Promise<string>((resolve, reject) => {
        const s = netConnect(proxy.port, '127.0.0.1', () => s.write(`CONNECT 127.0.0.1:${server.port} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`));
        s.once('data', (d: Buffer) => {
          resolve(d.toString().split('\r\n')[0] ?? '');
          s.destroy();
        });
        s.on('error', reject);
      });
      expect(status).toBe('HTTP/1.1 200 Connection established');
      expect(proxy.connects).toEqual([`127.0.0.1:${server.port}`]);
    } finally {
      await proxy.close();
    }
  });
});
