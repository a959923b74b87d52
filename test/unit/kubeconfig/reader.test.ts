// reader.ts reads kubeconfigs without js-yaml and zod. Wherever it answers, the answer must be
// js-yaml's load (codec.ts's schema) and then zod's parse; everything else it must decline, and
// codec.ts decides. And it must answer for what kubectl and we write, or it saves nothing.
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadGoYaml, MAX_EXPANDED_NODES, parseKubeconfig, stringifyKubeconfig } from '../../../src/kubeconfig/codec.js';
import { MAX_LINES, parseKubeconfigText, readPlainKubeconfig, readPlainYaml } from '../../../src/kubeconfig/reader.js';
import { kubeconfigSchemas } from '../../../src/kubeconfig/schema.js';
import { matchesKubeconfigShape, SHAPES } from '../../../src/kubeconfig/shape.js';

const CA_DATA = `${'TUlJQ'.repeat(300)}Zz09`;

/** What `kubectl config view --raw` writes (go-yaml: lists under their key, not indented). */
const BY_KUBECTL = [
  'apiVersion: v1',
  'clusters:',
  '- cluster:',
  `    certificate-authority-data: ${CA_DATA}`,
  '    server: https://203.0.113.10:6443',
  '  name: kind-kind',
  '- cluster:',
  '    insecure-skip-tls-verify: true',
  '    server: https://10.0.0.1:6443',
  '  name: insecure',
  'contexts:',
  '- context:',
  '    cluster: kind-kind',
  '    namespace: team-a',
  '    user: kind-kind',
  '  name: kind-kind',
  'current-context: kind-kind',
  'kind: Config',
  'preferences: {}',
  'users:',
  '- name: kind-kind',
  '  user:',
  '    client-certificate-data: LS0tLS1CRUdJTg==',
  '    client-key-data: LS0tLS1CRUdJTg==',
  '- name: eks',
  '  user:',
  '    exec:',
  '      apiVersion: client.authentication.k8s.io/v1beta1',
  '      args:',
  '      - eks',
  '      - get-token',
  '      - --cluster-name',
  '      - prod',
  '      command: aws',
  '      env: null',
  '      interactiveMode: IfAvailable',
  '      provideClusterInfo: false',
  '- name: sa',
  '  user:',
  '    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token',
  '',
].join('\n');

function parseByJsYaml(text: string): { readonly value?: unknown; readonly error?: unknown } {
  try {
    return { value: loadGoYaml(text) };
  } catch (error) {
    return { error };
  }
}

describe('readPlainKubeconfig', () => {
  it('reads the exec args kubectl writes, options included', () => {
    expect(readPlainKubeconfig(BY_KUBECTL)?.users?.[1]?.user?.exec?.args).toEqual(['eks', 'get-token', '--cluster-name', 'prod']);
  });

  it.each([
    ['what kubectl writes', BY_KUBECTL],
    ['what we write', stringifyKubeconfig({ ...parseKubeconfig(BY_KUBECTL, 'x'), 'current-context': '' })],
    ['an empty file', ''],
    ['only blank lines', '\n  \n\n'],
    ['a byte-order mark', '\uFEFFapiVersion: v1\nkind: Config\n'],
    ['quoted values', 'current-context: ""\nkind: \'Config\'\npreferences: {}\nclusters: []\n'],
    ['null lists', 'clusters:\nusers: null\ncontexts:\n'],
    ['keys we do not know', 'x-extra:\n  nested:\n  - a\n  - b: true\n    c: 10.0.0.1\n'],
  ])('reads %s as codec.ts does', (_label, text) => {
    const fast = readPlainKubeconfig(text);
    expect(fast).toBeDefined();
    expect(fast).toStrictEqual(parseKubeconfig(text, 'x'));
  });

  it.each([
    ['a comment', 'kind: Config # here\n'],
    ['a tab', 'kind:\tConfig\n'],
    ['CRLF line ends', 'kind: Config\r\n'],
    ['a number', 'x-port: 6443\n'],
    ['a YAML 1.2 boolean in capitals', 'x: True\n'],
    ['a string with a space', 'current-context: a b\n'],
    ['an escape in double quotes', 'current-context: "a\\tb"\n'],
    ['a doubled single quote', "current-context: 'it''s'\n"],
    ['an anchor and alias', 'a: &x b\nc: *x\n'],
    ['a merge key', 'a:\n  b: c\nd:\n  <<: {}\n'],
    ['a block scalar', 'a: |\n  b\n'],
    ['a flow list', 'a: [b]\n'],
    ['a multi-line plain scalar', 'current-context: a\n  b\n'],
    ['a document marker', '---\nkind: Config\n'],
    ['a top-level list', '- a\n'],
    ['an indented top level', '  kind: Config\n'],
    ['a duplicate key', 'kind: Config\nkind: Other\n'],
    ['a duplicate entry name', 'clusters:\n- name: a\n- name: a\n'],
    ['a trailing space', 'kind: Config \n'],
    ['non-ASCII', 'current-context: caf\u00e9\n'],
    ['an IPv6 server (brackets, which js-yaml reads as text here)', 'clusters:\n- name: a\n  cluster:\n    server: https://[fd00::1]:6443\n'],
    ['a wrong type for a known field', 'clusters:\n- name: a\n  cluster:\n    server: true\n'],
    ['null where the schema has no null', 'clusters:\n- name: a\n  cluster:\n    server: null\n'],
    ['an entry without a name', 'users:\n- user:\n    token: abc\n'],
    ['a list item where a key belongs', 'kind: Config\n- a\n'],
    ['a key without a value and a deeper line after', 'a:\n  b: c\n    d: e\n'],
  ])('declines %s, and codec.ts decides', async (_label, text) => {
    expect(readPlainKubeconfig(text)).toBeUndefined();
    // parseKubeconfigText is then exactly codec.ts: the same value or the same error.
    let expected: { value?: unknown; error?: string };
    try {
      expected = { value: parseKubeconfig(text, 'f') };
    } catch (error) {
      expected = { error: (error as Error).message };
    }
    await expect(parseKubeconfigText(text, 'f').then((value) => ({ value }), (error: Error) => ({ error: error.message }))).resolves.toStrictEqual(expected);
  });
});

describe('codec.ts\'s node limit', () => {
  it('holds for reader.ts too: a line makes at most two nodes, plus the root', () => {
    expect(2 * MAX_LINES + 1).toBeLessThanOrEqual(MAX_EXPANDED_NODES);
  });

  // Found by review: a plain file of ~8 MB (the file limit is 64 MiB) reaches the limit without
  // any alias, and codec.ts refuses it.
  it('leaves a plain document past it to codec.ts, which refuses it', async () => {
    const text = `x:\n${'- a\n'.repeat(MAX_EXPANDED_NODES - 1)}`;
    expect(readPlainKubeconfig(text)).toBeUndefined();
    await expect(parseKubeconfigText(text, 'big')).rejects.toThrow('error loading config file "big": the document expands to more than 2,000,000 values');
  });
});

describe('readPlainYaml against js-yaml', () => {
  // Values dense in what decides YAML's types and quoting, in trees shaped like kubeconfigs.
  // Fixed seeds, so that CI is repeatable.
  const scalar = fc.oneof(
    fc.stringMatching(/^[-a-zA-Z0-9._/@:+=~#!&*|>'"%`,?[\]{} ]{0,12}$/),
    fc.stringMatching(/^[a-zA-Z0-9/][-a-zA-Z0-9._/@:+=]{0,16}$/),
    fc.stringMatching(/^[0-9][0-9._:eE+-]{0,10}$/),
    fc.constantFrom('yes', 'No', 'true', 'FALSE', 'null', 'Null', '~', '<<', '.inf', '1e3', '10.96.0.1', '2026-12-01', '', ' a', 'a '),
    fc.boolean(),
    fc.constant(null),
    fc.integer({ min: -3, max: 3 }),
  );
  const key = fc.oneof(fc.constantFrom('server', 'name', 'cluster', 'user', 'token', 'args', 'env', 'x-extra'), fc.stringMatching(/^[-a-zA-Z0-9._/@:+= '"]{1,8}$/));
  const tree = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), tie('list')),
    map: fc.dictionary(key, tie('node'), { maxKeys: 4 }),
    list: fc.array(tie('node'), { maxLength: 3 }),
  })).node;
  // js-yaml's dump in the styles that occur: ours (indented lists), go-yaml's (noArrayIndent),
  // other indents, quoting styles and forced quotes.
  const style = fc.record({
    indent: fc.constantFrom(2, 3, 4),
    noArrayIndent: fc.boolean(),
    quotingType: fc.constantFrom<'"' | "'">('"', "'"),
    forceQuotes: fc.boolean(),
    sortKeys: fc.boolean(),
  });

  it('is js-yaml wherever it answers, on generated documents', () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.dictionary(key, tree, { minKeys: 1, maxKeys: 4 }), style, (document, options) => {
        const text = dump(document, { ...options, lineWidth: -1, noRefs: true });
        const fast = readPlainYaml(text);
        if (fast === undefined) return;
        answered += 1;
        expect(fast).toStrictEqual(parseByJsYaml(text).value);
      }),
      { numRuns: 5000, seed: 20261201 },
    );
    // Not a vacuous pass: a good share of the documents are read.
    expect(answered).toBeGreaterThan(300);
  });

  // Texts near the ones it reads, with characters that matter to YAML put in, taken out and
  // swapped: whatever it still reads must be what js-yaml reads, and nothing js-yaml refuses.
  const seeds = [BY_KUBECTL, stringifyKubeconfig(parseKubeconfig(BY_KUBECTL, 'x')), 'a:\n  b:\n  - c: d\n    e:\n    - f\n  g: {}\nh: "i j"\n'];
  const edit = fc.record({
    at: fc.nat(),
    remove: fc.nat({ max: 3 }),
    insert: fc.stringMatching(/^[ \n:\-#"'{}[\],&*!|>?%@`a1.\t]{0,3}$/),
  });

  it('is js-yaml wherever it answers, on mutated texts, and declines what js-yaml refuses', () => {
    let answered = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 3 }), (seed, edits) => {
        let text = seed;
        for (const { at, remove, insert } of edits) {
          const position = at % (text.length + 1);
          text = text.slice(0, position) + insert + text.slice(position + remove);
        }
        const fast = readPlainYaml(text);
        const reference = parseByJsYaml(text);
        if (reference.error !== undefined) refused += 1;
        if (fast === undefined) return;
        answered += 1;
        expect(reference.error).toBeUndefined();
        expect(fast).toStrictEqual(reference.value);
        // And at the kubeconfig level: what it reads, codec.ts reads the same.
        const config = readPlainKubeconfig(text);
        if (config !== undefined) expect(config).toStrictEqual(parseKubeconfig(text, 'x'));
      }),
      { numRuns: 20000, seed: 20261201 },
    );
    expect(answered).toBeGreaterThan(2000);
    expect(refused).toBeGreaterThan(2000);
  });
});

describe('the shape checks (shape.ts) against the zod schema (schema.ts)', () => {
  const schemas = kubeconfigSchemas();

  it.each(Object.keys(SHAPES))('name the same fields as %s', (name) => {
    const schema = schemas[name as keyof typeof schemas] as unknown as { readonly _zod: { readonly def: { readonly shape: Record<string, unknown> } } };
    expect(Object.keys(SHAPES[name] ?? {}).sort()).toEqual(Object.keys(schema._zod.def.shape).sort());
  });

  it.each([
    ['a string where a boolean belongs', { clusters: [{ name: 'a', cluster: { 'insecure-skip-tls-verify': 'true' } }] }],
    ['a boolean where a string belongs', { clusters: [{ name: 'a', cluster: { server: true } }] }],
    ['null where only a string may be', { users: [{ name: 'a', user: { token: null } }] }],
    ['a string where a list belongs', { users: [{ name: 'a', user: { exec: { args: '--x' } } }] }],
    ['a list item that is not a string', { users: [{ name: 'a', user: { 'as-groups': ['a', true] } }] }],
    ['a record value that is not a list', { users: [{ name: 'a', user: { 'as-user-extra': { scopes: 'x' } } }] }],
    ['a record value that is not a string', { users: [{ name: 'a', user: { 'auth-provider': { name: 'oidc', config: { a: false } } } }] }],
    ['an entry without a name', { contexts: [{ context: {} }] }],
    ['a list where a mapping belongs', { preferences: [] }],
    ['an extension without a name', { extensions: [{ extension: {} }] }],
  ])('refuse %s, as zod does', (_label, document) => {
    expect(schemas.kubeconfigSchema.safeParse(document).success).toBe(false);
    expect(matchesKubeconfigShape(document)).toBe(false);
  });

  it('covers every object schema of schema.ts', () => {
    expect(Object.keys(SHAPES).sort()).toEqual(Object.keys(schemas).sort());
  });

  // Documents built from the schema's own field names with values of every kind, so that most
  // fields are sometimes right and sometimes wrong.
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(null), fc.integer(), tie('map'), tie('list')),
    // Objects as js-yaml and reader.ts make them (never a null prototype).
    map: fc.dictionary(fc.constantFrom(...new Set(Object.values(SHAPES).flatMap((fields) => Object.keys(fields)))), tie('node'), { maxKeys: 5, noNullPrototype: true }),
    list: fc.array(tie('node'), { maxLength: 3 }),
  })).map;

  it('accept only what zod accepts as it is (generated documents)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(value, (document) => {
        const parsed = schemas.kubeconfigSchema.safeParse(document);
        if (!matchesKubeconfigShape(document)) return;
        accepted += 1;
        expect(parsed.success).toBe(true);
        expect(parsed.data).toStrictEqual(document);
      }),
      { numRuns: 5000, seed: 20261201 },
    );
    expect(accepted).toBeGreaterThan(500);
  });

  it('accept every valid kubeconfig zod accepts (generated from the right types)', () => {
    const text = fc.stringMatching(/^[a-z][a-z0-9.-]{0,8}$/);
    const config = fc.record(
      {
        clusters: fc.array(fc.record({ name: text, cluster: fc.record({ server: text, 'insecure-skip-tls-verify': fc.boolean(), extensions: fc.array(fc.record({ name: text, extension: fc.anything() })) }, { requiredKeys: [] }) })),
        users: fc.array(fc.record({ name: text, user: fc.record({ token: text, 'as-groups': fc.array(text), 'as-user-extra': fc.dictionary(text, fc.array(text)), exec: fc.record({ command: text, args: fc.option(fc.array(text)), env: fc.option(fc.array(fc.record({ name: text, value: text }))) }, { requiredKeys: [] }), 'auth-provider': fc.record({ name: text, config: fc.dictionary(text, text) }) }, { requiredKeys: [] }) })),
        contexts: fc.array(fc.record({ name: text, context: fc.option(fc.record({ cluster: text, namespace: text }, { requiredKeys: [] })) })),
        'current-context': fc.option(text),
        preferences: fc.option(fc.constant({})),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(config, (document) => {
        expect(schemas.kubeconfigSchema.safeParse(document).success).toBe(true);
        expect(matchesKubeconfigShape(document)).toBe(true);
      }),
      { numRuns: 1000, seed: 20261201 },
    );
  });
});
