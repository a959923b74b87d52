// Just enough protobuf to read what kubectl POSTs with `Content-Type: application/vnd.kubernetes.protobuf`
// (kubectl create token / auth whoami / auth can-i / create secret): the 4-byte magic `k8s\0`, then a
// runtime.Unknown {1: TypeMeta{1 apiVersion, 2 kind}, 2: raw, 3: contentEncoding, 4: contentType}
// (apimachinery pkg/runtime/generated.proto, serializer/protobuf/protobuf.go). Field numbers below
// are from k8s.io/api generated.proto files (authentication/v1, authorization/v1, core/v1) and
// apimachinery meta/v1 ObjectMeta. The decoders return the JSON shape the API uses, so the server
// handles protobuf and JSON bodies alike. Node built-ins only.

export const KUBERNETES_PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

export type WireField =
  | { readonly field: number; readonly wireType: 0; readonly value: bigint }
  | { readonly field: number; readonly wireType: 1 | 5; readonly bytes: Uint8Array }
  | { readonly field: number; readonly wireType: 2; readonly bytes: Uint8Array };

function readVarint(buf: Uint8Array, offset: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let i = offset; i < buf.length; i++) {
    const byte = buf[i] ?? 0;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
    shift += 7n;
    if (shift > 63n) throw new Error('protobuf: varint too long');
  }
  throw new Error('protobuf: truncated varint');
}

/** Splits a message into its fields, in wire order. Throws on truncated or unsupported input. */
export function decodeFields(buf: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const tag = readVarint(buf, offset);
    offset = tag.next;
    const field = Number(tag.value >> 3n);
    const wireType = Number(tag.value & 7n);
    if (field === 0) throw new Error('protobuf: field number 0');
    switch (wireType) {
      case 0: {
        const v = readVarint(buf, offset);
        offset = v.next;
        fields.push({ field, wireType: 0, value: v.value });
        break;
      }
      case 1:
      case 5: {
        const size = wireType === 1 ? 8 : 4;
        if (offset + size > buf.length) throw new Error('protobuf: truncated fixed field');
        fields.push({ field, wireType, bytes: buf.subarray(offset, offset + size) });
        offset += size;
        break;
      }
      case 2: {
        const len = readVarint(buf, offset);
        offset = len.next;
        const end = offset + Number(len.value);
        if (end > buf.length) throw new Error('protobuf: truncated length-delimited field');
        fields.push({ field, wireType: 2, bytes: buf.subarray(offset, end) });
        offset = end;
        break;
      }
      default:
        throw new Error(`protobuf: unsupported wire type ${wireType}`);
    }
  }
  return fields;
}

function bytesOf(fields: readonly WireField[], field: number): Uint8Array | undefined {
  let found: Uint8Array | undefined;
  for (const f of fields) if (f.field === field && f.wireType === 2) found = f.bytes; // last one wins
  return found;
}

function allBytesOf(fields: readonly WireField[], field: number): Uint8Array[] {
  return fields.filter((f) => f.field === field && f.wireType === 2).map((f) => (f as { bytes: Uint8Array }).bytes);
}

function stringOf(fields: readonly WireField[], field: number): string | undefined {
  const b = bytesOf(fields, field);
  return b === undefined ? undefined : Buffer.from(b).toString('utf8');
}

function varintOf(fields: readonly WireField[], field: number): bigint | undefined {
  let found: bigint | undefined;
  for (const f of fields) if (f.field === field && f.wireType === 0) found = f.value;
  return found;
}

function int64Of(fields: readonly WireField[], field: number): number | undefined {
  const v = varintOf(fields, field);
  return v === undefined ? undefined : Number(BigInt.asIntN(64, v));
}

/** map<string, V> entries are messages {1: key, 2: value}. */
function mapOf(fields: readonly WireField[], field: number): Map<string, Uint8Array> {
  const map = new Map<string, Uint8Array>();
  for (const entry of allBytesOf(fields, field)) {
    const e = decodeFields(entry);
    map.set(stringOf(e, 1) ?? '', bytesOf(e, 2) ?? new Uint8Array());
  }
  return map;
}

function stringMapOf(fields: readonly WireField[], field: number): Record<string, string> | undefined {
  const map = mapOf(fields, field);
  if (map.size === 0) return undefined;
  return Object.fromEntries([...map].map(([k, v]) => [k, Buffer.from(v).toString('utf8')]));
}

export interface UnknownEnvelope {
  readonly apiVersion: string;
  readonly kind: string;
  readonly raw: Uint8Array;
  readonly contentEncoding: string;
  readonly contentType: string;
}

export function isKubernetesProtobuf(body: Uint8Array): boolean {
  return body.length >= 4 && Buffer.from(body.subarray(0, 4)).equals(KUBERNETES_PROTOBUF_MAGIC);
}

/** Strips the `k8s\0` magic and decodes the runtime.Unknown envelope. */
export function decodeUnknownEnvelope(body: Uint8Array): UnknownEnvelope {
  if (!isKubernetesProtobuf(body)) throw new Error('protobuf: missing k8s\\0 magic');
  const fields = decodeFields(body.subarray(4));
  const typeMeta = decodeFields(bytesOf(fields, 1) ?? new Uint8Array());
  return {
    apiVersion: stringOf(typeMeta, 1) ?? '',
    kind: stringOf(typeMeta, 2) ?? '',
    raw: bytesOf(fields, 2) ?? new Uint8Array(),
    contentEncoding: stringOf(fields, 3) ?? '',
    contentType: stringOf(fields, 4) ?? '',
  };
}

export interface ObjectMetaJson {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** meta/v1 ObjectMeta: name=1 generateName=2 namespace=3 uid=5 resourceVersion=6 labels=11 annotations=12. */
export function decodeObjectMeta(raw: Uint8Array): ObjectMetaJson {
  const f = decodeFields(raw);
  const meta: ObjectMetaJson = {};
  const set = (key: 'name' | 'generateName' | 'namespace' | 'uid' | 'resourceVersion', n: number): void => {
    const v = stringOf(f, n);
    if (v) meta[key] = v;
  };
  set('name', 1);
  set('generateName', 2);
  set('namespace', 3);
  set('uid', 5);
  set('resourceVersion', 6);
  const labels = stringMapOf(f, 11);
  if (labels) meta.labels = labels;
  const annotations = stringMapOf(f, 12);
  if (annotations) meta.annotations = annotations;
  return meta;
}

function metadataOf(fields: readonly WireField[]): ObjectMetaJson {
  const raw = bytesOf(fields, 1);
  return raw ? decodeObjectMeta(raw) : {};
}

/** authentication/v1 TokenRequest {1 metadata, 2 spec{1 audiences, 3 boundObjectRef{1 kind,2 apiVersion,3 name,4 uid}, 4 expirationSeconds}}. */
export function decodeTokenRequest(raw: Uint8Array): Record<string, unknown> {
  const f = decodeFields(raw);
  const spec = decodeFields(bytesOf(f, 2) ?? new Uint8Array());
  const refRaw = bytesOf(spec, 3);
  let boundObjectRef: Record<string, string> | null = null;
  if (refRaw) {
    const r = decodeFields(refRaw);
    boundObjectRef = {};
    for (const [key, n] of [['kind', 1], ['apiVersion', 2], ['name', 3], ['uid', 4]] as const) {
      const v = stringOf(r, n);
      if (v) boundObjectRef[key] = v;
    }
  }
  const expirationSeconds = int64Of(spec, 4);
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: metadataOf(f),
    spec: {
      audiences: allBytesOf(spec, 1).map((b) => Buffer.from(b).toString('utf8')),
      expirationSeconds: expirationSeconds ?? null,
      boundObjectRef,
    },
  };
}

/** authentication/v1 SelfSubjectReview {1 metadata, 2 status}: the request carries nothing. */
export function decodeSelfSubjectReview(raw: Uint8Array): Record<string, unknown> {
  const f = decodeFields(raw);
  return { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: metadataOf(f) };
}

/**
 * authorization/v1 SelfSubjectAccessReview {1 metadata, 2 spec{1 resourceAttributes{1 namespace,
 * 2 verb, 3 group, 4 version, 5 resource, 6 subresource, 7 name}, 2 nonResourceAttributes{1 path, 2 verb}}}.
 */
export function decodeSelfSubjectAccessReview(raw: Uint8Array): Record<string, unknown> {
  const f = decodeFields(raw);
  const spec = decodeFields(bytesOf(f, 2) ?? new Uint8Array());
  const out: Record<string, unknown> = {};
  const ra = bytesOf(spec, 1);
  if (ra) {
    const r = decodeFields(ra);
    const attrs: Record<string, string> = {};
    const names = ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'] as const;
    names.forEach((key, i) => {
      const v = stringOf(r, i + 1);
      if (v) attrs[key] = v;
    });
    out.resourceAttributes = attrs;
  }
  const nra = bytesOf(spec, 2);
  if (nra) {
    const r = decodeFields(nra);
    out.nonResourceAttributes = { path: stringOf(r, 1) ?? '', verb: stringOf(r, 2) ?? '' };
  }
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: metadataOf(f), spec: out };
}

/** authorization/v1 SelfSubjectRulesReview {1 metadata, 2 spec{1 namespace}}. */
export function decodeSelfSubjectRulesReview(raw: Uint8Array): Record<string, unknown> {
  const f = decodeFields(raw);
  const spec = decodeFields(bytesOf(f, 2) ?? new Uint8Array());
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectRulesReview',
    metadata: metadataOf(f),
    spec: { namespace: stringOf(spec, 1) ?? '' },
  };
}

/** core/v1 Secret {1 metadata, 2 data map<string,bytes>, 3 type, 4 stringData map<string,string>, 5 immutable}. Data comes back base64 as in JSON. */
export function decodeSecret(raw: Uint8Array): Record<string, unknown> {
  const f = decodeFields(raw);
  const data = mapOf(f, 2);
  const out: Record<string, unknown> = { apiVersion: 'v1', kind: 'Secret', metadata: metadataOf(f) };
  if (data.size > 0) out.data = Object.fromEntries([...data].map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  const type = stringOf(f, 3);
  if (type) out.type = type;
  const stringData = stringMapOf(f, 4);
  if (stringData) out.stringData = stringData;
  const immutable = varintOf(f, 5);
  if (immutable !== undefined) out.immutable = immutable !== 0n;
  return out;
}

/** core/v1 ConfigMap {1 metadata, 2 data map<string,string>, 3 binaryData map<string,bytes>}. */
export function decodeConfigMap(raw: Uint8Array): Record<string, unknown> {
  const f = decodeFields(raw);
  const out: Record<string, unknown> = { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadataOf(f) };
  const data = stringMapOf(f, 2);
  if (data) out.data = data;
  return out;
}

/** core/v1 ServiceAccount {1 metadata, …}: only the metadata matters here. */
export function decodeServiceAccount(raw: Uint8Array): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadataOf(decodeFields(raw)) };
}

const DECODERS: Readonly<Record<string, (raw: Uint8Array) => Record<string, unknown>>> = {
  TokenRequest: decodeTokenRequest,
  SelfSubjectReview: decodeSelfSubjectReview,
  SelfSubjectAccessReview: decodeSelfSubjectAccessReview,
  SelfSubjectRulesReview: decodeSelfSubjectRulesReview,
  Secret: decodeSecret,
  ConfigMap: decodeConfigMap,
  ServiceAccount: decodeServiceAccount,
};

/**
 * Decodes a `application/vnd.kubernetes.protobuf` body into the object's JSON form.
 * Throws for kinds this emulator does not know (the server answers 415 then).
 */
export function decodeKubernetesProtobuf(body: Uint8Array): Record<string, unknown> {
  const envelope = decodeUnknownEnvelope(body);
  const decode = DECODERS[envelope.kind];
  if (!decode) throw new Error(`protobuf: unsupported kind ${envelope.kind || '(none)'}`);
  const obj = decode(envelope.raw);
  return { ...obj, apiVersion: envelope.apiVersion || obj.apiVersion };
}

// ---- encoding (for tests that need to send what kubectl sends) ----

function encodeVarint(value: bigint | number): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

export function encodeVarintField(field: number, value: bigint | number): Buffer {
  return Buffer.concat([encodeVarint((field << 3) | 0), encodeVarint(value)]);
}

export function encodeBytesField(field: number, bytes: Uint8Array | string): Buffer {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
  return Buffer.concat([encodeVarint((field << 3) | 2), encodeVarint(b.length), b]);
}

export function encodeMapField(field: number, entries: Readonly<Record<string, Uint8Array | string>>): Buffer {
  return Buffer.concat(
    Object.entries(entries).map(([k, v]) =>
      encodeBytesField(field, Buffer.concat([encodeBytesField(1, k), encodeBytesField(2, v)])),
    ),
  );
}

/** Wraps a typed object's protobuf bytes the way client-go does: magic + runtime.Unknown. */
export function encodeUnknownEnvelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const typeMeta = Buffer.concat([encodeBytesField(1, apiVersion), encodeBytesField(2, kind)]);
  return Buffer.concat([
    KUBERNETES_PROTOBUF_MAGIC,
    encodeBytesField(1, typeMeta),
    encodeBytesField(2, raw),
    encodeBytesField(3, ''),
    encodeBytesField(4, ''),
  ]);
}
