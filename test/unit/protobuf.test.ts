// The emulated API server's protobuf reader (test/support/protobuf.ts): kubectl's typed POST bodies.
import { describe, expect, it } from 'vitest';
import {
  decodeFields,
  decodeKubernetesProtobuf,
  decodeUnknownEnvelope,
  encodeBytesField,
  encodeMapField,
  encodeUnknownEnvelope,
  encodeVarintField,
} from '../support/protobuf.js';

const meta = (fields: Buffer[]) => encodeBytesField(1, Buffer.concat(fields));

describe('decodeFields', () => {
  it('reads varint, length-delimited and fixed fields in wire order', () => {
    const buf = Buffer.concat([
      encodeVarintField(1, 300),
      encodeBytesField(2, 'hi'),
      Buffer.from([(3 << 3) | 5, 1, 2, 3, 4]),
      encodeVarintField(4, 2n ** 40n),
    ]);
    const fields = decodeFields(buf);
    expect(fields.map((f) => [f.field, f.wireType])).toEqual([
      [1, 0],
      [2, 2],
      [3, 5],
      [4, 0],
    ]);
    expect(fields[0]).toMatchObject({ value: 300n });
    expect(fields[3]).toMatchObject({ value: 2n ** 40n });
  });

  it.each([
    ['a truncated varint', Buffer.from([0x08, 0x80])],
    ['a length beyond the end', Buffer.from([0x12, 0x05, 0x61])],
    ['an unsupported wire type (group)', Buffer.from([0x0b])],
    ['field number zero', Buffer.from([0x00, 0x01])],
  ])('throws on %s', (_name, buf) => {
    expect(() => decodeFields(buf)).toThrow(/protobuf/);
  });
});

describe('decodeUnknownEnvelope', () => {
  it('needs the k8s\\0 magic', () => {
    expect(() => decodeUnknownEnvelope(Buffer.from('{"kind":"Secret"}'))).toThrow(/magic/);
  });

  it('returns the TypeMeta and the raw object bytes', () => {
    const env = decodeUnknownEnvelope(encodeUnknownEnvelope('v1', 'Secret', Buffer.from([1, 2, 3])));
    expect(env).toMatchObject({ apiVersion: 'v1', kind: 'Secret', contentEncoding: '', contentType: '' });
    expect([...env.raw]).toEqual([1, 2, 3]);
  });
});

describe('decodeKubernetesProtobuf', () => {
  it.each([
    [
      'a TokenRequest with audiences, expirationSeconds and a bound Pod',
      encodeUnknownEnvelope(
        'authentication.k8s.io/v1',
        'TokenRequest',
        encodeBytesField(
          2,
          Buffer.concat([
            encodeBytesField(1, 'https://kubernetes.default.svc'),
            encodeBytesField(1, 'vault'),
            encodeBytesField(3, Buffer.concat([encodeBytesField(1, 'Pod'), encodeBytesField(2, 'v1'), encodeBytesField(3, 'web'), encodeBytesField(4, 'uid-1')])),
            encodeVarintField(4, 3600),
          ]),
        ),
      ),
      {
        kind: 'TokenRequest',
        spec: {
          audiences: ['https://kubernetes.default.svc', 'vault'],
          expirationSeconds: 3600,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'uid-1' },
        },
      },
    ],
    [
      'an empty TokenRequest (server defaults apply)',
      encodeUnknownEnvelope('authentication.k8s.io/v1', 'TokenRequest', Buffer.alloc(0)),
      { kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: null, boundObjectRef: null } },
    ],
    [
      'a SelfSubjectReview',
      encodeUnknownEnvelope('authentication.k8s.io/v1', 'SelfSubjectReview', Buffer.alloc(0)),
      { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1' },
    ],
    [
      'a SelfSubjectAccessReview for resource attributes',
      encodeUnknownEnvelope(
        'authorization.k8s.io/v1',
        'SelfSubjectAccessReview',
        encodeBytesField(
          2,
          encodeBytesField(1, Buffer.concat([encodeBytesField(1, 'team-a'), encodeBytesField(2, 'list'), encodeBytesField(5, 'pods'), encodeBytesField(6, 'log')])),
        ),
      ),
      { kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'team-a', verb: 'list', resource: 'pods', subresource: 'log' } } },
    ],
    [
      'a SelfSubjectAccessReview for a non-resource URL',
      encodeUnknownEnvelope(
        'authorization.k8s.io/v1',
        'SelfSubjectAccessReview',
        encodeBytesField(2, encodeBytesField(2, Buffer.concat([encodeBytesField(1, '/healthz'), encodeBytesField(2, 'get')]))),
      ),
      { spec: { nonResourceAttributes: { path: '/healthz', verb: 'get' } } },
    ],
    [
      'a service-account-token Secret with annotations, data and stringData',
      encodeUnknownEnvelope(
        'v1',
        'Secret',
        Buffer.concat([
          meta([encodeBytesField(1, 'robot'), encodeBytesField(3, 'team-a'), encodeMapField(12, { 'kubernetes.io/service-account.name': 'ci' })]),
          encodeMapField(2, { 'ca.crt': Buffer.from([0xff, 0x00]) }),
          encodeBytesField(3, 'kubernetes.io/service-account-token'),
          encodeMapField(4, { note: 'plain' }),
        ]),
      ),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'robot', namespace: 'team-a', annotations: { 'kubernetes.io/service-account.name': 'ci' } },
        data: { 'ca.crt': Buffer.from([0xff, 0x00]).toString('base64') },
        type: 'kubernetes.io/service-account-token',
        stringData: { note: 'plain' },
      },
    ],
  ])('decodes %s into its JSON shape', (_name, body, expected) => {
    expect(decodeKubernetesProtobuf(body)).toMatchObject(expected);
  });

  it('refuses kinds it does not know', () => {
    expect(() => decodeKubernetesProtobuf(encodeUnknownEnvelope('apps/v1', 'Deployment', Buffer.alloc(0)))).toThrow(/unsupported kind Deployment/);
  });
});
