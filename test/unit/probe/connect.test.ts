import type { PeerCertificate as NodePeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { LEGACY_COMMON_NAME } from '../../../src/probe/classify.js';
import { checkServerName } from '../../../src/probe/connect.js';
import { errorCode } from '../../../src/probe/classify.js';

const cert = (cn: string, subjectaltname?: string) => ({ subject: { CN: cn }, issuer: { CN: 'ca' }, ...(subjectaltname === undefined ? {} : { subjectaltname }) }) as unknown as NodePeerCertificate;

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
