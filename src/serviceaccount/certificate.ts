// Is a PEM block an X.509 certificate? A pure check of the DER structure (RFC 5280 §4.1), in place
// of node:crypto's X509Certificate: loading node:crypto and OpenSSL's parser costs 3–4 ms of
// every `init`, about half of what the whole command may add to bare `node -e 0` (measured here,
// Node 20.20: 20.7 ms for a script reading ca.crt, 24.2 ms with X509Certificate).
//
// It checks what tells a certificate from anything else that is put in ca.crt by mistake (a key,
// a CSR, a truncated or re-encoded file): valid base64; DER elements with definite lengths that
// nest exactly, and nothing after the end (OpenSSL and Go's x509.ParseCertificate, which client-go
// uses, both refuse trailing data); the Certificate and TBSCertificate fields in order, with their
// tags. Where OpenSSL is lenient (a non-minimal length, a SEQUENCE tag without its constructed
// bit), so are we: this replaced X509Certificate and must not refuse a file that passed it.
// It does not look inside names, algorithm parameters, keys or extensions, nor verify a
// signature: OpenSSL's parser, too, keeps the values of ANY fields undecoded, and no check of
// ours may refuse a certificate OpenSSL accepts (test/unit/serviceaccount/certificate.test.ts).

const TAG = {
  integer: 0x02,
  bitString: 0x03,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  primitiveSequence: 0x10, // SEQUENCE without the constructed bit: malformed, but OpenSSL parses it
  version: 0xa0, // [0] EXPLICIT
  issuerUniqueId: 0x81, // [1] IMPLICIT
  subjectUniqueId: 0x82, // [2] IMPLICIT
  extensions: 0xa3, // [3] EXPLICIT
} as const;

interface Element {
  readonly tag: number;
  /** Offset of the contents (after tag and length). */
  readonly body: number;
  /** Offset just past the element. */
  readonly end: number;
}

/** Why the block is not a certificate, or undefined when it is one. */
export function describeCertificateProblem(pemBlock: string): string | undefined {
  const der = decodePemBody(pemBlock);
  if (typeof der === 'string') return der;
  const root = readElement(der, 0, der.length);
  if (typeof root === 'string') return root;
  if (root.end !== der.length) return 'data after the end of the certificate';
  return checkCertificateFields(der, root);
}

function decodePemBody(pemBlock: string): Uint8Array | string {
  const match = /^-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----$/.exec(pemBlock.trim());
  if (!match) return 'not a PEM CERTIFICATE block';
  const base64 = (match[1] ?? '').replace(/\s+/g, '');
  if (base64 === '') return 'the block is empty';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) return 'the block is not valid base64';
  return Buffer.from(base64, 'base64');
}

function readElement(der: Uint8Array, offset: number, limit: number): Element | string {
  if (offset + 2 > limit) return 'truncated DER';
  const tag = der[offset] as number;
  // Multi-byte (high) tag numbers do not occur in the structure we check; inside extensions
  // they are skipped over like any other element.
  let cursor = offset + 1;
  if ((tag & 0x1f) === 0x1f) {
    while (cursor < limit && ((der[cursor] as number) & 0x80) !== 0) cursor += 1;
    cursor += 1;
    if (cursor >= limit) return 'truncated DER';
  }
  const first = der[cursor] as number;
  cursor += 1;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const octets = first & 0x7f;
    // 0x80 is BER's indefinite length, which DER forbids; more than 4 octets cannot fit in a file.
    if (octets === 0 || octets > 4) return 'not DER (indefinite or oversized length)';
    if (cursor + octets > limit) return 'truncated DER';
    length = 0;
    for (let i = 0; i < octets; i += 1) length = length * 256 + (der[cursor + i] as number);
    // DER wants the shortest form; OpenSSL also takes a longer one (0x81 0x0f for 15), so we do.
    cursor += octets;
  }
  if (cursor + length > limit) return 'truncated DER';
  return { tag, body: cursor, end: cursor + length };
}

/** The elements inside a constructed one, which must fill it exactly. */
function childrenOf(der: Uint8Array, element: Element): Element[] | string {
  const children: Element[] = [];
  for (let offset = element.body; offset < element.end; ) {
    const child = readElement(der, offset, element.end);
    if (typeof child === 'string') return child;
    children.push(child);
    offset = child.end;
  }
  return children;
}

function checkCertificateFields(der: Uint8Array, root: Element): string | undefined {
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
  if (root.tag !== TAG.sequence) return 'not a DER SEQUENCE';
  const certificate = childrenOf(der, root);
  if (typeof certificate === 'string') return certificate;
  if (certificate.length !== 3 || certificate[0]?.tag !== TAG.sequence || certificate[1]?.tag !== TAG.sequence || certificate[2]?.tag !== TAG.bitString) {
    return 'not shaped like a certificate (tbsCertificate, signatureAlgorithm, signature)';
  }
  // TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity,
  //   subject, subjectPublicKeyInfo, [1] issuerUniqueID, [2] subjectUniqueID, [3] extensions (all OPTIONAL) }
  const fields = childrenOf(der, certificate[0]);
  if (typeof fields === 'string') return fields;
  let index = fields[0]?.tag === TAG.version ? 1 : 0;
  const expect = (tags: readonly number[], name: string): Element | string => {
    const field = fields[index];
    if (field === undefined || !tags.includes(field.tag)) return `the ${name} field is missing or has the wrong type`;
    index += 1;
    return field;
  };
  // OpenSSL also takes a Name whose SEQUENCE tag lacks the constructed bit (0x10); Go would not,
  // but no check of ours may refuse what OpenSSL accepts.
  for (const [tags, name] of [
    [[TAG.integer], 'serialNumber'],
    [[TAG.sequence], 'signature algorithm'],
    [[TAG.sequence, TAG.primitiveSequence], 'issuer'],
  ] as const) {
    const field = expect(tags, name);
    if (typeof field === 'string') return field;
  }
  const validity = expect([TAG.sequence], 'validity');
  if (typeof validity === 'string') return validity;
  const times = childrenOf(der, validity);
  if (typeof times === 'string') return times;
  const isTime = (element: Element | undefined) => element?.tag === TAG.utcTime || element?.tag === TAG.generalizedTime;
  if (times.length !== 2 || !isTime(times[0]) || !isTime(times[1])) return 'the validity field is not two times';
  const subject = expect([TAG.sequence, TAG.primitiveSequence], 'subject');
  if (typeof subject === 'string') return subject;
  const publicKey = expect([TAG.sequence], 'subjectPublicKeyInfo');
  if (typeof publicKey === 'string') return publicKey;
  const keyParts = childrenOf(der, publicKey);
  if (typeof keyParts === 'string') return keyParts;
  if (keyParts.length !== 2 || keyParts[0]?.tag !== TAG.sequence || keyParts[1]?.tag !== TAG.bitString) return 'the subjectPublicKeyInfo field is malformed';
  let lastOptional = 0;
  for (const field of fields.slice(index)) {
    const order = [TAG.issuerUniqueId, TAG.subjectUniqueId, TAG.extensions].indexOf(field.tag as 0x81 | 0x82 | 0xa3) + 1;
    if (order === 0 || order <= lastOptional) return 'unexpected fields after subjectPublicKeyInfo';
    lastOptional = order;
  }
  return undefined;
}
