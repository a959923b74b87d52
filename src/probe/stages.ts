// The probe itself: config → dns → tcp → tls → version → authn → authz → request, each timed,
// stopping at the first failure (a "no" from authz is reported and the request still runs, so the
// user sees the server's own 403). The whole probe shares one deadline; each stage gets what is left.
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Deps } from '../deps.js';
import { isCliError } from '../errors.js';
import type { SecretRegistry } from '../output.js';
import { formatDuration } from '../duration.js';
import {
  classifyDnsError,
  classifyProxyRefusal,
  classifyProxyTlsError,
  classifyTcpError,
  classifyTlsError,
  MAX_RETRIES,
  connectDeadlineFailure,
  describeDialError,
  describeRetries,
  errorMessage,
  forbiddenFailure,
  httpTransportFailure,
  impersonationFailure,
  oneLine,
  redirectFailure,
  retryAfterMs,
  subjectToName,
  timeoutFailure,
  tlsAlertFailure,
  tlsAlertOf,
  unauthorizedFailure,
  unexpectedStatusFailure,
  type HttpContext,
  type RetryRecord,
} from './classify.js';
import {
  ConnectDeadlineError,
  DialError,
  DialTimeoutError,
  ProxyRefusedError,
  ProxyTlsError,
  abortable,
  TimeoutSignalError,
  connectTcp,
  fetchPeerCertificate,
  openTunnel,
  proxyChannel,
  proxyTlsSettings,
  resolveHost,
  startTls,
  type DialFailure,
  type Network,
  type TlsSettings,
} from './connect.js';
import { NO_CREDENTIALS, basicAuthorization, configuresCredentials, registerBasicAuth, credentialInUse, describeCredentials, hasCredentials, refuseUnidentifiedUser, resolveCredentials, validateUser, type Credentials } from './credentials.js';
import type { ApiClient, ApiResponse } from './http.js';
import { isSocksProxy, proxyCredentials, redactProxyUrl } from './proxy.js';
import type { Identity, ProbeResult, StageFailure, StageName, StageResult, StageStatus } from './result.js';
import {
  SELF_SUBJECT_REVIEW_VERSIONS,
  accessForPath,
  describeGrant,
  describeAccess,
  parseSelfSubjectAccessReview,
  parseSelfSubjectReview,
  parseVersion,
  selfSubjectAccessReviewBody,
  selfSubjectReviewRequest,
} from './reviews.js';
import { describeCaCertificates, joinHostPort, loadGoSystemRoots, loadTrust, planConnection, type ConnectionPlan, type ProbeTarget, type Trust } from './target.js';

export interface ProbeDeps extends Pick<Deps, 'fs' | 'env' | 'spawn' | 'now' | 'platform'> {
  readonly network: Network;
  /** The HTTP client over the already-open connection (src/probe/http.ts; a fake in unit tests). */
  readonly createApiClient: (origin: string, socket: Socket, reconnect: () => Promise<Socket>) => ApiClient | Promise<ApiClient>;
}

export interface ProbeOptions {
  readonly timeoutMs: number;
  /** The flag that sets timeoutMs, named in hints: --timeout for probe, --probe-timeout for --probe. */
  readonly timeoutFlag?: string | undefined;
  /** Overrides the context's namespace. */
  readonly namespace?: string | undefined;
  /** Overrides the request path (default: list one pod in the namespace). */
  readonly path?: string | undefined;
  readonly secrets: SecretRegistry;
  /** Loud warnings (verification off, expiring token) go to stderr as well as into the row. */
  readonly warn: (message: string) => void;
}

/** Tokens expiring sooner than this are warned about before they are sent. */
export const TOKEN_EXPIRY_WARNING_MS = 10 * 60_000;

interface StageOutcome {
  readonly status: StageStatus;
  readonly detail?: string | undefined;
  readonly error?: StageFailure | undefined;
  readonly warnings?: readonly string[] | undefined;
}

const ok = (detail: string): StageOutcome => ({ status: 'ok', detail });
const warn = (detail: string, warnings?: readonly string[]): StageOutcome => ({ status: 'warn', detail, ...(warnings === undefined ? {} : { warnings }) });
const fail = (error: StageFailure, detail?: string): StageOutcome => ({ status: 'fail', error, detail });

export async function probeTarget(deps: ProbeDeps, label: string, resolveTarget: () => Promise<ProbeTarget>, options: ProbeOptions): Promise<ProbeResult> {
  const controller = new AbortController();
  const started = performance.now();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  const signal = controller.signal;
  const remaining = () => Math.max(1, Math.round(options.timeoutMs - (performance.now() - started)));
  const stages: StageResult[] = [];
  let identity: Identity | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];

  /** The current stage's retries (call() below), reported with its outcome. */
  let retries: RetryRecord = { retries: 0, statuses: [] };
  const run = async (name: StageName, body: () => Promise<StageOutcome>): Promise<boolean> => {
    const stageStart = performance.now();
    retries = { retries: 0, statuses: [] };
    let outcome: StageOutcome;
    try {
      outcome = await body();
    } catch (error) {
      outcome = fail(failureFrom(name, error, signal.aborted, options.timeoutMs, options.timeoutFlag ?? '--timeout', { checkedName: plan?.checkedName ?? '', clientCertSource: sentClientCert, tlsProtocol }));
    }
    outcome = withRetries(outcome, retries);
    stages.push({ name, ms: Math.round(performance.now() - stageStart), ...singleLine(outcome) });
    return outcome.status !== 'fail';
  };

  let target: ProbeTarget | undefined;
  let plan: ConnectionPlan | undefined;
  let trust: Trust | undefined;
  let credentials: Credentials = NO_CREDENTIALS;
  let configured = false;
  /** Where the client certificate presented in the handshake came from, for a TLS alert's hint. */
  let sentClientCert: string | undefined;
  /** The TLS version the tls stage agreed (a TLS 1.3 server judges the client certificate later). */
  let tlsProtocol: string | undefined;
  try {
    const configOk = await run('config', async () => {
      target = await resolveTarget();
      plan = planConnection(target, deps.env);
      // The proxy's user:password@ goes out as Proxy-Authorization: Basic …, which a proxy may echo.
      if (plan.proxy.kind === 'proxy') {
        const credentials = proxyCredentials(plan.proxy.url);
        if (credentials !== undefined) registerBasicAuth(options.secrets, credentials.username, credentials.password);
      }
      trust = await loadTrust(deps, target);
      // Over plain http client-go reads no credentials at all ("only try to read the auth
      // information if we are secure", client_config.go), though it still validates them.
      if (plan.scheme === 'http') {
        validateUser(target.user, target.userName ?? target.label);
        const user = target.user;
        for (const secret of [user.token, user['client-key-data']]) options.secrets.add(secret);
        if (user.username || user.password) registerBasicAuth(options.secrets, user.username ?? '', user.password ?? '');
        configured = configuresCredentials(user);
      } else {
        credentials = await resolveCredentials(deps, target, { secrets: options.secrets, timeoutMs: remaining(), timeoutFlag: options.timeoutFlag, now: deps.now(), caPem: trust.caPem });
        refuseUnidentifiedUser(target, credentials);
        configured = hasCredentials(credentials);
      }
      const notes = [...plan.warnings];
      if (trust.skippedBlocks > 0) {
        notes.push(`${trust.skippedBlocks} PEM block${trust.skippedBlocks === 1 ? '' : 's'} of the CA ${trust.caSource} ${trust.skippedBlocks === 1 ? 'is' : 'are'} not a certificate that parses and ${trust.skippedBlocks === 1 ? 'was' : 'were'} skipped, as kubectl skips them`);
      }
      if (credentials.withheld !== undefined) notes.push(credentials.withheld);
      // Over https this was refused above (kubectl would prompt); over http kubectl reads no user at all.
      if (target.userFound === false) notes.push(`user "${String(target.userName)}" is not in the kubeconfig: no credentials are sent (as kubectl)`);
      const expiry = credentials.bearer?.expiresAt;
      if (expiry !== undefined) {
        const left = expiry.getTime() - deps.now().getTime();
        if (left <= 0) notes.push(`the token expired at ${expiry.toISOString()} (${formatDuration(-left)} ago)`);
        else if (left <= TOKEN_EXPIRY_WARNING_MS) notes.push(`the token expires in ${formatDuration(left)} (at ${expiry.toISOString()})`);
      }
      for (const note of notes) options.warn(`${label}: ${note}`);
      const namespace = options.namespace ?? target.namespace;
      const detail = `server ${target.cluster.server ?? ''}, namespace ${namespace}, ${describeCredentials(credentials)}${notes.length ? `; ${notes.join('; ')}` : ''}`;
      return notes.length ? warn(detail, notes) : ok(detail);
    });
    if (!configOk || target === undefined || plan === undefined || trust === undefined) return { target: label, stages };
    const resolvedTarget: ProbeTarget = target;
    const p: ConnectionPlan = plan;
    const t: Trust = trust;
    // client-go sends credentials only over TLS (client_config.go ClientConfig, IsConfigTransportTLS).
    const sent: Credentials = p.scheme === 'https' ? credentials : NO_CREDENTIALS;
    const namespace = options.namespace ?? resolvedTarget.namespace;
    const proxy = p.proxy.kind === 'proxy' ? p.proxy.url : undefined;
    const dialHost = proxy ? proxy.hostname.replace(/^\[(.*)\]$/, '$1') : p.host;
    // net/http canonicalAddr's default ports: http 80, https 443, socks5 1080.
    const dialPort = proxy ? Number(proxy.port || (proxy.protocol === 'https:' ? 443 : isSocksProxy(proxy) ? 1080 : 80)) : p.port;
    const targetAuthority = `${p.origin.replace(/^https?:\/\//, '')}`;
    sentClientCert = sent.clientCert?.source;
    const tlsSettings: TlsSettings = {
      checkedName: p.checkedName,
      caCertificates: t.caCertificates,
      certPem: sent.clientCert?.certPem,
      keyPem: sent.clientCert?.keyPem,
      insecure: p.insecure,
    };

    // Go's Transport tunnels (CONNECT) only to an https:// server; a plain http:// one's requests go
    // to the proxy as they are, with the absolute URL in the request line (GET http://host/path)
    // and Proxy-Authorization on each request (net/http transport.go connectMethod).
    // A socks5:// proxy carries any connection: to an http:// server too, Go dials through it.
    const forwardProxy = proxy !== undefined && p.scheme === 'http' && !isSocksProxy(proxy);
    const proxyAuthorization = proxy === undefined ? undefined : proxyCredentials(proxy);
    // A plain http:// server's https:// proxy is verified with Go's defaults: on Linux, the roots Go reads (not the cluster's CA).
    const proxySystemRoots = proxy?.protocol === 'https:' && p.scheme === 'http' && deps.platform === 'linux' ? await loadGoSystemRoots(deps) : undefined;
    const proxyTls = proxy === undefined ? undefined : proxyTlsSettings({ ...tlsSettings, tlsServerName: p.tlsServerName }, proxy, p.scheme, proxySystemRoots);
    const dialRaw = async (dialSignal: AbortSignal): Promise<Socket> => {
      const addresses = await resolveHost(deps.network, dialHost, dialSignal);
      const { socket } = await connectTcp(deps.network, addresses, dialPort, dialSignal);
      if (proxy === undefined || proxyTls === undefined) return socket;
      try {
        return await (forwardProxy ? proxyChannel(socket, proxy, dialSignal, proxyTls) : openTunnel(socket, proxy, targetAuthority, dialSignal, proxyTls));
      } catch (error) {
        // A refused or broken tunnel leaves the connection to the proxy open otherwise.
        socket.destroy();
        throw error;
      }
    };

    let addresses: Awaited<ReturnType<typeof resolveHost>> = [];
    const dnsOk = await run('dns', async () => {
      try {
        addresses = await resolveHost(deps.network, dialHost, signal);
      } catch (error) {
        if (error instanceof TimeoutSignalError) throw error;
        return fail(classifyDnsError(proxy ? `proxy host ${dialHost}` : dialHost, error));
      }
      const list = addresses.map((entry) => entry.address).join(', ');
      const what = proxy ? `proxy ${dialHost}` : dialHost;
      return ok(addresses.length === 1 && addresses[0]?.address === dialHost ? `${what} is an IP address (no lookup)` : `${what} → ${list}`);
    });
    if (!dnsOk) return { target: label, stages };

    let socket: Socket | undefined;
    const tcpOk = await run('tcp', async () => {
      let connected: Awaited<ReturnType<typeof connectTcp>>;
      const tried = (failures: readonly DialFailure[]) => failures.map((failure) => `${joinHostPort(failure.address, dialPort)}: ${describeDialError(failure.error)}`);
      try {
        connected = await connectTcp(deps.network, addresses, dialPort, signal, remaining);
      } catch (error) {
        if (error instanceof ConnectDeadlineError) return fail(connectDeadlineFailure(error.endpoint, options.timeoutMs, tried(error.failures), options.timeoutFlag));
        if (error instanceof TimeoutSignalError) throw error;
        const failure = classifyTcpError(joinHostPort(dialHost, dialPort), error, proxy ? redactProxyUrl(proxy) : undefined);
        const failures = error instanceof DialError ? error.failures : [];
        return fail(failures.length > 1 ? { ...failure, message: `${failure.message} (tried ${tried(failures).join(', ')})` } : failure);
      }
      const endpoint = joinHostPort(connected.address, dialPort);
      // Addresses that failed first cost kubectl the same on every call: say so, loudly if they cost time.
      const after = connected.failures.length ? ` (after ${tried(connected.failures).join(', ')})` : '';
      const slow = connected.failures.some((failure) => failure.error instanceof DialTimeoutError);
      if (!proxy) {
        socket = connected.socket;
        const detail = `connected to ${endpoint}${after}, ${p.proxy.kind === 'direct' ? `direct (${p.proxy.reason})` : 'direct'}`;
        return slow ? warn(detail) : ok(detail);
      }
      const source = p.proxy.kind === 'proxy' ? p.proxy.source : '';
      const tunnelTls: TlsSettings = proxyTls ?? { checkedName: dialHost, insecure: false };
      const proxyTlsFailure = (error: ProxyTlsError) =>
        fail(classifyProxyTlsError(redactProxyUrl(proxy), error.tlsError, { checkedName: tunnelTls.checkedName, caSource: tunnelTls.caCertificates === undefined || p.scheme === 'http' ? 'system roots' : t.caSource, now: deps.now(), clientCertSource: tunnelTls.certPem === undefined ? undefined : sentClientCert }, { tlsServerName: p.scheme === 'https' ? p.tlsServerName : undefined }));
      if (forwardProxy) {
        try {
          socket = await proxyChannel(connected.socket, proxy, signal, tunnelTls);
        } catch (error) {
          connected.socket.destroy();
          if (error instanceof TimeoutSignalError) throw error;
          if (error instanceof ProxyTlsError) return proxyTlsFailure(error);
          return fail(classifyTcpError(endpoint, error, redactProxyUrl(proxy)));
        }
        const detail = `via proxy ${redactProxyUrl(proxy)} (${source}) at ${endpoint}${after}: no CONNECT for a plain http:// server; each request goes to the proxy as GET ${p.origin}/…, as kubectl sends it`;
        return slow ? warn(detail) : ok(detail);
      }
      try {
        socket = await openTunnel(connected.socket, proxy, targetAuthority, signal, tunnelTls);
      } catch (error) {
        connected.socket.destroy();
        if (error instanceof TimeoutSignalError) throw error;
        if (error instanceof ProxyTlsError) return proxyTlsFailure(error);
        if (error instanceof ProxyRefusedError) return fail(classifyProxyRefusal(redactProxyUrl(proxy), targetAuthority, error.statusLine, p.proxy.kind === 'proxy' ? p.proxy.source : ''));
        return fail(classifyTcpError(endpoint, error, redactProxyUrl(proxy)));
      }
      const detail = `via proxy ${redactProxyUrl(proxy)} (${source}) at ${endpoint}${after}: ${isSocksProxy(proxy) ? 'SOCKS5 ' : ''}CONNECT ${targetAuthority} established`;
      return slow ? warn(detail) : ok(detail);
    });
    if (!tcpOk || socket === undefined) return { target: label, stages };
    const rawSocket: Socket = socket;
    cleanups.push(() => {
      rawSocket.destroy();
    });

    let connection: Socket = rawSocket;
    const tlsOk = await run('tls', async () => {
      if (p.scheme === 'http') {
        return warn(`plain http:// — no TLS, the server is not authenticated${configured ? ', and the configured credentials are NOT sent (client-go sends them only over TLS)' : ''}`);
      }
      try {
        const secured = await startTls(rawSocket, tlsSettings, signal);
        connection = secured.socket;
      } catch (error) {
        if (error instanceof TimeoutSignalError) throw error;
        const peer = await diagnosePeer(dialRaw, tlsSettings, remaining());
        const trusted = t.caCertificates === undefined || t.caSource === 'system roots' ? undefined : describeCaCertificates(t.caCertificates);
        return fail(classifyTlsError(error, peer, { checkedName: p.checkedName, caSource: t.caSource, now: deps.now(), clientCertSource: sentClientCert, trusted }));
      }
      const secured = connection as import('node:tls').TLSSocket;
      const peer = secured.getPeerCertificate();
      const protocol = secured.getProtocol() ?? 'TLS';
      tlsProtocol = protocol;
      const expires = peer.valid_to ? `, expires ${new Date(peer.valid_to).toISOString().slice(0, 10)}` : '';
      const cn = typeof peer.subject?.CN === 'string' ? peer.subject.CN : '(no CN)';
      if (p.insecure) {
        const message = 'TLS verification is OFF (insecure-skip-tls-verify): anyone on the path can impersonate this server and read the credentials';
        options.warn(`${label}: ${message}`);
        return warn(`${protocol}, certificate CN=${cn} NOT VERIFIED — ${message}`, [message]);
      }
      const name = p.tlsServerName ? `${p.checkedName} (tls-server-name)` : p.checkedName;
      return ok(`${protocol}, certificate CN=${cn} valid for ${name}, verified against ${t.caSource}${expires}${sent.clientCert ? `; client certificate from ${sent.clientCert.source} sent (not yet accepted: ${protocol === 'TLSv1.3' ? 'a TLS 1.3 server judges it after the handshake, and ' : ''}the authn stage shows whether the server took it)` : ''}`);
    });
    if (!tlsOk) return { target: label, stages };

    const reconnect = async (): Promise<Socket> => {
      const raw = await dialRaw(signal);
      if (p.scheme === 'http') return raw;
      return (await startTls(raw, tlsSettings, signal)).socket;
    };
    const client = await deps.createApiClient(p.origin, connection, reconnect);
    cleanups.push(() => client.close());
    const authHeaders = authorizationHeaders(sent);
    // abortable: the deadline wins even if the HTTP client does not notice the signal.
    const send = (method: 'GET' | 'POST', path: string, withCredentials: boolean, body?: string): Promise<ApiResponse> =>
      abortable(client.request({
        method,
        path: `${forwardProxy ? p.origin : ''}${p.pathPrefix}${path}`,
        headers: {
          ...(withCredentials ? { ...authHeaders, ...(body === undefined ? {} : { 'content-type': 'application/json' }) } : {}),
          ...(forwardProxy && proxyAuthorization !== undefined ? { 'proxy-authorization': basicAuthorization(proxyAuthorization.username, proxyAuthorization.password) } : {}),
        },
        body,
        signal,
      }), signal);
    // client-go retries a 429 or 5xx that carries Retry-After, after that wait, up to 10 times
    // (rest/request.go checkWait, with_retry.go IsNextRetry); the probe does too, within its deadline.
    const call = async (method: 'GET' | 'POST', path: string, withCredentials: boolean, body?: string): Promise<ApiResponse> => {
      for (let attempt = 0; ; attempt += 1) {
        const response = await send(method, path, withCredentials, body);
        const wait = retryAfterMs(response.status, header(response, 'retry-after'));
        if (wait === undefined || attempt >= MAX_RETRIES) return response;
        if (wait >= remaining()) {
          retries = { ...retries, gaveUpWaitingMs: wait };
          return response;
        }
        retries = { ...retries, retries: retries.retries + 1, statuses: [...retries.statuses, response.status] };
        await delay(wait, signal);
      }
    };
    const httpContext = (path: string): HttpContext => ({
      credentialsSent: hasCredentials(sent),
      credential: credentialInUse(sent),
      withheld: sent.withheld,
      tokenExpiresAt: sent.bearer?.expiresAt,
      tokenUser: sent.bearer?.serviceAccountUser,
      now: deps.now(),
      namespace,
      path,
    });

    const versionOk = await run('version', async () => {
      // Anonymous on purpose: it shows the server answers as a Kubernetes API server whatever the credentials.
      const response = await call('GET', '/version', false);
      if (response.status >= 300 && response.status < 400) return fail(redirectFailure('version', response.status, header(response, 'location')));
      if (response.status === 401 || response.status === 403) {
        // Not about the context (a hardened server's policy): nothing for the --all-contexts summary.
        return warn(`the server does not tell anonymous clients its version (HTTP ${response.status}); anonymous auth is restricted`, []);
      }
      if (response.status !== 200) return fail(unexpectedStatusFailure('version', response.status, response.body, response.headers));
      const version = parseVersion(response.body);
      if (version === undefined) {
        return fail({
          code: 'ERR_HTTP',
          message: 'version: the server answered /version without a Kubernetes version',
          hint: 'the server URL points at something that is not a Kubernetes API server (a web server, a proxy page), or lacks a path prefix',
        });
      }
      return ok(`Kubernetes ${version}`);
    });
    if (!versionOk) return { target: label, stages };

    const authnOk = await run('authn', async () => {
      for (const version of SELF_SUBJECT_REVIEW_VERSIONS) {
        const review = selfSubjectReviewRequest(version);
        const response = await call('POST', review.path, true, review.body);
        if (response.status === 404) continue;
        if (response.status >= 300 && response.status < 400) return fail(redirectFailure('authn', response.status, header(response, 'location')));
        if (response.status === 401) return fail(unauthorizedFailure('authn', response.body, httpContext(review.path)));
        const refusedImpersonation = response.status === 403 ? impersonationFailure('authn', response.body) : undefined;
        if (refusedImpersonation !== undefined) return fail(refusedImpersonation);
        if (response.status === 403 && !configured) {
          return warn(`anonymous: ${sent.withheld === undefined ? 'no credentials are configured' : 'the oidc id-token was not sent (see config)'}, and anonymous requests may not call selfsubjectreviews`);
        }
        if (response.status === 403) return warn('identity unknown: the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it');
        if (response.status !== 200 && response.status !== 201) return fail(unexpectedStatusFailure('authn', response.status, response.body, response.headers));
        const who = parseSelfSubjectReview(response.body);
        if (who === undefined) return fail(unexpectedStatusFailure('authn', response.status, response.body, response.headers));
        identity = who;
        if (who.username === 'system:anonymous') {
          if (configured) {
            return fail({
              code: 'ERR_UNAUTHENTICATED',
              message: 'authn: credentials are configured but the server sees system:anonymous',
              hint:
                p.scheme === 'http'
                  ? 'the server URL is http://, and credentials are only sent over TLS: use https://'
                  : 'the server ignored the credentials: a token with stray whitespace, or a client certificate not signed by the cluster CA',
            });
          }
          return warn(`system:anonymous (${sent.withheld === undefined ? 'no credentials configured' : 'the oidc id-token was not sent, see config'})`);
        }
        return ok(`${who.username}${who.groups.length ? ` (groups ${who.groups.join(', ')})` : ''}${version === 'v1' ? '' : ` [via ${version}]`}`);
      }
      return warn('identity unknown: the selfsubjectreviews API is not enabled in the cluster (Kubernetes before 1.28)');
    });
    if (!authnOk) return { target: label, stages, identity };

    const requestPath = options.path ?? `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?limit=1`;
    const access = accessForPath(options.path ?? `/api/v1/namespaces/${namespace}/pods`);
    const question = `may ${describeAccess(access)}`;
    await run('authz', async () => {
      const response = await call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', true, selfSubjectAccessReviewBody(access));
      if (response.status >= 300 && response.status < 400) return fail(redirectFailure('authz', response.status, header(response, 'location')));
      if (response.status === 401) return fail(unauthorizedFailure('authz', response.body, httpContext('selfsubjectaccessreviews')));
      const refusedImpersonation = response.status === 403 ? impersonationFailure('authz', response.body) : undefined;
      if (refusedImpersonation !== undefined) return fail(refusedImpersonation);
      if (response.status === 403 || response.status === 404) return warn(`${question}: cannot ask (selfsubjectaccessreviews answered HTTP ${response.status})`);
      if (response.status !== 200 && response.status !== 201) return fail(unexpectedStatusFailure('authz', response.status, response.body, response.headers));
      const answer = parseSelfSubjectAccessReview(response.body);
      if (answer === undefined) return fail(unexpectedStatusFailure('authz', response.status, response.body, response.headers));
      if (answer.allowed) return ok(`${question}: yes`);
      const subject = identity?.username ?? 'this identity';
      return {
        status: 'denied',
        detail: `${question}: no${answer.why ? ` - ${answer.why}` : ''}`,
        error: {
          code: 'ERR_FORBIDDEN',
          message: `${subject} may not ${describeAccess(access)}`,
          hint: `grant it with RBAC, e.g. ${describeGrant(access, subjectToName(identity?.username, sent.bearer?.serviceAccountUser))}`,
        },
      };
    });
    if (stages.at(-1)?.status === 'fail') return { target: label, stages, identity };

    await run('request', async () => {
      const response = await call('GET', requestPath, true);
      if (response.status >= 300 && response.status < 400) return fail(redirectFailure('request', response.status, header(response, 'location')));
      if (response.status === 401) return fail(unauthorizedFailure('request', response.body, httpContext(requestPath)));
      if (response.status === 403) return fail(forbiddenFailure(response.body, httpContext(requestPath)));
      if (response.status < 200 || response.status >= 300) return fail(unexpectedStatusFailure('request', response.status, response.body, response.headers));
      return ok(`GET ${requestPath}: HTTP ${response.status}${describeBody(response.body)}`);
    });
    return { target: label, stages, identity };
  } finally {
    clearTimeout(timer);
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        /* closing a connection that already failed is not news */
      }
    }
  }
}

function authorizationHeaders(credentials: Credentials): Record<string, string | readonly string[]> {
  const headers: Record<string, string | readonly string[]> = { ...credentials.impersonation };
  if (credentials.bearer) headers['authorization'] = `Bearer ${credentials.bearer.token}`;
  else if (credentials.basic) headers['authorization'] = basicAuthorization(credentials.basic.username, credentials.basic.password);
  return headers;
}

function header(response: ApiResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function describeBody(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'items' in parsed && Array.isArray(parsed.items)) {
      const kind = 'kind' in parsed && typeof parsed.kind === 'string' ? parsed.kind : 'list';
      return `, ${kind} with ${parsed.items.length} item${parsed.items.length === 1 ? '' : 's'}`;
    }
  } catch {
    /* not JSON: no summary */
  }
  return '';
}

async function diagnosePeer(dialRaw: (signal: AbortSignal) => Promise<Socket>, settings: TlsSettings, budgetMs: number) {
  const signal = AbortSignal.timeout(Math.min(budgetMs, 2000));
  try {
    const raw = await dialRaw(signal);
    return await fetchPeerCertificate(raw, settings, signal);
  } catch {
    return undefined;
  }
}

/**
 * A stage whose request was retried says so: a failure in its message, a pass as a warning (the
 * server is throttling or failing, and kubectl is as slow as the retries).
 */
function withRetries(outcome: StageOutcome, record: RetryRecord): StageOutcome {
  const note = describeRetries(record);
  if (note === '') return outcome;
  if (outcome.error !== undefined) {
    const error: StageFailure = { ...outcome.error, message: `${outcome.error.message} (${note})` };
    return { ...outcome, error };
  }
  return { ...outcome, status: outcome.status === 'ok' ? 'warn' : outcome.status, detail: `${outcome.detail ?? ''}; ${note}`, ...(outcome.warnings === undefined ? {} : { warnings: [...outcome.warnings, note] }) };
}

/** Resolves after ms, or rejects (TimeoutSignalError) when the probe's deadline comes first; no timer is left behind. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return abortable(new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), signal, () => clearTimeout(timer)).finally(() => clearTimeout(timer));
}

/** Every message, hint and detail on one line (text rows and JSON alike). */
function singleLine(outcome: StageOutcome): StageOutcome {
  const { error, detail } = outcome;
  return {
    ...outcome,
    ...(detail === undefined ? {} : { detail: oneLine(detail) }),
    ...(error === undefined ? {} : { error: { ...error, message: oneLine(error.message), ...(error.hint === undefined ? {} : { hint: oneLine(error.hint) }) } }),
    ...(outcome.warnings === undefined ? {} : { warnings: outcome.warnings.map(oneLine) }),
  };
}

function failureFrom(stage: StageName, error: unknown, timedOut: boolean, timeoutMs: number, timeoutFlag: string, tls: { checkedName: string; clientCertSource: string | undefined; tlsProtocol: string | undefined }): StageFailure {
  if (isCliError(error)) return { code: error.code, message: error.message, hint: error.hint };
  if (timedOut || error instanceof TimeoutSignalError) return timeoutFailure(stage, timeoutMs, timeoutFlag);
  // A TLS 1.3 server refuses a client certificate (or its absence) after the handshake, so the
  // alert arrives with the first response: still a TLS failure, as kubectl reports it.
  const alert = tlsAlertOf(error);
  if (alert !== undefined) return tlsAlertFailure(stage, alert, tls);
  const transport = stage === 'config' ? undefined : httpTransportFailure(stage, error, tls);
  if (transport !== undefined) return transport;
  return { code: stage === 'config' ? 'ERR_INTERNAL' : 'ERR_HTTP', message: `${stage}: ${errorMessage(error)}` };
}
