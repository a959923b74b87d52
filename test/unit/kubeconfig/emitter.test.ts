// emitter.ts must write exactly what js-yaml's dump writes (codec.ts dumpKubeconfig), wherever it
// writes anything; where it cannot be sure it must decline, and codec.ts falls back to js-yaml.
import fc from 'fast-check';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { dumpKubeconfig, parseKubeconfig, stringifyKubeconfig } from '../../../src/kubeconfig/codec.js';
import { emitKubeconfig } from '../../../src/kubeconfig/emitter.js';
import type { Kubeconfig } from '../../../src/kubeconfig/schema.js';

const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJrdWJlcm5ldGVzIiwic3ViIjoic3lzdGVtOnNlcnZpY2VhY2NvdW50OnRlYW0tYTpkZXBsb3llciJ9.c2ln-_';
const CA_DATA = `${'TUlJQ'.repeat(300)}Zz09`;

/** What init, from-secret and from-serviceaccount write: the emitter must take all of these. */
const written: Kubeconfig = {
  apiVersion: 'v1',
  kind: 'Config',
  preferences: {},
  clusters: [
    { name: 'kubernetes.default.svc', cluster: { server: 'https://kubernetes.default.svc', 'certificate-authority': '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' } },
    { name: '10.96.0.1', cluster: { server: 'https://10.96.0.1:443', 'certificate-authority-data': CA_DATA, 'tls-server-name': 'kubernetes.default.svc', 'insecure-skip-tls-verify': false } },
  ],
  users: [
    { name: 'team-a/deployer@10.96.0.1', user: { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token', 'token-file': '/var/run/secrets/kubernetes.io/serviceaccount/token' } },
    { name: 'ci/builder@prod.example.com', user: { token: JWT } },
  ],
  contexts: [
    { name: 'team-a/deployer@10.96.0.1', context: { cluster: '10.96.0.1', user: 'team-a/deployer@10.96.0.1', namespace: 'team-a' } },
    { name: 'ci/builder@prod.example.com', context: { cluster: 'prod.example.com', user: 'ci/builder@prod.example.com', namespace: 'ci' } },
  ],
  'current-context': 'team-a/deployer@10.96.0.1',
};

describe('emitKubeconfig', () => {
  it('writes what we write without js-yaml, as js-yaml would', () => {
    const text = emitKubeconfig(written);
    expect(text).toBeDefined();
    expect(text).toBe(dumpKubeconfig(written));
    expect(parseKubeconfig(text ?? '', 'x')).toEqual({ ...written, clusters: [written.clusters?.[1], written.clusters?.[0]], users: [written.users?.[1], written.users?.[0]], contexts: [written.contexts?.[1], written.contexts?.[0]] });
  });

  it('writes the layout js-yaml writes: sorted keys, indented sequences, {} and [] for empty ones', () => {
    expect(emitKubeconfig({ clusters: [{ name: 'b', cluster: { server: 'https://b' } }, { name: 'a', cluster: {} }], 'current-context': '', users: [], contexts: [] })).toBe(
      [
        'apiVersion: v1',
        'clusters:',
        '  - cluster: {}',
        '    name: a',
        '  - cluster:',
        '      server: https://b',
        '    name: b',
        'contexts: []',
        'current-context: ""',
        'kind: Config',
        'users: []',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['a word YAML 1.1 reads as a boolean', 'yes'],
    ['a YAML 1.2 boolean', 'True'],
    ['null', 'NULL'],
    ['a number', '1.5'],
    ['a hexadecimal number', '0x1F'],
    ['a date', '2026-12-01'],
    ['a number with _ (a number to go-yaml)', '1_000'],
    ['two dots and an underscore', '1.2_3.4'],
    ['a sexagesimal number', '1:20'],
    ['a leading indicator', '-x'],
    ['a space', 'a b'],
    ['a trailing colon', 'a:'],
    ['a comment sign', 'a#b'],
    ['a newline', 'a\nb'],
    ['non-ASCII', 'caf\u00e9'],
    ['an IPv6 server', 'https://[fd00::1]:6443'],
  ])('declines %s (%j), which js-yaml quotes or might', (_label, value) => {
    expect(emitKubeconfig({ 'current-context': value })).toBeUndefined();
    expect(stringifyKubeconfig({ 'current-context': value })).toBe(dumpKubeconfig({ 'current-context': value }));
  });

  it.each([
    ['a number', 3],
    ['null', null],
    ['a Date', new Date(0)],
    ['an undefined list item', [undefined]],
    ['a key js-yaml would quote', { 'a b': 'c' }],
  ])('declines %s, which only js-yaml writes', (_label, value) => {
    expect(emitKubeconfig({ 'x-extra': value })).toBeUndefined();
  });

  it('declines a cycle instead of recursing forever', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(emitKubeconfig({ 'x-extra': cycle })).toBeUndefined();
  });

  it('skips undefined values, as js-yaml does', () => {
    const config = { 'current-context': 'a', clusters: [{ name: 'a', cluster: { server: undefined, 'proxy-url': 'http://proxy:3128' } }] } as Kubeconfig;
    expect(emitKubeconfig(config)).toBe(dumpKubeconfig(config));
  });

  // Strings from an alphabet dense in the characters that decide YAML's quoting, in trees shaped
  // like kubeconfigs. Fixed seed, so that CI is repeatable.
  const tricky = fc.oneof(
    fc.stringMatching(/^[-a-zA-Z0-9._/@:+=~#!&*|>'"%`,?[\]{} \n]{0,12}$/),
    fc.stringMatching(/^[0-9][0-9._:eExXoObB+-]{0,10}$/),
    fc.stringMatching(/^[a-zA-Z0-9/][-a-zA-Z0-9._/@:+=]{0,16}$/),
    fc.constantFrom('yes', 'No', 'ON', 'off', 'y', 'N', 'true', 'FALSE', 'null', 'Null', '~', '<<', '.inf', '.NaN', '2001-12-14t21:59:43.10-05:00', '1_0.0.1', '10.96.0.1', '1.2.3', '0.0.0.0', '1e3', '.5'),
  );
  const key = fc.oneof(fc.constantFrom('server', 'name', 'cluster', 'user', 'token', 'tokenFile', 'namespace', 'extensions', 'x-extra'), tricky);
  const leaf = fc.oneof(tricky, fc.boolean(), fc.constant(undefined), fc.integer({ min: -3, max: 3 }));
  const tree = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('map'), tie('list')),
    map: fc.dictionary(key, tie('node'), { maxKeys: 4 }),
    list: fc.array(tie('node'), { maxLength: 3 }),
  })).node;

  it('is js-yaml, byte for byte, wherever it emits (generated values)', () => {
    let emitted = 0;
    fc.assert(
      fc.property(tree, tree, (a, b) => {
        const config = { 'x-a': a, 'x-b': b } as Kubeconfig;
        const text = emitKubeconfig(config);
        if (text === undefined) return;
        emitted += 1;
        expect(text).toBe(dumpKubeconfig(config));
      }),
      { numRuns: 4000, seed: 20261201 },
    );
    // Not a vacuous pass: a good share of the generated values are emitted.
    expect(emitted).toBeGreaterThan(400);
  });

  it('emits every generated plain string as js-yaml does, and declines what js-yaml quotes', () => {
    let plain = 0;
    fc.assert(
      fc.property(tricky, (value) => {
        const config = { 'current-context': value };
        const text = emitKubeconfig(config);
        const reference = dumpKubeconfig(config);
        if (text !== undefined) {
          plain += 1;
          expect(text).toBe(reference);
          expect((load(text) as Record<string, unknown>)['current-context']).toBe(value);
        }
      }),
      { numRuns: 10000, seed: 20261201 },
    );
    expect(plain).toBeGreaterThan(1000);
  });
});
