// Pure: turns what went wrong at one stage (an errno, an OpenSSL verification code, an HTTP
// status) into a StageFailure with a message naming the layer and a one-line hint that fixes it.
// No I/O; the stages collect the facts (peer certificate, Status body) and call these.
import { accessForPath, describeGrant, grantSubject } from './reviews.js';
import type { StageFailure } from './result.js';

export interface PeerCertificate {
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore?: Date | undefined;
  readonly notAfter?: Date | undefined;
  /** "DNS:kubernetes", "IP Address:10.96.0.1", … as Node reports subjectaltname. */
  readonly subjectAltNames: readonly string[];
}

/** The error code connect.ts checkServerName gives a certificate that names the host only in its Common Name. */
export const LEGACY_COMMON_NAME = 'ERR_TLS_CERT_LEGACY_COMMON_NAME';

/** A DNS lookup error (node:dns codes). */
export function classifyDnsError(host: string, error: unknown): StageFailure {
  const code = errorCode(error);
  if (code === 'ENOTFOUND' || code === 'ENODATA' || code === 'EAI_NONAME') {
    return {
      code: 'ERR_DNS',
      message: `cannot resolve ${host}: no such host`,
      hint: `check the server URL in the kubeconfig; outside the cluster, names such as *.svc only resolve inside it (use the API server's external address)`,
    };
  }
  return {
    code: 'ERR_DNS',
    message: `cannot resolve ${host}: ${code ?? errorMessage(error)}`,
    hint: 'check /etc/resolv.conf and that a DNS server is reachable',
  };
}

/** A TCP connect (or proxy CONNECT) error. */
export function classifyTcpError(endpoint: string, error: unknown, viaProxy: string | undefined): StageFailure {
  const code = errorCode(error) ?? '';
  const where = viaProxy === undefined ? endpoint : `proxy ${viaProxy}`;
  switch (code) {
    case 'ECONNREFUSED':
      return {
        code: viaProxy === undefined ? 'ERR_TCP' : 'ERR_PROXY',
        message: `cannot connect to ${where}: connection refused`,
        hint:
          viaProxy === undefined
            ? 'nothing listens on that port: check the port in the server URL and that the API server is running'
            : 'the proxy is not running or listens on another port: check proxy-url / HTTPS_PROXY',
      };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { code: 'ERR_TCP', message: `cannot connect to ${where}: no route to host`, hint: 'check the network path (VPN, firewall, security groups)' };
    case 'ECONNRESET':
      return { code: 'ERR_TCP', message: `connection to ${where} was reset`, hint: 'a firewall or load balancer dropped the connection' };
    case 'ETIMEDOUT':
      return {
        code: viaProxy === undefined ? 'ERR_TCP' : 'ERR_PROXY',
        message: `cannot connect to ${where}: ${errorMessage(error)}`,
        hint: 'nothing answered at that address: a firewall dropping packets, a stale address in DNS, or a VPN that is not up; check the network path',
      };
    default:
      return { code: viaProxy === undefined ? 'ERR_TCP' : 'ERR_PROXY', message: `cannot connect to ${where}: ${errorMessage(error)}` };
  }
}

/** `source`: where the proxy came from (proxy.ts): `cluster proxy-url` or the variable's name. */
export function classifyProxyRefusal(proxy: string, target: string, statusLine: string, source: string): StageFailure {
  return {
    code: 'ERR_PROXY',
    message: `proxy ${proxy} refused CONNECT ${target}: ${statusLine}`,
    // NO_PROXY does not apply to a cluster's proxy-url (client-go and the probe alike).
    hint:
      source === 'cluster proxy-url'
        ? "the proxy does not allow this destination or wants credentials; allow it on the proxy, or remove proxy-url from the cluster if the API server is reachable directly"
        : 'the proxy does not allow this destination or wants credentials; add the API server to NO_PROXY if it is reachable directly',
  };
}

/** An address's connect error in a few words, for the list of addresses tried ("connection refused", "i/o timeout after 2.5s"). */
export function describeDialError(error: unknown): string {
  const code = errorCode(error) ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'EHOSTUNREACH':
      return 'no route to host';
    case 'ENETUNREACH':
      return 'network is unreachable';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ETIMEDOUT': {
      const after = typeof error === 'object' && error !== null && 'afterMs' in error && typeof error.afterMs === 'number' && error.afterMs > 0 ? ` after ${formatMs(error.afterMs)}` : '';
      return `i/o timeout${after}`;
    }
    default:
      return errorMessage(error);
  }
}

/**
 * The probe's deadline ran out while connecting to `endpoint` (the last address left, which Go
 * gives all the remaining time); `earlier` lists the addresses that failed before it.
 */
export function connectDeadlineFailure(endpoint: string, timeoutMs: number, earlier: readonly string[], timeoutFlag = '--timeout'): StageFailure {
  return {
    code: 'ERR_TIMEOUT',
    message: `tcp: no answer from ${endpoint} within ${formatMs(timeoutMs)} (probe timeout)${earlier.length ? `; tried before it: ${earlier.join(', ')}` : ''}`,
    hint: `nothing answered at that address: a firewall dropping packets, a stale address in DNS, or a VPN that is not up; raise ${timeoutFlag} only if the link is really slow`,
  };
}

export function timeoutFailure(stage: string, timeoutMs: number, timeoutFlag = '--timeout'): StageFailure {
  return {
    code: 'ERR_TIMEOUT',
    message: `${stage}: no answer within ${formatMs(timeoutMs)} (probe timeout)`,
    hint:
      stage === 'tls'
        ? 'the port accepts connections but does not speak TLS to us: a firewall dropping packets, the wrong port, or a non-HTTPS service'
        : `a firewall dropping packets, an overloaded server, or a too-short ${timeoutFlag}`,
  };
}

export interface TlsContext {
  /** The name checked against the certificate (tls-server-name or the URL host). */
  readonly checkedName: string;
  /** Where the trusted CA came from, for the message: a file path, "certificate-authority-data", "system roots". */
  readonly caSource: string;
  readonly now: Date;
  /** Where the client certificate that was sent came from; undefined when none was sent. */
  readonly clientCertSource?: string | undefined;
  /** The configured CA's certificates (undefined: the system roots), to name the one out of its validity. */
  readonly trusted?: readonly TrustedCertificate[] | undefined;
}

export interface TrustedCertificate {
  /** As PeerCertificate.subject: "CN=kubernetes". */
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * OpenSSL says CERT_HAS_EXPIRED / CERT_NOT_YET_VALID for any certificate of the chain, the CA too
 * (Go checks the validity of every certificate it chains through as well). When the server's own
 * certificate is within its validity, the culprit is a CA: the configured one that is out of its
 * validity (the one that issued the server's certificate first), if any.
 */
function lapsedCa(peer: PeerCertificate, context: TlsContext, test: (ca: TrustedCertificate) => boolean): TrustedCertificate | undefined {
  const candidates = (context.trusted ?? []).filter(test);
  return candidates.find((ca) => ca.subject === peer.issuer) ?? candidates[0];
}

/**
 * OpenSSL's alert reasons (Node's ERR_SSL_<reason> codes) → Go's text for the alert
 * (crypto/tls alert.go), which kubectl prints as "remote error: tls: <text>".
 */
const ALERT_TEXT: Readonly<Record<string, string>> = {
  SSLV3_ALERT_UNEXPECTED_MESSAGE: 'unexpected message',
  SSLV3_ALERT_BAD_RECORD_MAC: 'bad record MAC',
  SSLV3_ALERT_HANDSHAKE_FAILURE: 'handshake failure',
  SSLV3_ALERT_BAD_CERTIFICATE: 'bad certificate',
  SSLV3_ALERT_UNSUPPORTED_CERTIFICATE: 'unsupported certificate',
  SSLV3_ALERT_CERTIFICATE_REVOKED: 'revoked certificate',
  SSLV3_ALERT_CERTIFICATE_EXPIRED: 'expired certificate',
  SSLV3_ALERT_CERTIFICATE_UNKNOWN: 'unknown certificate',
  SSLV3_ALERT_ILLEGAL_PARAMETER: 'illegal parameter',
  TLSV1_ALERT_UNKNOWN_CA: 'unknown certificate authority',
  TLSV1_ALERT_ACCESS_DENIED: 'access denied',
  TLSV1_ALERT_DECODE_ERROR: 'error decoding message',
  TLSV1_ALERT_DECRYPT_ERROR: 'error decrypting message',
  TLSV1_ALERT_PROTOCOL_VERSION: 'protocol version not supported',
  TLSV1_ALERT_INSUFFICIENT_SECURITY: 'insufficient security level',
  TLSV1_ALERT_INTERNAL_ERROR: 'internal error',
  TLSV1_ALERT_INAPPROPRIATE_FALLBACK: 'inappropriate fallback',
  TLSV1_ALERT_USER_CANCELLED: 'user canceled',
  TLSV1_ALERT_NO_RENEGOTIATION: 'no renegotiation',
  TLSV1_ALERT_NO_APPLICATION_PROTOCOL: 'no application protocol',
  TLSV1_ALERT_UNKNOWN_PSK_IDENTITY: 'unknown PSK identity',
  TLSV1_UNRECOGNIZED_NAME: 'unrecognized name',
  TLSV1_UNSUPPORTED_EXTENSION: 'unsupported extension',
  TLSV1_CERTIFICATE_UNOBTAINABLE: 'certificate unobtainable',
  TLSV1_BAD_CERTIFICATE_STATUS_RESPONSE: 'bad certificate status response',
  TLSV13_ALERT_MISSING_EXTENSION: 'missing extension',
  TLSV13_ALERT_CERTIFICATE_REQUIRED: 'certificate required',
};

/** The alerts a server sends about the client's certificate (none, untrusted, expired, …). */
const CLIENT_CERTIFICATE_ALERTS = new Set(['certificate required', 'bad certificate', 'unsupported certificate', 'revoked certificate', 'expired certificate', 'unknown certificate', 'unknown certificate authority', 'access denied']);

/** The TLS alert the server sent, in Go's words, when `error` is one (else undefined). */
export function tlsAlertOf(error: unknown): string | undefined {
  const code = errorCode(error);
  return code?.startsWith('ERR_SSL_') ? ALERT_TEXT[code.slice('ERR_SSL_'.length)] : undefined;
}

/**
 * A TLS alert from the server, at the handshake (TLS 1.2) or with the first response (TLS 1.3
 * servers judge the client certificate after the handshake): a TLS failure (exit 6) at whichever
 * stage it arrives, as kubectl reports it ("remote error: tls: certificate required").
 */
export function tlsAlertFailure(stage: string, alert: string, context: Pick<TlsContext, 'checkedName' | 'clientCertSource'>): StageFailure {
  const message = `${stage === 'tls' ? 'TLS handshake failed' : `${stage}: the server ended the TLS connection`}: remote error: tls: ${alert}`;
  const sent = context.clientCertSource;
  const wantsTrusted = sent === undefined
    ? 'the server wants a client certificate it trusts and got none: set client-certificate(-data) and client-key(-data) on the user, signed by the CA the server trusts for clients'
    : `the server wants a client certificate it trusts and refused the one from ${sent}: it must be signed by the CA the server trusts for clients, unexpired, and allowed for client auth`;
  if (CLIENT_CERTIFICATE_ALERTS.has(alert)) return { code: 'ERR_TLS', message, hint: wantsTrusted };
  switch (alert) {
    case 'handshake failure':
    case 'insufficient security level':
      return {
        code: 'ERR_TLS',
        message,
        hint: `no TLS version or cipher suite in common (kubectl offers TLS 1.2 with ECDHE suites, and TLS 1.3), or ${sent === undefined ? 'the server wants a client certificate and got none' : `the server refused the client certificate from ${sent}`}`,
      };
    case 'protocol version not supported':
      return { code: 'ERR_TLS', message, hint: 'the server speaks only TLS versions kubectl does not (kubectl needs TLS 1.2 or 1.3)' };
    case 'unrecognized name':
      return { code: 'ERR_TLS', message, hint: `the server does not serve the name sent as SNI (${context.checkedName}): use the server's name in the URL, or set tls-server-name` };
    default:
      return { code: 'ERR_TLS', message, hint: 'the server broke off the TLS connection; its log says why' };
  }
}

/** OpenSSL / Node verification codes and TLS errors → why, in words, with the fix. */
export function classifyTlsError(error: unknown, peer: PeerCertificate | undefined, context: TlsContext): StageFailure {
  const alert = tlsAlertOf(error);
  if (alert !== undefined) return tlsAlertFailure('tls', alert, context);
  const code = errorCode(error) ?? '';
  const subject = peer ? ` (subject ${peer.subject}, issuer ${peer.issuer})` : '';
  switch (code) {
    case 'CERT_HAS_EXPIRED': {
      const now = context.now.getTime();
      if (peer?.notAfter !== undefined && peer.notAfter.getTime() >= now) {
        const ca = lapsedCa(peer, context, (candidate) => candidate.notAfter.getTime() < now);
        return {
          code: 'ERR_TLS',
          message: `${ca ? `the CA certificate ${ca.subject} of ${context.caSource} expired at ${ca.notAfter.toISOString()}` : "a CA certificate of the server's chain has expired"}; the server certificate itself is valid until ${peer.notAfter.toISOString()}${subject}`,
          hint: `if the cluster's CA was renewed, use the new one (kubectl get configmap kube-root-ca.crt -o jsonpath='{.data.ca\\.crt}'); otherwise the cluster needs a new CA and certificates issued from it; or fix this machine's clock (now ${context.now.toISOString()})`,
        };
      }
      return {
        code: 'ERR_TLS',
        message: `server certificate expired${peer?.notAfter ? ` at ${peer.notAfter.toISOString()}` : ''}${subject}`,
        hint: `renew the API server certificate (kubeadm: kubeadm certs renew apiserver), or fix this machine's clock (now ${context.now.toISOString()})`,
      };
    }
    case 'CERT_NOT_YET_VALID': {
      const now = context.now.getTime();
      if (peer?.notBefore !== undefined && peer.notBefore.getTime() <= now) {
        const ca = lapsedCa(peer, context, (candidate) => candidate.notBefore.getTime() > now);
        return {
          code: 'ERR_TLS',
          message: `${ca ? `the CA certificate ${ca.subject} of ${context.caSource} is not valid yet (notBefore ${ca.notBefore.toISOString()})` : "a CA certificate of the server's chain is not valid yet"}; the server certificate itself is valid since ${peer.notBefore.toISOString()}${subject}`,
          hint: `fix this machine's clock (now ${context.now.toISOString()}), or the clock of the machine that made the CA`,
        };
      }
      return {
        code: 'ERR_TLS',
        message: `server certificate is not valid yet${peer?.notBefore ? ` (notBefore ${peer.notBefore.toISOString()})` : ''}${subject}`,
        hint: `fix this machine's clock (now ${context.now.toISOString()})`,
      };
    }
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
    case 'CERT_UNTRUSTED':
      return {
        code: 'ERR_TLS',
        message: `server certificate signed by unknown authority${subject}: not trusted by ${context.caSource}`,
        hint:
          context.caSource === 'system roots'
            ? "the cluster has its own CA: set certificate-authority (or -data) on the cluster to the cluster's CA (kube-root-ca.crt)"
            : "the CA belongs to another cluster, or something in between (proxy, load balancer) presents its own certificate: use the cluster's CA (kubectl get configmap kube-root-ca.crt -o jsonpath='{.data.ca\\.crt}')",
      };
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const names = peer?.subjectAltNames.length ? peer.subjectAltNames.join(', ') : 'no subjectAltNames';
      // A name to paste as tls-server-name: a wildcard SAN is a pattern, not a name a client can send.
      const firstDns = peer?.subjectAltNames.find((name) => name.startsWith('DNS:') && !name.includes('*'))?.slice(4);
      return {
        code: 'ERR_TLS',
        message: `server certificate is not valid for ${context.checkedName}: it is valid for ${names}`,
        hint: firstDns
          ? `use a server URL with one of those names, or set tls-server-name: ${firstDns} on the cluster (kubectl config set-cluster NAME --tls-server-name=${firstDns})`
          : 'use a server URL with one of those names or addresses, or set tls-server-name on the cluster',
      };
    }
    case LEGACY_COMMON_NAME:
      // Go ≥1.15 (kubectl ≥1.19) ignores the Common Name: crypto/x509 HostnameError.
      return {
        code: 'ERR_TLS',
        message: `server certificate is not valid for ${context.checkedName}: x509: certificate relies on legacy Common Name field, use SANs instead${subject}`,
        hint: `reissue the API server certificate with subjectAltNames for every name clients use (DNS:${context.checkedName} or IP:…); kubectl ignores the Common Name`,
      };
    case 'ECONNRESET':
      return {
        code: 'ERR_TLS',
        message: 'TLS handshake failed: the server closed the connection',
        // Some servers (Node's, nginx's) close without an alert when they refuse a client certificate.
        hint:
          context.clientCertSource === undefined
            ? 'the port may not speak TLS, or the server requires a client certificate it did not get'
            : `the server may have refused the client certificate from ${context.clientCertSource} (not signed by the CA it trusts for clients, or expired), or the port does not speak TLS`,
      };
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'EPROTO':
      return {
        code: 'ERR_TLS',
        message: `TLS handshake failed: ${errorMessage(error)}`,
        hint: 'the port does not speak TLS: is the server URL http:// rather than https://, or the wrong port?',
      };
    default:
      // OpenSSL's X509_V_ERR_CA_MD_TOO_WEAK (Node has no code for it: UNSPECIFIED): a SHA-1 or MD5
      // signature in the chain, which Go refuses as well ("x509: … insecure algorithm SHA1-RSA").
      if (/signature digest algorithm too weak|md too weak/i.test(errorMessage(error))) {
        return {
          code: 'ERR_TLS',
          message: `server certificate chain is signed with a weak digest (SHA-1 or MD5)${subject}: ${errorMessage(error)}`,
          hint: 'kubectl refuses it too (Go: "x509: cannot verify signature: insecure algorithm SHA1-RSA"): reissue the certificate (and its CA, if that is where the SHA-1 is) signed with SHA-256',
        };
      }
      return { code: 'ERR_TLS', message: `TLS handshake failed: ${code ? `${code}: ` : ''}${errorMessage(error)}` };
  }
}

/**
 * The TLS handshake with an https:// proxy failed. kubectl (Go's addTLS) checks the proxy's
 * certificate with the API server's TLS settings: the cluster's CA (not the system roots, when
 * the cluster has one) and tls-server-name (else the proxy's host); its words are
 * "proxyconnect tcp: tls: failed to verify certificate: …". A TLS failure (exit 6).
 */
export function classifyProxyTlsError(proxy: string, error: unknown, context: TlsContext, settings: { readonly tlsServerName?: string | undefined }): StageFailure {
  const inner = classifyTlsError(error, undefined, context);
  const what = inner.message.replace(/^TLS handshake failed: /, '').replace(/^server certificate/, 'its certificate');
  const checks = [
    context.caSource === 'system roots' ? 'the system roots' : `the cluster's CA (${context.caSource}), not the system roots`,
    settings.tlsServerName === undefined ? undefined : `the name ${settings.tlsServerName} (the cluster's tls-server-name, which Go applies to the proxy too)`,
  ].filter((part): part is string => part !== undefined);
  return {
    code: 'ERR_TLS',
    message: `proxyconnect: TLS handshake with proxy ${proxy} failed: ${what}`,
    hint: tlsAlertOf(error) !== undefined
      ? inner.hint ?? 'the proxy broke off the TLS connection; its log says why'
      : `kubectl checks an https:// proxy's certificate with the cluster's TLS settings, so it must be trusted by ${checks.join(' and valid for ')}: add the proxy's CA to ${context.caSource === 'system roots' ? "the system's trust store (SSL_CERT_FILE, /etc/ssl/certs)" : "the cluster's certificate-authority (beside the cluster's CA)"}, or use an http:// proxy (the CONNECT tunnel keeps TLS to the API server end to end)`,
  };
}

/**
 * What node:http reports when the connection breaks around a request, in the words Go's net/http
 * (and so kubectl) uses, with a hint; undefined for anything else. A TLS 1.3 server refuses a
 * client certificate after the handshake, and some (Go's among them) close the connection without
 * an alert: the client then sees only the close, at the first response.
 */
export function httpTransportFailure(stage: string, error: unknown, context: { readonly clientCertSource?: string | undefined; readonly tlsProtocol?: string | undefined }): StageFailure | undefined {
  const code = errorCode(error) ?? '';
  const message = error instanceof Error ? error.message : '';
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    const certFirst =
      context.clientCertSource !== undefined && context.tlsProtocol === 'TLSv1.3'
        ? `the server may have refused the client certificate from ${context.clientCertSource} (a TLS 1.3 server judges it after the handshake and may close without saying why): check that it is signed by the CA the server trusts for clients and unexpired; otherwise `
        : '';
    return {
      code: 'ERR_HTTP',
      message: `${stage}: EOF: the server closed the connection without answering${message === 'socket hang up' ? '' : ` (${errorMessage(error)})`}`,
      hint: `${certFirst}the server, or a load balancer or proxy in front of it, closed the connection after the request: check that the port is the API server's and look at its log`,
    };
  }
  if (code.startsWith('HPE_')) {
    // Go's http.ReadResponse: `malformed HTTP response "<first line>"`.
    const raw = typeof error === 'object' && error !== null && 'rawPacket' in error && Buffer.isBuffer(error.rawPacket) ? error.rawPacket.toString('latin1') : '';
    const firstLine = raw.split(/\r?\n/)[0]?.slice(0, 80) ?? '';
    const what = code === 'HPE_INVALID_CONSTANT' && firstLine !== '' ? `malformed HTTP response ${JSON.stringify(firstLine)}` : `malformed HTTP response (${errorMessage(error)})`;
    return {
      code: 'ERR_HTTP',
      message: `${stage}: net/http: HTTP/1.x transport connection broken: ${what}`,
      hint: 'something that is not an HTTP server answers over TLS on that port (another service, or a TLS tunnel in front of one): check the port in the server URL',
    };
  }
  return undefined;
}

/** The credential the server judged: what a 401 is about. */
export interface CredentialInUse {
  readonly kind: 'token' | 'tokenFile' | 'exec' | 'auth-provider' | 'basic' | 'client-cert';
  /** "tokenFile /path", "exec plugin NAME (v1)", "client-certificate-data", the basic-auth user name… */
  readonly source: string;
}

export interface HttpContext {
  /** Credentials were configured for this user (so anonymous answers are suspicious). */
  readonly credentialsSent: boolean;
  /** The credential sent (a bearer token wins over basic auth and a client certificate, as in the API server's authenticators). */
  readonly credential?: CredentialInUse | undefined;
  /** Why a configured credential was not sent (credentials.ts Credentials.withheld). */
  readonly withheld?: string | undefined;
  /** The bearer token's expiry if it is a JWT with exp. */
  readonly tokenExpiresAt?: Date | undefined;
  /** The service account the bearer token names, from its own claims (credentials.ts). */
  readonly tokenUser?: string | undefined;
  readonly now: Date;
  readonly namespace: string;
  readonly path: string;
}

/** The `message` of a Kubernetes Status body, or the start of a non-Status body. */
export function serverMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed && typeof parsed.message === 'string') return parsed.message;
  } catch {
    /* not JSON: fall through */
  }
  const text = body.replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Whether a body is a Kubernetes Status (apimachinery metav1.Status, kind "Status"), as every error
 * of the API server's own filters and handlers is. A 401 or 403 with anything else (an HTML page, a
 * plain text line) came from something in front of it, and RBAC or the token is not what to fix.
 */
export function isStatusBody(body: string): boolean {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && 'kind' in parsed && parsed.kind === 'Status';
  } catch {
    return false;
  }
}

const notFromApiServer = (status: number) =>
  `the HTTP ${status} is not a Kubernetes Status, so the API server did not send it: something in front of it (a WAF, an authenticating proxy, a load-balancer rule) refused the request; check what answers at the server URL (curl -v) and its policy`;

export function unauthorizedFailure(stage: string, body: string, context: HttpContext): StageFailure {
  const message = `${stage}: the server refused the credentials (HTTP 401 ${serverMessage(body) || 'Unauthorized'})`;
  if (body.trim() !== '' && !isStatusBody(body)) return { code: 'ERR_UNAUTHENTICATED', message, hint: notFromApiServer(401) };
  if (!context.credentialsSent) {
    if (context.withheld !== undefined) return { code: 'ERR_UNAUTHENTICATED', message, hint: 'no token was sent: the oidc id-token needs a refresh the probe does not do; run any kubectl command once to refresh it, then probe again' };
    return { code: 'ERR_UNAUTHENTICATED', message, hint: 'no credentials were sent and the server does not allow anonymous requests: configure a token or client certificate for this user' };
  }
  return { code: 'ERR_UNAUTHENTICATED', message, hint: unauthorizedHint(context) };
}

/** Why a 401, for the credential actually sent: a token, a tokenFile, basic auth, a client certificate, an exec plugin, oidc. */
function unauthorizedHint(context: HttpContext): string {
  const credential = context.credential ?? { kind: 'token', source: 'token' };
  const expired = context.tokenExpiresAt !== undefined && context.tokenExpiresAt.getTime() <= context.now.getTime() ? context.tokenExpiresAt.toISOString() : undefined;
  const logs = 'the exact reason is only in the API server log';
  switch (credential.kind) {
    case 'token':
      return expired
        ? `the token expired at ${expired}: mint a new one (kubectl create token SA -n NS) or reference the mounted token with tokenFile so it rotates`
        : `the token is invalid for this cluster (wrong cluster, revoked, its Secret or ServiceAccount deleted, or a different issuer); ${logs}`;
    case 'tokenFile':
      return expired
        ? `the token in ${credential.source} expired at ${expired}: whatever writes the file (the kubelet for a projected token) has stopped refreshing it, or the path names a stale copy`
        : `the token in ${credential.source} is invalid for this cluster (another cluster's or issuer's token, revoked, its ServiceAccount deleted); ${logs}`;
    case 'exec':
      return `the token from ${credential.source} was refused${expired ? ` (it expired at ${expired})` : ''}: run the plugin by hand to log in again or refresh its cache, and check that it is configured for this cluster; ${logs}`;
    case 'auth-provider':
      return `the oidc id-token was refused${expired ? ` (it expired at ${expired})` : ''}: it may be for another client-id or issuer than the API server trusts (--oidc-issuer-url, --oidc-client-id), or lack the username claim; log in again for a fresh id-token; ${logs}`;
    case 'basic':
      return `the server refused the username and password of ${credential.source}: the password is wrong, or the server does not take basic auth at all (kube-apiserver dropped --basic-auth-file in 1.19); use a token or a client certificate`;
    case 'client-cert':
      return `the client certificate from ${credential.source} was refused: the API server needs one signed by its client CA (--client-ca-file) and unexpired; ${logs}`;
  }
}

/**
 * A 403 from the impersonation filter (apiserver pkg/endpoints/filters/impersonation.go): the
 * authenticated user may not impersonate what as/as-groups/as-uid/as-user-extra asks for. Every
 * request kubectl makes with this user fails the same way, whatever RBAC grants the impersonated
 * identity, so the hint is about the impersonate verb, not about the request's permission.
 */
export function impersonationFailure(stage: string, body: string): StageFailure | undefined {
  const message = serverMessage(body);
  const refused = /User "([^"]*)" cannot impersonate resource "([^"]+)" in API group "([^"]*)"/.exec(message);
  if (!refused && !/cannot impersonate/.test(message)) return undefined;
  const [, user = '', resource = 'users', group = ''] = refused ?? [];
  const [plural = resource, subresource] = resource.split('/');
  const resourceArg = `${plural}${group === '' ? '' : `.${group}`}${subresource === undefined ? '' : `/${subresource}`}`;
  // Only a name a shell takes as it is goes into the command to paste (a 403 is the server's text).
  const subject = grantSubject(user, '--user=USER');
  return {
    code: 'ERR_FORBIDDEN',
    message: `${stage}: HTTP 403: ${message}`,
    hint: `${user === '' ? 'the user' : JSON.stringify(user)} may not impersonate (the as, as-groups, as-uid or as-user-extra of the kubeconfig user): grant the impersonate verb, e.g. kubectl create clusterrole NAME --verb=impersonate --resource=${resourceArg}, then kubectl create clusterrolebinding NAME --clusterrole=NAME ${subject}; or remove the impersonation from the user if it is not meant`,
  };
}

/**
 * The user an RBAC hint may name: the one the server named, only when it is the service account
 * our own token names (what we sent, read locally); anything else gets the placeholder.
 */
export function subjectToName(named: string | undefined, tokenUser: string | undefined): string | undefined {
  return named !== undefined && named === tokenUser ? named : undefined;
}

export function forbiddenFailure(body: string, context: HttpContext): StageFailure {
  const impersonation = impersonationFailure('request', body);
  if (impersonation !== undefined) return impersonation;
  const message = serverMessage(body) || 'Forbidden';
  const anonymous = /"system:anonymous"/.test(message);
  return {
    code: 'ERR_FORBIDDEN',
    message: `request: HTTP 403: ${message}`,
    hint: body.trim() !== '' && !isStatusBody(body)
      ? notFromApiServer(403)
      : anonymous && context.withheld !== undefined
      ? 'the request arrived without credentials because the oidc id-token needs a refresh the probe does not do; run any kubectl command once to refresh it, then probe again'
      : anonymous
      ? 'the request arrived without credentials (system:anonymous): check that the context names an existing user and the server URL is https://'
      : `grant the permission with RBAC, e.g. ${describeGrant(accessForPath(context.path), subjectToName(/\bUser "([^"]+)"/.exec(message)?.[1], context.tokenUser))}`,
  };
}

export function redirectFailure(stage: string, status: number, location: string | undefined): StageFailure {
  return {
    code: 'ERR_HTTP',
    message: `${stage}: HTTP ${status} redirect to ${location ?? '(no Location)'} — not followed, credentials are never sent to another place`,
    hint: 'point the server URL at the API server itself (a redirect usually means a login portal, a load balancer rule or a missing path prefix)',
  };
}

/** client-go rest.Request maxRetries: a request is retried at most this many times. */
export const MAX_RETRIES = 10;

/**
 * client-go's checkWait (rest/request.go): a 429 or any 5xx with an integer Retry-After (strconv.Atoi:
 * digits with an optional sign) is retried after that many seconds (a negative one at once);
 * anything else, a 429 without Retry-After included, is not. Undefined: do not retry.
 */
export function retryAfterMs(status: number, retryAfter: string | undefined): number | undefined {
  if (status !== 429 && status < 500) return undefined;
  if (retryAfter === undefined || !/^[+-]?\d+$/.test(retryAfter)) return undefined;
  return Math.max(0, Number(retryAfter)) * 1000;
}

/** What the stage's request went through before its final answer (the retries kubectl would make too). */
export interface RetryRecord {
  readonly retries: number;
  readonly statuses: readonly number[];
  /** The server asked for a wait the probe's deadline did not leave room for. */
  readonly gaveUpWaitingMs?: number | undefined;
}

export function describeRetries(record: RetryRecord): string {
  const statuses = [...new Set(record.statuses)].map((status) => `HTTP ${status}`).join(', ');
  const retried = record.retries > 0 ? `retried ${record.retries} time${record.retries === 1 ? '' : 's'} after ${statuses} with Retry-After, as kubectl does` : '';
  const gaveUp = record.gaveUpWaitingMs === undefined ? '' : `the server asked to retry after ${formatMs(record.gaveUpWaitingMs)}, past the probe's deadline (kubectl would wait, up to ${MAX_RETRIES} retries)`;
  return [retried, gaveUp].filter((part) => part !== '').join('; ');
}

export function unexpectedStatusFailure(stage: string, status: number, body: string, headers: Readonly<Record<string, string | string[] | undefined>> = {}): StageFailure {
  const message = serverMessage(body);
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const flowSchema = header('x-kubernetes-pf-flowschema-uid');
  const priorityLevel = header('x-kubernetes-pf-prioritylevel-uid');
  return {
    code: 'ERR_HTTP',
    message: `${stage}: unexpected HTTP ${status}${message ? `: ${message}` : ''}`,
    hint: statusHint(status, flowSchema, priorityLevel, body),
  };
}

function statusHint(status: number, flowSchema: string | undefined, priorityLevel: string | undefined, body = ''): string | undefined {
  // Go's net/http server answers plain HTTP on a TLS port this way (server.go), kube-apiserver included.
  if (status === 400 && body.includes('Client sent an HTTP request to an HTTPS server')) {
    return 'the server speaks TLS on that port: write the server URL with https:// (a server without a scheme is plain http:// to kubectl too)';
  }
  if (status === 404) return 'not found: the server URL may lack a path prefix, point at something that is not a Kubernetes API server, or --path names nothing';
  if (status === 407) return 'the proxy wants credentials: put them in the proxy URL (proxy-url or HTTP_PROXY: http://USER:PASSWORD@host:port), or ask for this destination to be allowed';
  if (status === 429) {
    const ids = flowSchema ? ` (uid ${flowSchema}${priorityLevel ? `, priority level uid ${priorityLevel}` : ''})` : '';
    return `the API server is throttling this client (API Priority and Fairness, or --max-requests-inflight): the priority level its FlowSchema${ids} maps it to is saturated; kubectl get flowschemas,prioritylevelconfigurations and the apiserver_flowcontrol_* metrics show which, or retry when the load is lower`;
  }
  if (status >= 500) return 'the API server (or something in front of it) is failing: check its health (/readyz) and logs';
  return undefined;
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/**
 * An error's message on one line: OpenSSL's "<hex>:error:<hex>:SSL routines:<function>:<reason>:<file>:<line>:…"
 * is cut to its reason, and line breaks become spaces (every message and hint is one line).
 */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const openssl = /^[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/.exec(text);
  return oneLine(openssl?.[1] ?? text);
}

/** Line breaks (and the blanks around them) become one space; no trailing newline. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

export function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000}s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${ms}ms`;
}
