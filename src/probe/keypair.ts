// Whether a client certificate and key would load as kubectl loads them: Go's crypto/tls
// X509KeyPair (tls.go), which client-go calls when it builds the transport (transport.TLSConfigFor),
// before anything is sent. kubectl then stops with its error ("error: tls: private key does not
// match public key"); without this check OpenSSL refuses the pair only at the handshake
// (ERR_OSSL_X509_KEY_VALUES_MISMATCH), which read as a TLS failure of the server.
// Only node:crypto, and only for the probe.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { decodePemBlocks } from './target.js';

/** Go's key types as tls.X509KeyPair compares them (rsa, ecdsa, ed25519); Node's names. */
const SUPPORTED_PUBLIC_KEYS: ReadonlySet<string> = new Set(['rsa', 'ec', 'ed25519']);

/**
 * The error Go's tls.X509KeyPair returns for this certificate and key PEM, in its words, or
 * undefined when the pair loads. The same steps in the same order: the certificate input's
 * CERTIFICATE blocks, the key input's first "PRIVATE KEY" block, the first certificate parsed,
 * the key parsed (PKCS #1, PKCS #8, SEC 1), then the key compared with the certificate's.
 */
export function keyPairError(certPem: string, keyPem: string): string | undefined {
  const certBlocks = decodePemBlocks(certPem).blocks;
  const certificates = certBlocks.filter((block) => block.type === 'CERTIFICATE');
  if (certificates.length === 0) {
    const skipped = certBlocks.map((block) => block.type);
    if (skipped.length === 0) return 'tls: failed to find any PEM data in certificate input';
    if (skipped.length === 1 && skipped[0]?.endsWith('PRIVATE KEY')) {
      return 'tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched';
    }
    return `tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`;
  }
  const keyBlocks = decodePemBlocks(keyPem).blocks;
  const keyBlock = keyBlocks.find((block) => block.type === 'PRIVATE KEY' || block.type.endsWith(' PRIVATE KEY'));
  if (keyBlock === undefined) {
    const skipped = keyBlocks.map((block) => block.type);
    if (skipped.length === 0) return 'tls: failed to find any PEM data in key input';
    if (skipped.length === 1 && skipped[0] === 'CERTIFICATE') return 'tls: found a certificate rather than a key in the PEM for the private key';
    return `tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`;
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificates[0]?.der ?? Buffer.alloc(0));
  } catch {
    return 'x509: malformed certificate';
  }
  const key = parsePrivateKey(keyBlock.der);
  if (key === undefined) return 'tls: failed to parse private key';
  if (!SUPPORTED_PUBLIC_KEYS.has(key.asymmetricKeyType ?? '')) return 'tls: found unknown private key type in PKCS#8 wrapping';
  const publicType = certificate.publicKey.asymmetricKeyType ?? '';
  if (!SUPPORTED_PUBLIC_KEYS.has(publicType)) return 'tls: unknown public key algorithm';
  if (key.asymmetricKeyType !== publicType) return 'tls: private key type does not match public key type';
  return certificate.checkPrivateKey(key) ? undefined : 'tls: private key does not match public key';
}

/** tls.go parsePrivateKey: PKCS #1, then PKCS #8, then SEC 1 (EC), whatever the PEM type says. */
function parsePrivateKey(der: Buffer): KeyObject | undefined {
  for (const type of ['pkcs1', 'pkcs8', 'sec1'] as const) {
    try {
      return createPrivateKey({ key: der, format: 'der', type });
    } catch {
      /* not this encoding: try the next, as Go does */
    }
  }
  return undefined;
}
