// The network edge below HTTP: DNS lookup, TCP connect, an HTTP CONNECT tunnel through a proxy, and
// the TLS handshake with client-go's verification rules (the CA of the cluster or the system
// roots; tls-server-name for SNI *and* the hostname check, crypto/tls Config.ServerName). Each step
// is separate so the probe can time and name it; lookup and connect are injectable for unit tests.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import * as tls from 'node:tls';
import { LEGACY_COMMON_NAME, type PeerCertificate } from './classify.js';
import { basicAuthorization } from './credentials.js';
import { isSocksProxy, proxyCredentials } from './proxy.js';

export interface LookupAddress {
  readonly address: string;
  readonly family: number;
}

export interface Network {
  readonly lookup: (host: string) => Promise<readonly LookupAddress[]>;
  readonly connect: (address: string, port: number) => Socket;
}

export const nodeNetwork: Network = {
  // verbatim: the resolver's order, as Go's dialer uses it.
  lookup: (host) => dnsLookup(host, { all: true, verbatim: true }),
  connect: (address, port) => netConnect({ host: address, port }),
};

export class TimeoutSignalError extends Error {}

/** Resolves when `socket` emits `event`, rejects on its 'error'; on abort the socket is destroyed. */
function settleOn(socket: Socket, event: string, signal: AbortSignal): Promise<void> {
  return abortable(
    new Promise<void>((resolve, reject) => {
      socket.once(event, () => resolve());
      socket.once('error', reject);
    }),
    signal,
    () => socket.destroy(),
  );
}

/** Rejects when the signal aborts; runs cleanup so nothing is left open. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal, cleanup: () => void = () => {}): Promise<T> {
  if (signal.aborted) {
    cleanup();
    return Promise.reject(new TimeoutSignalError('aborted'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      cleanup();
      reject(new TimeoutSignalError('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export async function resolveHost(network: Network, host: string, signal: AbortSignal): Promise<readonly LookupAddress[]> {
  const family = isIP(host);
  if (family !== 0) return [{ address: host, family }];
  return abortable(network.lookup(host), signal);
}

/**
 * Go's net partialDeadline (dial.go): of the time left, each remaining address gets an equal
 * share, but at least 2 s (or all that is left, if less); undefined when no time is left.
 */
export function partialDeadlineMs(remainingMs: number, addressesLeft: number): number | undefined {
  if (remainingMs <= 0) return undefined;
  const share = remainingMs / Math.max(1, addressesLeft);
  const saneMinimum = 2000;
  return share >= saneMinimum ? share : Math.min(remainingMs, saneMinimum);
}

/** One address that did not take the connection, and why. */
export interface DialFailure {
  readonly address: string;
  readonly error: Error;
}

/** Go's words for an address that did not answer within its share of the time ("dial tcp A:P: i/o timeout"). */
export class DialTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(
    readonly endpoint: string,
    readonly afterMs: number,
  ) {
    super(`dial tcp ${endpoint}: i/o timeout`);
  }
}

/** The probe's deadline ran out while connecting to `endpoint`, after `failures` at earlier addresses. */
export class ConnectDeadlineError extends TimeoutSignalError {
  constructor(
    readonly endpoint: string,
    readonly failures: readonly DialFailure[],
  ) {
    super(`deadline while connecting to ${endpoint}`);
  }
}

/** All addresses failed: the first error decides, as in Go's dialSerial ("the error from the first address is most relevant"). */
export class DialError extends Error {
  readonly code: string | undefined;
  constructor(readonly failures: readonly DialFailure[]) {
    const first = failures[0]?.error ?? new Error('no addresses');
    super(first.message, { cause: first });
    const code = (first as { code?: unknown }).code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

export interface Connected {
  readonly socket: Socket;
  readonly address: string;
  readonly failures: readonly DialFailure[];
}

/** Go's Dialer.FallbackDelay default (net/dial.go fallbackDelay): how long the first address family dials alone. */
export const FALLBACK_DELAY_MS = 300;

/** An address of the first family had not answered when one of the other family connected (Go's Happy Eyeballs race). */
export class FallbackWonError extends Error {
  readonly code = 'EFALLBACK';
  constructor(readonly endpoint: string) {
    super(`no answer yet from ${endpoint} when the other address family connected (Go dials it ${FALLBACK_DELAY_MS}ms after the first, RFC 6555)`);
  }
}

/** net.IP.To4() != nil: IPv4, also written IPv4-mapped. */
const isIPv4 = (address: string) => isIP(address) === 4 || /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address);

/**
 * Connects as Go's Dialer.DialContext does for "tcp" (net/dial.go): the addresses of the first
 * one's family (primaries) are dialled in order (dialSerial); if the host also has addresses of
 * the other family, those (fallbacks) are dialled alongside after FALLBACK_DELAY_MS, or at once
 * when the primaries have all failed (dialParallel). The first connection wins; when both fail,
 * the primaries' first error decides, as in Go.
 */
export async function connectTcp(network: Network, addresses: readonly LookupAddress[], port: number, signal: AbortSignal, remainingMs?: () => number): Promise<Connected> {
  const primaryIsV4 = isIPv4(addresses[0]?.address ?? '');
  const primaries = addresses.filter(({ address }) => isIPv4(address) === primaryIsV4);
  const fallbacks = addresses.filter(({ address }) => isIPv4(address) !== primaryIsV4);
  if (fallbacks.length === 0) return dialSerial(network, addresses, port, signal, remainingMs);
  type Outcome = { readonly ok: true; readonly value: Connected } | { readonly ok: false; readonly error: unknown };
  const linked = () => {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) controller.abort();
    return { controller, release: () => signal.removeEventListener('abort', onAbort) };
  };
  const primary = linked();
  const fallback = linked();
  const primaryProgress: SerialProgress = { failures: [] };
  const race = (list: readonly LookupAddress[], controller: AbortController, progress: SerialProgress): Promise<Outcome> =>
    dialSerial(network, list, port, controller.signal, remainingMs, progress).then(
      (value): Outcome => ({ ok: true, value }),
      (error: unknown): Outcome => ({ ok: false, error }),
    );
  return new Promise<Connected>((resolve, reject) => {
    let primaryOutcome: Outcome | undefined;
    let fallbackOutcome: Outcome | undefined;
    let fallbackStarted = false;
    let settled = false;
    const finish = () => {
      settled = true;
      clearTimeout(timer);
      primary.release();
      fallback.release();
    };
    const decide = (which: 'primary' | 'fallback') => {
      const outcome = which === 'primary' ? primaryOutcome : fallbackOutcome;
      if (outcome === undefined) return;
      if (settled) {
        if (outcome.ok) outcome.value.socket.destroy(); // the race was already won
        return;
      }
      if (outcome.ok) {
        (which === 'primary' ? fallback : primary).controller.abort();
        finish();
        // The fallback won: the primaries tried so far, and the one still dialling, are why.
        const pending = which === 'fallback' && primaryProgress.current !== undefined ? [{ address: primaryProgress.current, error: new FallbackWonError(joinEndpoint(primaryProgress.current, port)) }] : [];
        const before = which === 'fallback' ? [...primaryProgress.failures, ...pending] : [];
        resolve({ ...outcome.value, failures: [...before, ...outcome.value.failures] });
        return;
      }
      if (which === 'primary') startFallback();
      if (primaryOutcome?.ok === false && fallbackOutcome?.ok === false) {
        finish();
        const [first, second] = [primaryOutcome.error, fallbackOutcome.error];
        const failuresOf = (error: unknown) => (error instanceof DialError || error instanceof ConnectDeadlineError ? error.failures : []);
        if (first instanceof ConnectDeadlineError) reject(new ConnectDeadlineError(first.endpoint, [...first.failures, ...failuresOf(second)]));
        else if (first instanceof DialError) reject(new DialError([...first.failures, ...failuresOf(second)]));
        else reject(first instanceof Error ? first : new Error(String(first)));
      }
    };
    const startFallback = () => {
      if (fallbackStarted || settled) return;
      fallbackStarted = true;
      clearTimeout(timer);
      void race(fallbacks, fallback.controller, { failures: [] }).then((outcome) => {
        fallbackOutcome = outcome;
        decide('fallback');
      });
    };
    const timer = setTimeout(startFallback, FALLBACK_DELAY_MS);
    void race(primaries, primary.controller, primaryProgress).then((outcome) => {
      primaryOutcome = outcome;
      decide('primary');
    });
  });
}

function joinEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** What dialSerial has got through so far (for the Happy Eyeballs race, which may end it early). */
interface SerialProgress {
  readonly failures: DialFailure[];
  current?: string | undefined;
}

/**
 * Connects to the addresses in order, as Go's Dialer.dialSerial does: with a deadline
 * (`remainingMs`), each address but the last gets its partialDeadline share, so an address that
 * never answers costs only that share before the next is tried. The first that accepts wins;
 * the failed ones are returned with it.
 */
async function dialSerial(
  network: Network,
  addresses: readonly LookupAddress[],
  port: number,
  signal: AbortSignal,
  remainingMs?: () => number,
  progress: SerialProgress = { failures: [] },
): Promise<Connected> {
  const failures = progress.failures;
  for (const [index, { address }] of addresses.entries()) {
    progress.current = address;
    const endpoint = joinEndpoint(address, port);
    const left = remainingMs?.();
    const share = left === undefined ? undefined : partialDeadlineMs(left, addresses.length - index);
    if (left !== undefined && share === undefined) throw new ConnectDeadlineError(endpoint, failures);
    // Only a share shorter than what is left needs a timer of its own (Go: partialDeadline.Before(deadline)).
    const ownDeadline = share !== undefined && left !== undefined && share < left ? share : undefined;
    const socket = network.connect(address, port);
    // The probe's signal or this address's share, whichever ends first (AbortSignal.any is Node ≥ 20.3).
    const attempt = new AbortController();
    const onAbort = () => attempt.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) attempt.abort();
    const timer = ownDeadline === undefined ? undefined : setTimeout(onAbort, Math.round(ownDeadline));
    try {
      await settleOn(socket, 'connect', attempt.signal);
      socket.removeAllListeners('error');
      return { socket, address, failures };
    } catch (error) {
      socket.destroy();
      progress.current = undefined;
      if (signal.aborted) throw new ConnectDeadlineError(endpoint, failures);
      if (error instanceof TimeoutSignalError) {
        failures.push({ address, error: new DialTimeoutError(endpoint, Math.round(ownDeadline ?? 0)) });
        continue;
      }
      failures.push({ address, error: error instanceof Error ? error : new Error(String(error)) });
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }
  throw new DialError(failures);
}

export class ProxyRefusedError extends Error {
  constructor(readonly statusLine: string) {
    super(`proxy answered ${statusLine}`);
  }
}

/** The TLS handshake with an https:// proxy failed (its certificate, or an alert): a TLS failure, not a refused proxy. */
export class ProxyTlsError extends Error {
  constructor(readonly tlsError: Error) {
    super(tlsError.message, { cause: tlsError });
  }
}

/**
 * Opens a CONNECT tunnel to host:port over a socket connected to the proxy (an https:// proxy is
 * spoken to over TLS first, with `proxyTls`: proxyChannel). Proxy credentials come from the
 * proxy URL's user:password, as Go sends them (Proxy-Authorization: Basic).
 */
export async function openTunnel(socket: Socket, proxy: URL, target: string, signal: AbortSignal, proxyTls: TlsSettings): Promise<Socket> {
  if (isSocksProxy(proxy)) return openSocksTunnel(socket, proxy, target, signal);
  const channel = await proxyChannel(socket, proxy, signal, proxyTls);
  const headers = [`CONNECT ${target} HTTP/1.1`, `Host: ${target}`];
  const credentials = proxyCredentials(proxy);
  if (credentials !== undefined) headers.push(`Proxy-Authorization: ${basicAuthorization(credentials.username, credentials.password)}`);
  channel.write(`${headers.join('\r\n')}\r\n\r\n`);
  const statusLine = await abortable(
    new Promise<string>((resolve, reject) => {
      let buffered = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) {
          if (buffered.length > 64 * 1024) reject(new Error('proxy response headers too large'));
          return;
        }
        channel.off('data', onData);
        channel.off('error', reject);
        channel.off('end', onEnd);
        const rest = buffered.subarray(end + 4);
        if (rest.length > 0) channel.unshift(rest);
        resolve(buffered.subarray(0, end).toString('latin1').split('\r\n')[0] ?? '');
      };
      const onEnd = () => reject(Object.assign(new Error('proxy closed the connection during CONNECT'), { code: 'ECONNRESET' }));
      channel.on('data', onData);
      channel.once('error', reject);
      channel.once('end', onEnd);
    }),
    signal,
    () => channel.destroy(),
  );
  if (!/^HTTP\/1\.[01] 2\d\d/.test(statusLine)) {
    channel.destroy();
    throw new ProxyRefusedError(statusLine);
  }
  return channel;
}

/** RFC 1928 reply codes, in the words of Go's x/net/internal/socks (Reply.String). */
const SOCKS_REPLIES: Readonly<Record<number, string>> = {
  1: 'general SOCKS server failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

/**
 * A SOCKS5 CONNECT to host:port (RFC 1928), as Go's net/http does for a socks5:// proxy
 * (x/net/internal/socks Dialer): no authentication, or username and password (RFC 1929) when the
 * proxy URL carries them; a host name goes to the proxy as a name (the proxy resolves it), an IP
 * as an address. A refusal is a ProxyRefusedError with the reply in Go's words.
 */
async function openSocksTunnel(socket: Socket, proxy: URL, target: string, signal: AbortSignal): Promise<Socket> {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(target);
  const host = match?.[1] ?? match?.[2] ?? '';
  const port = Number(match?.[3]);
  const credentials = proxyCredentials(proxy);
  // Go's socks checks this before it writes anything: a name's length is one byte.
  if (isIP(host) === 0 && Buffer.byteLength(host) > 255) throw new Error(`socks connect ${target}: FQDN too long (SOCKS5 carries a host name of at most 255 bytes)`);
  const reader = socksReader(socket);
  const exchange = async (): Promise<Socket> => {
    socket.write(Buffer.from(credentials === undefined ? [5, 1, 0] : [5, 2, 0, 2]));
    const [version, method] = await reader.read(2);
    if (version !== 5) throw new ProxyRefusedError(`not a SOCKS5 answer (version byte ${version})`);
    if (method === 2 && credentials !== undefined) {
      const user = Buffer.from(credentials.username, 'utf8');
      const password = Buffer.from(credentials.password, 'utf8');
      if (user.length > 255 || password.length > 255) throw new ProxyRefusedError('SOCKS5 username or password longer than 255 bytes');
      socket.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([password.length]), password]));
      const [, status] = await reader.read(2);
      if (status !== 0) throw new ProxyRefusedError('SOCKS5 username/password authentication failed');
    } else if (method !== 0) {
      throw new ProxyRefusedError(method === 0xff ? 'SOCKS5: no acceptable authentication methods' : `SOCKS5: unsupported authentication method ${method}`);
    }
    const address = socksAddress(host);
    const portBytes = Buffer.from([port >> 8, port & 0xff]);
    socket.write(Buffer.concat([Buffer.from([5, 1, 0]), address, portBytes]));
    const [replyVersion, reply, reserved, type] = await reader.read(4);
    // In the order Go's socks connect checks them.
    if (replyVersion !== 5) throw new ProxyRefusedError(`SOCKS5: unexpected protocol version ${replyVersion}`);
    if (reply !== 0) throw new ProxyRefusedError(`SOCKS5 ${SOCKS_REPLIES[reply as number] ?? `unknown error ${reply}`}`);
    if (reserved !== 0) throw new ProxyRefusedError('SOCKS5: non-zero reserved field');
    if (type !== 1 && type !== 3 && type !== 4) throw new ProxyRefusedError(`SOCKS5: unknown address type ${type}`);
    // The bound address, which nothing uses (Go reads it and drops it too).
    const length = type === 1 ? 4 : type === 4 ? 16 : (await reader.read(1))[0] ?? 0;
    await reader.read(length + 2);
    reader.release();
    return socket;
  };
  return abortable(exchange(), signal, () => socket.destroy());
}

/**
 * The request's address as Go's socks writes it (x/net/internal/socks Dialer.connect): an IP that
 * To4() takes (IPv4, also IPv4-mapped IPv6) as IPv4, another IP as IPv6, anything else as a name.
 */
function socksAddress(host: string): Buffer {
  const family = isIP(host);
  if (family === 4) return Buffer.from([1, ...host.split('.').map(Number)]);
  if (family === 0) return Buffer.concat([Buffer.from([3, Buffer.byteLength(host)]), Buffer.from(host, 'utf8')]);
  const bytes = ipv6Bytes(host);
  const mapped = bytes.subarray(0, 12).equals(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]));
  return mapped ? Buffer.concat([Buffer.from([1]), bytes.subarray(12)]) : Buffer.concat([Buffer.from([4]), bytes]);
}

/** Reads exactly n bytes at a time from a socket; release() gives back what was read beyond. */
function socksReader(socket: Socket): { read(n: number): Promise<Buffer>; release(): void } {
  let buffered = Buffer.alloc(0);
  let waiting: { readonly n: number; readonly resolve: (bytes: Buffer) => void; readonly reject: (error: Error) => void } | undefined;
  let failure: Error | undefined;
  const settle = () => {
    if (waiting === undefined) return;
    if (buffered.length >= waiting.n) {
      const { n, resolve } = waiting;
      waiting = undefined;
      const bytes = buffered.subarray(0, n);
      buffered = buffered.subarray(n);
      resolve(bytes);
    } else if (failure !== undefined) {
      const { reject } = waiting;
      waiting = undefined;
      reject(failure);
    }
  };
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    settle();
  };
  const onEnd = () => {
    failure = Object.assign(new Error('proxy closed the connection during the SOCKS5 handshake'), { code: 'ECONNRESET' });
    settle();
  };
  const onError = (error: Error) => {
    failure = error;
    settle();
  };
  socket.on('data', onData);
  socket.once('end', onEnd);
  socket.once('error', onError);
  return {
    read: (n) =>
      new Promise<Buffer>((resolve, reject) => {
        waiting = { n, resolve, reject };
        settle();
      }),
    release: () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      if (buffered.length > 0) socket.unshift(buffered);
    },
  };
}

/** The 16 bytes of an IPv6 address (with :: and an embedded IPv4 tail). */
function ipv6Bytes(address: string): Buffer {
  let text = address;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (tail !== undefined) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => bytes.writeUInt16BE(Number.parseInt(group, 16), index * 2));
  return bytes;
}

/**
 * The connection to the proxy itself: as it is for an http:// proxy, over TLS for an https:// one.
 * A CONNECT tunnel is opened over it for an https:// server; a plain http:// server's requests are
 * written to it directly, in absolute form.
 *
 * The TLS settings are the API server's (proxyTlsSettings), as in Go: net/http's dialConn speaks
 * TLS to an https:// proxy with a clone of the Transport's TLSClientConfig (transport.go addTLS),
 * and client-go puts the cluster's CA, tls-server-name, insecure-skip-tls-verify and client
 * certificate there. So kubectl fails ("proxyconnect tcp: tls: failed to verify certificate")
 * when the cluster has its own CA and the proxy's certificate is not signed by it
 * (kubernetes/kubernetes#102079); the probe does too, instead of trusting the system roots.
 */
export async function proxyChannel(socket: Socket, proxy: URL, signal: AbortSignal, proxyTls: TlsSettings): Promise<Socket> {
  if (proxy.protocol !== 'https:') return socket;
  const secure = tls.connect(tlsOptions(socket, proxyTls, true));
  try {
    await settleOn(secure, 'secureConnect', signal);
  } catch (error) {
    secure.destroy();
    if (error instanceof TimeoutSignalError) throw error;
    throw new ProxyTlsError(error instanceof Error ? error : new Error(String(error)));
  }
  secure.removeAllListeners('error');
  return secure;
}

/**
 * What Go's addTLS uses for an https:// proxy: the API server's TLS settings, with the proxy's
 * host as the name only when no tls-server-name is set (`if cfg.ServerName == "" { cfg.ServerName
 * = name }`). A plain http:// server has no TLS settings in client-go (it merges the CA only over
 * TLS, client_config.go), so Go's defaults apply: the system roots (`systemRoots`, those Go reads
 * on Linux: target.ts loadGoSystemRoots; undefined: Node's) and the proxy's host.
 */
export function proxyTlsSettings(server: TlsSettings & { readonly tlsServerName?: string | undefined }, proxy: URL, serverScheme: 'http' | 'https', systemRoots?: readonly string[]): TlsSettings {
  const proxyHost = proxy.hostname.replace(/^\[(.*)\]$/, '$1');
  if (serverScheme === 'http') return { checkedName: proxyHost, ...(systemRoots === undefined ? {} : { caCertificates: systemRoots }), insecure: false };
  return { ...server, checkedName: server.tlsServerName ?? proxyHost };
}

export interface TlsSettings {
  /** The name checked against the certificate and (unless an IP) sent as SNI. */
  readonly checkedName: string;
  /** The CA certificates to trust, one PEM each (target.ts parseCaBundle); undefined: the system roots. */
  readonly caCertificates?: readonly string[] | undefined;
  readonly certPem?: string | undefined;
  readonly keyPem?: string | undefined;
  readonly insecure: boolean;
}

export interface TlsInfo {
  readonly protocol: string;
  readonly peer: PeerCertificate;
}

/**
 * The cipher suites kubectl offers: Go's crypto/tls defaults (defaults.go defaultCipherSuites, Go
 * 1.22+), which client-go does not change. TLS 1.3: all three suites. TLS 1.2: ECDHE key exchange
 * only, AEAD then CBC-SHA1, in Go's preference order (cipher_suites.go cipherSuitesPreferenceOrder);
 * RSA key exchange left the defaults in Go 1.22 (GODEBUG tlsrsakex), 3DES in 1.23, and the
 * CBC-SHA256 and RC4 suites were never defaults. OpenSSL's names; Node's `ciphers` takes both kinds.
 */
export const GO_DEFAULT_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES256-SHA',
].join(':');

function tlsOptions(socket: Socket, settings: TlsSettings, verify: boolean): tls.ConnectionOptions {
  return {
    socket,
    ciphers: GO_DEFAULT_CIPHERS,
    // crypto/tls Config.MinVersion: TLS 1.2 is a client's default since Go 1.18.
    minVersion: 'TLSv1.2',
    // Go's hostnameInSNI (crypto/tls handshake_client.go): no SNI for an IP address (RFC 6066;
    // Node refuses one too), and a name's trailing dots are dropped, every one (a loop in Go:
    // "api.example.com." sends api.example.com), which an SNI-routing load balancer needs to match it.
    ...(isIP(settings.checkedName) ? {} : { servername: settings.checkedName.replace(/\.+$/, '') }),
    // Go's x509 takes every certificate in the pool as a trust anchor, an intermediate too
    // (certificate-authority holding only the issuing CA); OpenSSL needs a self-signed root
    // unless partial chains are allowed (Node ≥ 20.18; older Node ignores the option).
    ...(settings.caCertificates === undefined ? {} : { ca: [...settings.caCertificates], allowPartialTrustChain: true }),
    ...(settings.certPem === undefined || !verify ? {} : { cert: settings.certPem, key: settings.keyPem }),
    rejectUnauthorized: verify && !settings.insecure,
    checkServerIdentity: (_host, cert) => (verify && !settings.insecure ? checkServerName(settings.checkedName, cert) : undefined),
    ALPNProtocols: ['http/1.1'],
  };
}

/**
 * The hostname check as Go's crypto/x509 Certificate.VerifyHostname does it (verify.go): only the
 * subjectAltNames count, never the subject's Common Name (Go ≥ 1.15), which Node's
 * tls.checkServerIdentity still falls back to when a certificate has no DNS SAN. A certificate
 * without a SAN extension whose CN would have matched gets Go's own error (x509
 * HostnameError.Error), so kubectl's "certificate relies on legacy Common Name field" is what the
 * probe reports too. DNS names are matched by Go's rules, not Node's: a wildcard is only a whole
 * left-most "*" label (Node also takes "k*.example.com", which Go matches only literally), and
 * "*.tld" counts (Node refuses it). IP addresses match IP SANs only, in both.
 */
export function checkServerName(name: string, cert: tls.PeerCertificate): Error | undefined {
  const cn = cert.subject?.CN;
  if (isIP(name) !== 0) {
    const error = tls.checkServerIdentity(name, { ...cert, subject: { ...cert.subject, CN: '' } });
    if (error === undefined) return undefined;
    if (!cert.subjectaltname && typeof cn === 'string' && cn.toLowerCase() === name.toLowerCase()) return legacyCommonName(name, cert);
    return error;
  }
  const dnsNames = subjectAltNameEntries(cert.subjectaltname ?? '')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4));
  if (verifyHostname(name, dnsNames)) return undefined;
  if (!cert.subjectaltname && typeof cn === 'string' && cn !== '' && verifyHostname(name, [cn])) return legacyCommonName(name, cert);
  // Node's error for the same case (tls.checkServerIdentity), so classify.ts reads it as it reads Node's.
  const reason = `Host: ${name}. is not in the cert's altnames: ${cert.subjectaltname ?? ''}`;
  return Object.assign(new Error(`Hostname/IP does not match certificate's altnames: ${reason}`), { code: 'ERR_TLS_CERT_ALTNAME_INVALID', reason, host: name, cert });
}

function legacyCommonName(name: string, cert: tls.PeerCertificate): Error {
  return Object.assign(new Error('x509: certificate relies on legacy Common Name field, use SANs instead'), { code: LEGACY_COMMON_NAME, host: name, cert });
}

/** Node's subjectaltname ("DNS:a, IP Address:1.2.3.4"; an entry with a comma or quote is written as a JSON string) as entries. */
export function subjectAltNameEntries(text: string): string[] {
  const entries: string[] = [];
  let index = 0;
  while (index < text.length) {
    const colon = text.indexOf(':', index);
    if (colon === -1) break;
    const key = text.slice(index, colon + 1);
    let value: string;
    let next: number;
    if (text[colon + 1] === '"') {
      // A JSON string: find its closing quote (past escaped characters).
      let end = colon + 2;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      try {
        value = String(JSON.parse(text.slice(colon + 1, end + 1)));
      } catch {
        value = text.slice(colon + 2, end);
      }
      next = text.indexOf(', ', end);
    } else {
      next = text.indexOf(', ', colon);
      value = text.slice(colon + 1, next === -1 ? undefined : next);
    }
    entries.push(`${key}${value}`);
    if (next === -1) break;
    index = next + 2;
  }
  return entries;
}

const lowerAscii = (text: string) => text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());

/** crypto/x509 validHostname: non-empty labels of letters, digits, '_' and '-' (not first); a pattern may have a whole "*" first label. */
function validHostname(host: string, isPattern: boolean): boolean {
  const name = isPattern ? host : host.replace(/\.$/, '');
  if (name === '' || name === '*') return false;
  return name.split('.').every((part, index) => (isPattern && index === 0 && part === '*') || /^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(part));
}

/** crypto/x509 matchHostnames: label by label, a "*" first label matching any one label; the host's trailing dot is ignored. */
function matchHostnames(pattern: string, host: string): boolean {
  const patternParts = lowerAscii(pattern).split('.');
  const hostParts = lowerAscii(host.replace(/\.$/, '')).split('.');
  if (pattern === '' || host === '' || patternParts.length !== hostParts.length) return false;
  return patternParts.every((part, index) => (index === 0 && part === '*') || part === hostParts[index]);
}

/** crypto/x509 Certificate.VerifyHostname for a DNS name: a valid name against valid patterns, anything else only exactly. */
export function verifyHostname(name: string, dnsNames: readonly string[]): boolean {
  const candidate = lowerAscii(name);
  const validCandidate = validHostname(candidate, false);
  return dnsNames.some((match) =>
    validCandidate && validHostname(match, true) ? matchHostnames(match, candidate) : match !== '' && match !== '.' && candidate !== '' && candidate !== '.' && lowerAscii(match) === candidate,
  );
}

/** The TLS handshake with verification. A verification failure rejects with the OpenSSL/Node code. */
export async function startTls(socket: Socket, settings: TlsSettings, signal: AbortSignal): Promise<{ socket: tls.TLSSocket; info: TlsInfo }> {
  const secure = tls.connect(tlsOptions(socket, settings, true));
  await abortable(
    new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
      secure.once('close', () => reject(Object.assign(new Error('connection closed during the TLS handshake'), { code: 'ECONNRESET' })));
    }),
    signal,
    () => secure.destroy(),
  ).catch((error: unknown) => {
    secure.destroy();
    throw error;
  });
  secure.removeAllListeners('error');
  secure.removeAllListeners('close');
  return { socket: secure, info: { protocol: secure.getProtocol() ?? 'TLS', peer: toPeerCertificate(secure.getPeerCertificate()) } };
}

/**
 * For a failed handshake's message only: handshakes again without verification and without our
 * client certificate, to read the certificate the server presents (its SANs, notAfter).
 */
export async function fetchPeerCertificate(socket: Socket, settings: TlsSettings, signal: AbortSignal): Promise<PeerCertificate | undefined> {
  const secure = tls.connect(tlsOptions(socket, settings, false));
  try {
    await settleOn(secure, 'secureConnect', signal);
    return toPeerCertificate(secure.getPeerCertificate());
  } catch {
    return undefined;
  } finally {
    secure.destroy();
  }
}

function formatName(name: Readonly<Record<string, string | string[] | undefined>> | undefined): string {
  if (!name) return '(none)';
  const parts = Object.entries(name).map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : (value ?? '')}`);
  return parts.length === 0 ? '(none)' : parts.join(', ');
}

export function toPeerCertificate(cert: tls.PeerCertificate): PeerCertificate {
  const date = (text: string | undefined) => (text ? new Date(text) : undefined);
  return {
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    notBefore: date(cert.valid_from),
    notAfter: date(cert.valid_to),
    subjectAltNames: (cert.subjectaltname ?? '').split(',').map((name) => name.trim()).filter((name) => name !== ''),
  };
}
