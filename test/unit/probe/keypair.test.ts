// keyPairError against Go's crypto/tls X509KeyPair: each refusal in Go's words (what kubectl
// prints before it connects), and a matching pair passes.
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { keyPairError } from '../../../src/probe/keypair.js';
import { generateCa, issueClientCert, type KeyPairPem } from '../../support/certs.js';

let pair: KeyPairPem;
let other: KeyPairPem;
let rsaKeyPem: string;
let sec1KeyPem: string;

beforeAll(async () => {
  const ca = await generateCa();
  [pair, other] = await Promise.all([issueClientCert(ca, { commonName: 'me' }), issueClientCert(ca, { commonName: 'someone-else' })]);
  rsaKeyPem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  sec1KeyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
});

const block = (type: string, body = 'AAAA') => `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`;

describe('keyPairError (tls.X509KeyPair)', () => {
  it('passes a certificate with its own key', () => {
    expect(keyPairError(pair.cert, pair.key)).toBeUndefined();
  });

  it.each([
    ['a key of another certificate', () => [pair.cert, other.key], 'tls: private key does not match public key'],
    ['an EC key in SEC 1 form that is not the certificate\'s', () => [pair.cert, sec1KeyPem], 'tls: private key does not match public key'],
    ['an RSA key for an EC certificate', () => [pair.cert, rsaKeyPem], 'tls: private key type does not match public key type'],
    ['a key that is plain text (base64 of text in client-key-data)', () => [pair.cert, 'garbage-key-hunter2\n'], 'tls: failed to find any PEM data in key input'],
    ['a certificate given as the key', () => [pair.cert, pair.cert], 'tls: found a certificate rather than a key in the PEM for the private key'],
    ['a key input with only other blocks', () => [pair.cert, block('PUBLIC KEY') + block('CERTIFICATE')], 'tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [PUBLIC KEY CERTIFICATE]'],
    ['a PRIVATE KEY block that does not parse', () => [pair.cert, block('PRIVATE KEY')], 'tls: failed to parse private key'],
    ['a certificate input without PEM', () => ['not a certificate', pair.key], 'tls: failed to find any PEM data in certificate input'],
    ['certificate and key switched', () => [pair.key, pair.cert], 'tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched'],
  ])('refuses %s in Go\'s words', (_name, inputs, message) => {
    const [cert = '', key = ''] = inputs();
    expect(keyPairError(cert, key)).toBe(message);
  });
});
