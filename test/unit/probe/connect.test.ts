import type { PeerCertificate as NodePeerCertificate } from 'node:tls';
import { Socket, connect as netConnect, createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LEGACY_COMMON_NAME } from '../../../src/probe/classify.js';
import { ConnectDeadlineError, DialError, DialTimeoutError, FALLBACK_DELAY_MS, FallbackWonError, checkServerName, connectTcp, openTunnel, partialDeadlineMs, proxyTlsSettings, subjectAltNameEntries, type Network } from '../../../src/probe/connect.js';
import { errorCode } from '../../../src/probe/classify.js';

const cert = (cn: string, subjectaltname?: string) => ({ subject: { CN: cn }, issuer: { CN: 'ca' }, ...(subjectaltname === undefined ? {} : { subjectaltname }) }) as unknown as NodePeerCertificate;


/** A socket that never connects, one that connects on the next tick, or one that is refused. */
function fakeNetwork(behaviour: Record<string, 'never' | 'connect' | 'refuse'>, order: string[] = []): Network {
  return {
    lookup: () => Promise.resolve([]),
    connect: (address) => {
      order.push(address);
      const socket = new Socket();
      if (behaviour[address] === 'connect') process.nextTick(() => socket.emit('connect'));
      if (behaviour[address] === 'refuse') process.nextTick(() => socket.emit('error', Object.assign(new Error(`connect ECONNREFUSED ${address}:443`), { code: 'ECONNREFUSED' })));
      return socket;
    },
  };
}

describe('checkServerName (crypto/x509 VerifyHostname: SANs only)', () => {
  it.each([
    ['a DNS SAN', 'localhost', cert('kube-apiserver', 'DNS:localhost, IP Address:127.0.0.1')],
    ['an IP SAN', '127.0.0.1', cert('kube-apiserver', 'DNS:localhost, IP Address:127.0.0.1')],
    ['a wildcard DNS SAN', 'api.example.com', cert('x', 'DNS:*.example.com')],
  ])('accepts a name in %s', (_what, name, peer) => {
    expect(checkServerName(name, peer)).toBeUndefined();
  });

  it.each([
    ['a DNS name', 'localhost', cert('localhost')],
    ['an IP address', '127.0.0.1', cert('127.0.0.1')],
  ])('refuses %s that only the Common Name of a SAN-less certificate holds, with Go\'s legacy-CN error', (_what, name, peer) => {
    const error = checkServerName(name, peer);
    expect(errorCode(error)).toBe(LEGACY_COMMON_NAME);
    expect(error?.message).toBe('x509: certificate relies on legacy Common Name field, use SANs instead');
  });

  it('refuses a name that only the Common Name holds when the SANs name other hosts (no CN fallback)', () => {
    const error = checkServerName('localhost', cert('localhost', 'IP Address:127.0.0.1'));
    expect(errorCode(error)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('gives the ordinary mismatch for a SAN-less certificate whose CN is another name', () => {
    expect(errorCode(checkServerName('localhost', cert('kube-apiserver')))).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });
});

describe('checkServerName matches DNS names by crypto/x509 rules, not Node\'s', () => {
  it.each([
    // Node takes a wildcard inside a label; Go matches such a SAN only literally (kubectl: "certificate is valid for k*.example.test, not kube.example.test").
    ['kube.example.test', 'DNS:k*.example.test', false],
    ['k*.example.test', 'DNS:k*.example.test', true],
    ['kube.example.test', 'DNS:*kube.example.test', false],
    // Node refuses *.tld; Go's validHostname has no such rule.
    ['kube.internal', 'DNS:*.internal', true],
    ['a.b.example.test', 'DNS:*.example.test', false],
    ['API.Example.Test', 'DNS:api.example.test', true],
    ['api.example.test.', 'DNS:api.example.test', true],
    ['api.example.test', 'DNS:*.example.test, IP Address:127.0.0.1', true],
    ['my_host.example.test', 'DNS:*.example.test', true],
    ['a,b.example.test', 'DNS:"a,b.example.test"', true],
  ])('%s against %s → %s', (name, sans, valid) => {
    const error = checkServerName(name, cert('x', sans));
    expect(error === undefined, error?.message).toBe(valid);
    if (!valid) expect(errorCode(error)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });
});

describe('subjectAltNameEntries (Node\'s subjectaltname text)', () => {
  it('splits plain and JSON-quoted entries', () => {
    expect(subjectAltNameEntries('DNS:a.example, DNS:"b, c", IP Address:10.0.0.1')).toEqual(['DNS:a.example', 'DNS:b, c', 'IP Address:10.0.0.1']);
  });
});

describe('connectTcp over several addresses (Go net.Dialer dialSerial)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([
    [5000, 2, 2500],
    [5000, 1, 5000],
    [3000, 2, 2000],
    [1500, 3, 1500],
    [10000, 4, 2500],
    [0, 1, undefined],
  ])('partialDeadline: %ims left over %i addresses gives the next %sms', (left, addresses, share) => {
    expect(partialDeadlineMs(left, addresses)).toBe(share);
  });

  const addresses = (...list: string[]) => list.map((address) => ({ address, family: 4 }));

  it('gives an address that never answers its share of the time, then connects to the next, naming the one that timed out', async () => {
    vi.useFakeTimers();
    const order: string[] = [];
    const pending = connectTcp(fakeNetwork({ '192.0.2.1': 'never', '192.0.2.2': 'connect' }, order), addresses('192.0.2.1', '192.0.2.2'), 443, new AbortController().signal, () => 5000);
    await vi.advanceTimersByTimeAsync(2500);
    const connected = await pending;
    expect(order).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(connected.address).toBe('192.0.2.2');
    expect(connected.failures).toHaveLength(1);
    expect(connected.failures[0]?.error).toBeInstanceOf(DialTimeoutError);
    expect(connected.failures[0]?.error.message).toBe('dial tcp 192.0.2.1:443: i/o timeout');
    connected.socket.destroy();
  });

  it('gives the last address all the time left: the probe deadline ends it, naming it and the ones before', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const pending = connectTcp(fakeNetwork({}), addresses('192.0.2.1', '192.0.2.2'), 443, controller.signal, () => 5000);
    const outcome = pending.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(2500);
    controller.abort();
    const error = await outcome;
    expect(error).toBeInstanceOf(ConnectDeadlineError);
    expect(error).toMatchObject({ endpoint: '192.0.2.2:443', failures: [{ address: '192.0.2.1' }] });
  });

  it('reports the first address\'s error when every address fails, as Go does', async () => {
    const error = await connectTcp(fakeNetwork({ '192.0.2.1': 'refuse', '192.0.2.2': 'refuse' }), addresses('192.0.2.1', '192.0.2.2'), 443, new AbortController().signal, () => 5000).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DialError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 192.0.2.1:443' });
    expect((error as DialError).failures.map((failure) => failure.address)).toEqual(['192.0.2.1', '192.0.2.2']);
  });
});

describe('proxyTlsSettings (Go addTLS: the Transport TLSClientConfig, cloned, for an https:// proxy)', () => {
  const server = { checkedName: '10.0.0.1', caCertificates: ['CA'], certPem: 'CERT', keyPem: 'KEY', insecure: false };
  const proxy = new URL('https://proxy.corp:3128');

  it("takes the cluster's CA and client certificate, and the proxy's host as the name", () => {
    expect(proxyTlsSettings(server, proxy, 'https')).toEqual({ ...server, checkedName: 'proxy.corp' });
  });

  it('checks the proxy against tls-server-name when the cluster sets one (cfg.ServerName is kept)', () => {
    expect(proxyTlsSettings({ ...server, checkedName: 'kubernetes', tlsServerName: 'kubernetes' }, proxy, 'https').checkedName).toBe('kubernetes');
  });

  it('uses Go\'s defaults (system roots, no client certificate) for a plain http:// server, which has no TLS settings in client-go', () => {
    expect(proxyTlsSettings(server, new URL('https://[fd00::1]:3128'), 'http')).toEqual({ checkedName: 'fd00::1', insecure: false });
  });
});

describe('connectTcp with both address families (Go dialParallel, Happy Eyeballs)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const network = fakeNetwork;
  const mixed = [
    { address: '2001:db8::1', family: 6 },
    { address: '192.0.2.1', family: 4 },
  ];

  // The serial dial gave a dead IPv6 address its 2.5 s share first (all of a --timeout 2s), where kubectl connects over IPv4 after 300 ms.
  it('dials the other family 300 ms after the first, and takes the first connection', async () => {
    vi.useFakeTimers();
    const order: string[] = [];
    const pending = connectTcp(network({ '2001:db8::1': 'never', '192.0.2.1': 'connect' }, order), mixed, 443, new AbortController().signal, () => 5000);
    await vi.advanceTimersByTimeAsync(FALLBACK_DELAY_MS - 1);
    expect(order).toEqual(['2001:db8::1']);
    await vi.advanceTimersByTimeAsync(1);
    const connected = await pending;
    expect(order).toEqual(['2001:db8::1', '192.0.2.1']);
    expect(connected.address).toBe('192.0.2.1');
    expect(connected.failures.map((failure) => failure.error)).toEqual([expect.any(FallbackWonError)]);
    expect(connected.failures[0]?.error.message).toMatch(/^no answer yet from \[2001:db8::1\]:443 when the other address family connected/);
    connected.socket.destroy();
  });

  it('dials the other family at once when the first family has failed', async () => {
    vi.useFakeTimers();
    const order: string[] = [];
    const pending = connectTcp(network({ '2001:db8::1': 'refuse', '192.0.2.1': 'connect' }, order), mixed, 443, new AbortController().signal, () => 5000);
    await vi.advanceTimersByTimeAsync(1);
    const connected = await pending;
    expect(connected.address).toBe('192.0.2.1');
    expect(connected.failures.map((failure) => failure.error.message)).toEqual(['connect ECONNREFUSED 2001:db8::1:443']);
    connected.socket.destroy();
  });

  it('keeps the first family when it connects in time, and reports its first error when both fail', async () => {
    const order: string[] = [];
    const connected = await connectTcp(network({ '2001:db8::1': 'connect', '192.0.2.1': 'connect' }, order), mixed, 443, new AbortController().signal, () => 5000);
    expect(connected.address).toBe('2001:db8::1');
    expect(order).toEqual(['2001:db8::1']);
    connected.socket.destroy();
    const error = await connectTcp(network({ '2001:db8::1': 'refuse', '192.0.2.1': 'refuse' }, []), mixed, 443, new AbortController().signal, () => 5000).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DialError);
    expect((error as DialError).message).toBe('connect ECONNREFUSED 2001:db8::1:443');
    expect((error as DialError).failures.map((failure) => failure.address)).toEqual(['2001:db8::1', '192.0.2.1']);
  });
});

describe('openTunnel through a SOCKS5 proxy (x/net/internal/socks: the request as Go writes it)', () => {
  /** A SOCKS5 proxy that takes no authentication and records the CONNECT request, then refuses it. */
  async function requestFor(target: string, reply = Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0])): Promise<{ readonly request: Buffer; readonly error: unknown }> {
    let request = Buffer.alloc(0);
    const server = createServer((client) => {
      client.on('error', () => undefined);
      let greeted = false;
      client.on('data', (chunk: Buffer) => {
        if (!greeted) {
          greeted = true;
          client.write(Buffer.from([5, 0]));
          return;
        }
        request = Buffer.concat([request, chunk]);
        client.end(reply);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const socket = await new Promise<Socket>((resolve) => {
      const connected = netConnect(port, '127.0.0.1', () => resolve(connected));
    });
    try {
      const error = await openTunnel(socket, new URL(`socks5://127.0.0.1:${port}`), target, new AbortController().signal, { checkedName: 'x', insecure: false }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      return { request, error };
    } finally {
      socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  it.each([
    ['a name', 'api.example.test:6443', Buffer.concat([Buffer.from([5, 1, 0, 3, 16]), Buffer.from('api.example.test'), Buffer.from([0x19, 0x2b])])],
    ['an IPv4 address', '10.0.0.1:443', Buffer.from([5, 1, 0, 1, 10, 0, 0, 1, 1, 0xbb])],
    ['an IPv6 address', '[2001:db8::1]:443', Buffer.from([5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, ...Array<number>(11).fill(0), 1, 1, 0xbb])],
    // net.IP.To4() != nil: Go sends an IPv4-mapped address as IPv4 (the URL parser writes it ::ffff:a00:1).
    ['an IPv4-mapped IPv6 address', '[::ffff:a00:1]:443', Buffer.from([5, 1, 0, 1, 10, 0, 0, 1, 1, 0xbb])],
  ])('sends %s as Go does', async (_name, target, expected) => {
    const { request, error } = await requestFor(target);
    expect(request.toString('hex')).toBe(expected.toString('hex'));
    expect((error as Error).message).toMatch(/connection not allowed by ruleset/);
  });

  it.each([
    ['another protocol version', [4, 0, 0, 1, 0, 0, 0, 0, 0, 0], 'SOCKS5: unexpected protocol version 4'],
    ['a non-zero reserved byte', [5, 0, 7, 1, 0, 0, 0, 0, 0, 0], 'SOCKS5: non-zero reserved field'],
    ['an unknown address type', [5, 0, 0, 9, 0, 0, 0, 0, 0, 0], 'SOCKS5: unknown address type 9'],
  ])('refuses a success reply with %s, as Go\'s socks connect does', async (_name, reply, message) => {
    const { error } = await requestFor('10.0.0.1:443', Buffer.from(reply));
    expect((error as Error).message).toBe(`proxy answered ${message}`);
  });

  it('refuses a host name longer than 255 bytes before sending it, as Go does ("FQDN too long"), instead of a corrupt request', async () => {
    const { request, error } = await requestFor(`${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.test:443`);
    expect(request.length).toBe(0);
    expect((error as Error).message).toMatch(/FQDN too long/);
  });
});
